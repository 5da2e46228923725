package e2e

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// startBenchHost starts one worker with an in-process collector that
// accepts every export, so that the benchmarks measure the module, not a
// decoder.
func startBenchHost(b *testing.B, events map[string]any) *host.Host {
	b.Helper()
	collector := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{}`))
	})
	h, err := host.New(context.Background(), moduleBytes(b), host.Options{
		Workers:          1,
		PluginConfig:     []byte(withEvents(b, authConfig(), events)),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		Handlers:         map[string]http.Handler{"otel": collector},
	})
	require.NoError(b, err)
	closeAtEnd(b, h)
	return h
}

// benchOTLP is an OTLP section whose buffer never fills during a run.
var benchOTLP = map[string]any{"cluster": "otel", "batch_size": 100, "max_buffer": 100_000, "flush_interval": "1h"}

// BenchmarkEventCost measures a denied request (401, no key) with each
// event sink: none, the log line, the OTLP buffer, and both. Every 100
// requests the clock moves 1 ms outside the timer, so that the OTLP tick
// exports the full batch and the buffer stays small.
func BenchmarkEventCost(b *testing.B) {
	cases := []struct {
		name   string
		events map[string]any
	}{
		{"off", map[string]any{"log": false, "metrics": false}},
		{"metrics", map[string]any{"log": false}},
		{"log", map[string]any{}},
		{"otlp", map[string]any{"log": false, "otlp": benchOTLP}},
		{"log+otlp", map[string]any{"otlp": benchOTLP}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			h := startBenchHost(b, tc.events)
			req := benchRequest("/orders", benchHeaders())
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := h.Do(ctx, req, nil)
				if err != nil || res.Response.Status != 401 {
					b.Fatalf("request %d: %v %+v", i, err, res)
				}
				if i%100 == 99 {
					b.StopTimer()
					require.NoError(b, h.Advance(time.Millisecond))
					require.NoError(b, h.WaitIdle(ctx))
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkOTLPFlush measures the tick after 100 denied requests: without
// an OTLP sink (the metrics flush only), and with one, where the tick also
// builds the export request of 100 records and dispatches it. The
// requests and the collector's response are outside the timer.
func BenchmarkOTLPFlush(b *testing.B) {
	cases := []struct {
		name   string
		events map[string]any
		step   time.Duration
	}{
		// Without OTLP the regular tick comes a second later; with OTLP
		// the full batch brings it forward to 1 ms.
		{"tick", map[string]any{"log": false}, time.Second},
		{"tick+export100", map[string]any{"log": false, "otlp": benchOTLP}, time.Millisecond},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			h := startBenchHost(b, tc.events)
			req := benchRequest("/orders", benchHeaders())
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for range 100 {
					if _, err := h.Do(ctx, req, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				require.NoError(b, h.Advance(tc.step))
				b.StopTimer()
				require.NoError(b, h.WaitIdle(ctx))
				b.StartTimer()
			}
			b.StopTimer()
			if tc.events["otlp"] != nil {
				require.NoError(b, h.Advance(time.Second))
				exported, _ := h.Metric("bulwark_events_exported")
				require.Equal(b, uint64(100*b.N), exported, "every batch was exported")
			}
		})
	}
}
