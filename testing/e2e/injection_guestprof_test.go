package e2e

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/guestprof"
)

// TestGuestProfileInjection profiles the module's functions on
// BenchmarkHostInjectionTypical's request, and prints where it spends
// more than the same request without injection detection
// (BenchmarkHostAPIKeyBody). It runs only when BULWARK_GUESTPROF is set
// to the number of requests to profile, because the function listeners
// make every request a hundred times slower or more:
//
//	BULWARK_GUESTPROF=50 go test -count=1 -v -run TestGuestProfileInjection ./testing/e2e/
func TestGuestProfileInjection(t *testing.T) {
	requests, _ := strconv.Atoi(os.Getenv("BULWARK_GUESTPROF"))
	if requests <= 0 {
		t.Skip("set BULWARK_GUESTPROF to a number of requests to profile")
	}
	req := typicalRequest(2 << 10)

	base := profileRequests(t, authConfig(), req, requests, nil)
	scanned := profileRequests(t, injectionBenchConfig(), req, requests, nil)

	t.Log("calls per request, API-key path → with injection detection:")
	for _, name := range watchedFunctions {
		t.Logf("%-32s %8.2f → %8.2f", name, perRequest(base, name, requests), perRequest(scanned, name, requests))
	}
	t.Logf("%-32s %8.2f → %8.2f", "(all functions)", totalCalls(base, requests), totalCalls(scanned, requests))

	t.Log("with injection detection, top functions by self time:")
	require.NoError(t, scanned.Write(testWriter{t}, requests, 60))
	t.Log("with injection detection against the API-key path, per request:")
	require.NoError(t, guestprof.WriteDifferences(testWriter{t}, scanned.Compare(base, requests, requests), 60))
}
