package e2e

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-dev/bulwark/testing/guestprof"
	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestGuestProfileJWTFunctions lists, for an uncached RS256 and ES256
// request whose signature the host's verify_signature checks, the guest
// functions that the request calls and a cache hit of the same token does
// not, with their calls per request. Each such function runs once per
// request, cold, so their number matters more than their instructions
// (BENCHMARKS.md). It runs only when BULWARK_GUESTPROF is set:
//
//	BULWARK_GUESTPROF=100 go test -count=1 -v -run TestGuestProfileJWTFunctions ./testing/e2e/
func TestGuestProfileJWTFunctions(t *testing.T) {
	requests, _ := strconv.Atoi(os.Getenv("BULWARK_GUESTPROF"))
	if requests <= 0 {
		t.Skip("set BULWARK_GUESTPROF to a number of requests to profile")
	}
	keys := sharedJWTKeys(t)
	uncached := strings.Replace(keys.config(t), `"jwt":{`, `"jwt":{"cache_entries":0,`, 1)

	for _, alg := range []string{"RS256", "ES256"} {
		request := bearerRequest(t, keys, alg)
		hit := profileRequests(t, keys.config(t), request, requests, host.VerifySignature)
		signed := profileRequests(t, uncached, request, requests, host.VerifySignature)

		lines, called := functionsOnlyIn(signed, hit, requests)
		t.Logf("%s: %d guest functions in a cache hit, %d in an uncached request, %d of them only there:",
			alg, len(calledFunctions(hit)), called, len(lines))
		for _, line := range lines {
			t.Log(line)
		}
	}
}

// functionsOnlyIn returns, sorted, the functions that p calls and base
// does not, each with its calls per request, and the number of functions
// that p calls.
func functionsOnlyIn(p, base guestprof.Profile, requests int) (lines []string, called int) {
	inBase := calledFunctions(base)
	for _, s := range p {
		if s.Calls == 0 {
			continue
		}
		called++
		if !inBase[s.Name] {
			lines = append(lines, s.Name+" "+strconv.FormatFloat(float64(s.Calls)/float64(requests), 'f', 2, 64))
		}
	}
	slices.Sort(lines)
	return lines, called
}

func calledFunctions(p guestprof.Profile) map[string]bool {
	called := map[string]bool{}
	for _, s := range p {
		if s.Calls > 0 {
			called[s.Name] = true
		}
	}
	return called
}
