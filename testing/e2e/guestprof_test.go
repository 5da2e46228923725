package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/guestprof"
	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestGuestProfileRateLimit profiles the module's functions on
// BenchmarkHostAPIKey's request and on BenchmarkHostRateLimit3Rules's, and
// prints where the second spends more. It runs only when BULWARK_GUESTPROF
// is set to the number of requests to profile, because the function
// listeners make every request a hundred times slower or more:
//
//	BULWARK_GUESTPROF=300 go test -count=1 -v -run TestGuestProfileRateLimit ./testing/e2e/
func TestGuestProfileRateLimit(t *testing.T) {
	requests, _ := strconv.Atoi(os.Getenv("BULWARK_GUESTPROF"))
	if requests <= 0 {
		t.Skip("set BULWARK_GUESTPROF to a number of requests to profile")
	}
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))

	base := profileRequests(t, authConfig(), req, requests, nil)
	rated := profileRequests(t, rateConfig(t, benchRateLimits()), req, requests, nil)

	t.Log("calls per request, API key path → three rate limit rules:")
	for _, name := range watchedFunctions {
		t.Logf("%-32s %8.2f → %8.2f", name, perRequest(base, name, requests), perRequest(rated, name, requests))
	}
	t.Logf("%-32s %8.2f → %8.2f", "(all functions)", totalCalls(base, requests), totalCalls(rated, requests))

	t.Log("three rate limit rules, top functions by self time:")
	require.NoError(t, rated.Write(testWriter{t}, requests, 40))
	t.Log("three rate limit rules against the API-key path, per request:")
	require.NoError(t, guestprof.WriteDifferences(testWriter{t}, rated.Compare(base, requests, requests), 40))
}

// TestGuestProfileJWT profiles, in the same way, an uncached RS256 request
// whose signature the host's verify_signature checks, against the API-key
// request:
//
//	BULWARK_GUESTPROF=300 go test -count=1 -v -run TestGuestProfileJWT ./testing/e2e/
func TestGuestProfileJWT(t *testing.T) {
	requests, _ := strconv.Atoi(os.Getenv("BULWARK_GUESTPROF"))
	if requests <= 0 {
		t.Skip("set BULWARK_GUESTPROF to a number of requests to profile")
	}
	keys := sharedJWTKeys(t)
	uncached := strings.Replace(keys.config(t), `"jwt":{`, `"jwt":{"cache_entries":0,`, 1)

	base := profileRequests(t, authConfig(), benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key})), requests, nil)
	signed := profileRequests(t, uncached, bearerRequest(t, keys, "RS256"), requests, host.VerifySignature)

	t.Log("calls per request, API key path → RS256 through verify_signature:")
	for _, name := range watchedFunctions {
		t.Logf("%-32s %8.2f → %8.2f", name, perRequest(base, name, requests), perRequest(signed, name, requests))
	}
	t.Logf("%-32s %8.2f → %8.2f", "(all functions)", totalCalls(base, requests), totalCalls(signed, requests))

	t.Log("RS256 through verify_signature, top functions by self time:")
	require.NoError(t, signed.Write(testWriter{t}, requests, 60))
	t.Log("RS256 through verify_signature against the API-key path, per request:")
	require.NoError(t, guestprof.WriteDifferences(testWriter{t}, signed.Compare(base, requests, requests), 60))
}

// watchedFunctions are the runtime functions whose calls per request show
// heap allocations, garbage collection, copies and scheduling.
var watchedFunctions = []string{
	"runtime.mallocgc", "runtime.gcStart", "runtime.gcMarkDone", "runtime.gcAssistAlloc",
	"runtime.gcBgMarkWorker", "runtime.gcWriteBarrier2", "runtime.memmove",
	"runtime.schedule", "runtime.morestack", "runtime.newstack", "runtime.nanotime1", "runtime.walltime",
}

func perRequest(p guestprof.Profile, name string, requests int) float64 {
	return float64(p.Lookup(name).Calls) / float64(requests)
}

func totalCalls(p guestprof.Profile, requests int) float64 {
	var calls int64
	for _, s := range p {
		calls += s.Calls
	}
	return float64(calls) / float64(requests)
}

// profileRequests runs req on a one-worker host compiled with a profiler,
// and returns the profile of count requests after a warm-up.
func profileRequests(t *testing.T, pluginConfig string, req *host.Request, count int, verify host.ForeignFunc) guestprof.Profile {
	t.Helper()
	profiler := guestprof.New()
	profiler.WatchCallers("runtime.mallocgc", 4)
	// No compilation cache: the profiled code differs from the cached one.
	h, err := host.New(profiler.Context(context.Background()), moduleBytes(t), host.Options{
		Workers:      1,
		PluginConfig: []byte(pluginConfig),
		Clock:        host.NewManualClock(testNow),

		ForeignFunctions: map[string]host.ForeignFunc{"verify_signature": verify},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)

	ctx := context.Background()
	for range 100 {
		result, err := h.Do(ctx, req, nil)
		require.NoError(t, err)
		require.Equal(t, 200, result.Response.Status)
	}

	profiler.Reset()
	profiler.Enable()
	for range count {
		_, err := h.Do(ctx, req, nil)
		require.NoError(t, err)
	}
	profiler.Disable()
	for chain, n := range profiler.Callers() {
		t.Logf("%6.2f %s", float64(n)/float64(count), chain)
	}
	return profiler.Snapshot()
}

// testWriter writes each line to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
