package e2e

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// benchRateLimits has three rules that every benchmark request passes,
// all on one key: per caller, per client IP and global.
func benchRateLimits() map[string]any {
	perIP := map[string]any{"name": "per-ip", "algorithm": "sliding_window", "limit": 1_000_000, "window": "1h", "key": []any{"client_ip"}}
	return map[string]any{"rules": []any{
		rateBucket("per-caller", 1_000_000, 1_000_000, "identity"),
		perIP,
		rateBucket("global", 1_000_000, 1_000_000, "global"),
	}}
}

// BenchmarkHostRateLimit3Rules is BenchmarkHostAPIKey with three rate
// limit rules, on one worker.
func BenchmarkHostRateLimit3Rules(b *testing.B) {
	h, _ := startRateHost(b, 1, rateConfig(b, benchRateLimits()))
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	benchmarkHost(b, h, req, 200)
}

// BenchmarkHostRateLimit3RulesContended runs the same requests from four
// goroutines, each on its own worker VM, all updating the same three
// shared-data keys.
func BenchmarkHostRateLimit3RulesContended(b *testing.B) {
	const workers = 4
	h, _ := startRateHost(b, workers, rateConfig(b, benchRateLimits()))
	ctx := context.Background()

	var next atomic.Int32
	b.ReportAllocs()
	b.SetParallelism((workers + 1) / 2) // 2 cores × 2 = 4 goroutines here
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
		req.Worker = int(next.Add(1)-1) % workers
		for pb.Next() {
			result, err := h.Do(ctx, req, nil)
			if err != nil || result.Response.Status != 200 {
				b.Fatalf("request failed: %v %+v", err, result)
			}
		}
	})
}

// BenchmarkNativeRateLimit3Rules runs the three rules natively on a memory
// store, without Engine.Check, wasm or the ABI.
func BenchmarkNativeRateLimit3Rules(b *testing.B) {
	cfg, err := config.Parse([]byte(rateConfig(b, benchRateLimits())))
	require.NoError(b, err)
	limiter := ratelimit.New(&cfg.RateLimits, ratelimit.NewMemoryStore(), func() time.Time { return testNow })
	require.NoError(b, limiter.Prepare())
	req := &ratelimit.Request{Identity: "reader", SourceAddress: "10.0.0.1:40000", Path: "/orders"}
	require.True(b, limiter.Check(req).Allow)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		limiter.Check(req)
	}
}
