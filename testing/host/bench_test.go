package host

import (
	"context"
	"testing"
)

// BenchmarkDoPassThrough measures one whole exchange through the test
// module with no commands: the module reads the request header map once and
// every other callback returns at once, so the time is mostly host overhead
// plus wazero's call cost.
func BenchmarkDoPassThrough(b *testing.B) {
	h := newTestHost(b, Options{Workers: 1})
	req := &Request{Method: "GET", Path: "/public", Authority: "api.example.com", ID: "bench"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Do(ctx, req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamSteps drives the same exchange with the step API.
func BenchmarkStreamSteps(b *testing.B) {
	h := newTestHost(b, Options{Workers: 1})
	w := h.Worker(0)
	req := &Request{Method: "GET", Path: "/public", Authority: "api.example.com", ID: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		s := w.NewStream(req)
		s.RequestHeaders(true)
		s.ResponseHeaders(200, nil, true)
		s.Done()
	}
}

// BenchmarkCallbackFloor measures one call into the module that does
// nothing (proxy_on_done for an unknown context): the cost of entering and
// leaving Go's wasm runtime through wazero, which every callback pays.
func BenchmarkCallbackFloor(b *testing.B) {
	h := newTestHost(b, Options{Workers: 1})
	w := h.workers[0]
	w.mu.Lock()
	defer w.mu.Unlock()
	for b.Loop() {
		w.invoke(w.fn.done, "proxy_on_done", 99, 99)
	}
}
