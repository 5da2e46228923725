package e2e

import (
	"testing"
)

// benchBruteForce is a brute_force section that the benchmarks never
// trip: up to 100,000 failures per address.
var benchBruteForce = map[string]any{"max_failures_per_ip": 100_000, "max_identities_per_ip": 32}

// BenchmarkHostBruteForceAPIKey is BenchmarkHostAPIKey with brute-force
// protection: the ban check (one shared-data read) on an allowed request.
func BenchmarkHostBruteForceAPIKey(b *testing.B) {
	h, _ := startHost(b, bruteConfig(b, benchBruteForce, nil))
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	benchmarkHost(b, h, req, 200)
}

// BenchmarkHostUnknownKey is a request with an unknown key: the 401 reply
// and its auth_failure event.
func BenchmarkHostUnknownKey(b *testing.B) {
	h, _ := startHost(b, authConfig())
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", mintKey("unknown").Key}))
	benchmarkHost(b, h, req, 401)
}

// BenchmarkHostBruteForceUnknownKey is BenchmarkHostUnknownKey with
// brute-force protection: the ban check, the claimed identity's hash and
// the counted failure (a compare-and-swap write).
func BenchmarkHostBruteForceUnknownKey(b *testing.B) {
	h, _ := startHost(b, bruteConfig(b, benchBruteForce, nil))
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", mintKey("unknown").Key}))
	benchmarkHost(b, h, req, 401)
}
