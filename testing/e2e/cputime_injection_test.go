package e2e

import "testing"

// TestCPUTimeInjection compares, like TestCPUTimeRateLimit, the CPU time
// per request of BenchmarkHostAPIKey's exchange, of BenchmarkHostAPIKeyBody's
// (the typical request without injection detection), of
// BenchmarkHostInjectionTypical's and of BenchmarkHostInjectionJSON64K's
// for each module in BULWARK_CPUTIME, and logs each case's ratio to the
// API-key exchange:
//
//	BULWARK_CPUTIME=/tmp/before.wasm,$PWD/build/bulwark.wasm go test -count=1 -v -run TestCPUTimeInjection ./testing/e2e/
func TestCPUTimeInjection(t *testing.T) {
	modules := cpuTimeModules(t)
	apiKey := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	cpuTimeRounds(t, modules, []cpuCase{
		{name: "API key", config: authConfig(), request: apiKey, requests: 2000},
		{name: "API key, typical request", config: authConfig(), request: typicalRequest(2 << 10), requests: 2000},
		{name: "injection typical", config: injectionBenchConfig(), request: typicalRequest(2 << 10), requests: 500},
		{name: "injection 64 KiB JSON", config: injectionBenchConfig(), request: typicalRequest(64 << 10), requests: 20},
	})
}
