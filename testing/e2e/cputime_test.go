package e2e

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestCPUTimeRateLimit compares the CPU time per request of
// BenchmarkHostAPIKey's and BenchmarkHostRateLimit3Rules's exchanges for
// each module in BULWARK_CPUTIME (comma-separated paths), in 6 interleaved
// rounds. CPU time of the locked thread, unlike wall-clock time, does not
// count the time spent waiting for a core on a shared machine. It runs
// only when BULWARK_CPUTIME is set, on Linux:
//
//	BULWARK_CPUTIME=/tmp/before.wasm,$PWD/build/bulwark.wasm go test -count=1 -v -run TestCPUTimeRateLimit ./testing/e2e/
func TestCPUTimeRateLimit(t *testing.T) {
	modules := strings.Split(os.Getenv("BULWARK_CPUTIME"), ",")
	if modules[0] == "" {
		t.Skip("set BULWARK_CPUTIME to the modules to compare")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))

	const rounds = 6
	ratios := map[string][]float64{}
	for round := range rounds {
		for _, path := range modules {
			wasm, err := os.ReadFile(path)
			require.NoError(t, err)
			apiKey := cpuPerRequest(t, wasm, authConfig())
			rated := cpuPerRequest(t, wasm, rateConfig(t, benchRateLimits()))
			t.Logf("round %d %s: API key %.1f µs, three rules %.1f µs, ratio %.2f", round, path, apiKey, rated, rated/apiKey)
			ratios[path] = append(ratios[path], rated/apiKey)
		}
	}
	for _, path := range modules {
		r := ratios[path]
		slices.Sort(r)
		t.Logf("%s: ratio median %.2f, range %.2f – %.2f", path, (r[rounds/2-1]+r[rounds/2])/2, r[0], r[rounds-1])
	}
}

// cpuPerRequest returns the thread CPU time per exchange, in microseconds,
// of 5,000 requests on a one-worker host after 500 of warm-up.
func cpuPerRequest(t *testing.T, wasm []byte, pluginConfig string) float64 {
	t.Helper()
	h, err := host.New(context.Background(), wasm, host.Options{
		Workers: 1, PluginConfig: []byte(pluginConfig), Clock: host.NewManualClock(testNow),
		CompilationCache: compilationCache,
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	ctx := context.Background()
	for range 500 {
		_, err := h.Do(ctx, req, nil)
		require.NoError(t, err)
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const requests = 5000
	start := threadCPUTime(t)
	for range requests {
		result, err := h.Do(ctx, req, nil)
		require.NoError(t, err)
		require.Equal(t, 200, result.Response.Status)
	}
	return float64(threadCPUTime(t)-start) / requests / float64(time.Microsecond)
}

// threadCPUTime returns the calling thread's user and system CPU time.
func threadCPUTime(t *testing.T) time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD, Linux only
	var usage syscall.Rusage
	require.NoError(t, syscall.Getrusage(rusageThread, &usage))
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
