package e2e

import "testing"

// TestCPUTimeInjection compares, like TestCPUTimeRateLimit, the CPU time
// of BenchmarkHostInjectionTypical's exchange (a POST with an API key, 10
// headers, 5 query parameters and a 2 KiB JSON body, scanned for
// injections) with BenchmarkHostAPIKey's for each module in
// BULWARK_CPUTIME:
//
//	BULWARK_CPUTIME=/tmp/before.wasm,$PWD/build/bulwark.wasm go test -count=1 -v -run TestCPUTimeInjection ./testing/e2e/
func TestCPUTimeInjection(t *testing.T) {
	modules := cpuTimeModules(t)
	apiKey := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	cpuTimeRounds(t, modules, []cpuCase{
		{name: "API key", config: authConfig(), request: apiKey, requests: 5000},
		{name: "typical injection", config: injectionBenchConfig(), request: typicalRequest(2 << 10), requests: 1000},
	})
}
