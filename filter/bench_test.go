package filter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// typicalHeaders are the headers of a small API request as Envoy passes
// them, pseudo-headers included.
func typicalHeaders(extra ...[2]string) [][2]string {
	headers := [][2]string{
		{":authority", "api.example.com"},
		{":path", "/v1/items"},
		{":method", "GET"},
		{":scheme", "https"},
		{"user-agent", "curl/8.5.0"},
		{"accept", "application/json"},
		{"x-forwarded-proto", "https"},
		{"x-request-id", "5b0a6f0e-3a4e-4c51-9a51-0f1f3c1c2e11"},
	}
	return append(headers, extra...)
}

func BenchmarkCheckPublic(b *testing.B) {
	engine := newTestEngine(b, testConfig(""))
	req := &Request{Method: "GET", Path: "/healthz", Headers: typicalHeaders()}
	require.True(b, engine.Check(req).Allow)

	b.ReportAllocs()
	for b.Loop() {
		engine.Check(req)
	}
}

func BenchmarkCheckAPIKey(b *testing.B) {
	engine := newTestEngine(b, testConfig(""))
	req := &Request{Method: "GET", Path: "/v1/items?page=2", Headers: typicalHeaders(header("x-api-key", demoKey))}
	require.True(b, engine.Check(req).Allow)

	b.ReportAllocs()
	for b.Loop() {
		engine.Check(req)
	}
}

func BenchmarkCheckUnknownKey(b *testing.B) {
	engine := newTestEngine(b, testConfig(""))
	req := &Request{Method: "GET", Path: "/v1/items", Headers: typicalHeaders(header("x-api-key", unusedKey))}
	require.Equal(b, 401, engine.Check(req).Status)

	b.ReportAllocs()
	for b.Loop() {
		engine.Check(req)
	}
}

func TestCheckPublicDoesNotAllocate(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))
	req := &Request{Method: "GET", Path: "/healthz", Headers: typicalHeaders(header("x-client-id", "spoofed"))}

	allocs := testing.AllocsPerRun(100, func() {
		engine.Check(req)
	})
	require.Zero(t, allocs)
}

func TestCheckAPIKeyHeaderDoesNotAllocate(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))
	req := &Request{Method: "GET", Path: "/v1/items?page=2", Headers: typicalHeaders(header("x-api-key", demoKey))}

	allocs := testing.AllocsPerRun(100, func() {
		engine.Check(req)
	})
	require.Zero(t, allocs)
}
