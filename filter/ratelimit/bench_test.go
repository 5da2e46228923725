package ratelimit

import (
	"testing"
	"time"
)

// benchConfig is the end-to-end benchmark's three rules: a token bucket per
// caller, a sliding window per client IP and a global token bucket, all of
// which every benchmark request passes.
func benchConfig() *Config {
	return &Config{
		Headers: Headers{RateLimit: true},
		Rules: []Rule{
			{Name: "per-caller", Algorithm: TokenBucket, Default: Limit{Quota: 1_000_000, RefillMilli: 1_000_000_000}, Key: []KeyPart{byIdentity}, MaxKeys: 4096},
			{Name: "per-ip", Algorithm: SlidingWindow, Default: Limit{Quota: 1_000_000, Window: time.Hour}, Key: []KeyPart{byIP}, MaxKeys: 4096},
			{Name: "global", Algorithm: TokenBucket, Default: Limit{Quota: 1_000_000, RefillMilli: 1_000_000_000}, Key: []KeyPart{global}, MaxKeys: 4096},
		},
	}
}

// BenchmarkCheck3Rules is one allowed request through three rules on a
// memory store. Run it inside wasm too (see BENCHMARKS.md).
func BenchmarkCheck3Rules(b *testing.B) {
	l, _, _ := newTestLimiter(b, benchConfig())
	req := caller("reader")
	if !l.Check(req).Allow {
		b.Fatal("the benchmark request was denied")
	}

	b.ReportAllocs()
	for b.Loop() {
		l.Check(req)
	}
}
