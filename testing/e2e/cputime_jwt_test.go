package e2e

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestCPUTimeJWTParts splits the CPU time of TestCPUTimeJWT's uncached
// RS256 request by swapping the host's verify_signature, in the same
// interleaved rounds:
//
//   - "accept at once" returns true without checking, so the request costs
//     the guest's work and the ABI but no signature check;
//   - "spin" returns true after spinning for as long as the host's check
//     takes natively, touching almost no memory;
//   - "check" is the host's real verify_signature.
//
// "check" minus "spin" is what the check's use of the CPU caches costs the
// rest of the exchange. The functions that accept without checking exist
// only in this test, which times requests and asserts no decision. It runs
// like TestCPUTimeJWT:
//
//	BULWARK_CPUTIME=$PWD/build/bulwark.wasm go test -count=1 -v -run TestCPUTimeJWTParts ./testing/e2e/
func TestCPUTimeJWTParts(t *testing.T) {
	modules := cpuTimeModules(t)
	keys := sharedJWTKeys(t)
	uncached := strings.Replace(keys.config(t), `"jwt":{`, `"jwt":{"cache_entries":0,`, 1)
	request := bearerRequest(t, keys, "RS256")
	arguments := verifyArgumentsOf(t, modules[0], uncached, request)
	check := nativeCheckTime(t, arguments)
	t.Logf("the host's check alone, natively: %s", check)

	spin := func(args []byte) ([]byte, error) {
		if len(args) == 0 {
			return host.VerifySignature(args) // the plugin's probe at start
		}
		// The wall clock, read without a system call, unlike the thread's
		// CPU clock, whose system calls would disturb the caches too.
		for start := time.Now(); time.Since(start) < check; {
		}
		return acceptedSignature, nil
	}
	cpuTimeRounds(t, modules, []cpuCase{
		{name: "cache hit", config: keys.config(t), request: request, verify: host.VerifySignature, requests: 2000},
		{name: "accept at once", config: uncached, request: request, verify: acceptAtOnce, requests: 2000},
		{name: "spin", config: uncached, request: request, verify: spin, requests: 2000},
		{name: "check", config: uncached, request: request, verify: host.VerifySignature, requests: 2000},
	})
}

// acceptedSignature is a VerifySignatureResult with result true.
var acceptedSignature = []byte{0x08, 0x01}

// acceptAtOnce is a verify_signature that accepts every signature without
// checking it, for timing only.
func acceptAtOnce(args []byte) ([]byte, error) {
	if len(args) == 0 {
		return host.VerifySignature(args) // the plugin's probe at start
	}
	return acceptedSignature, nil
}

// verifyArgumentsOf returns the arguments that the module at path sends to
// verify_signature for request.
func verifyArgumentsOf(t *testing.T, path, config string, request *host.Request) []byte {
	t.Helper()
	var arguments []byte
	record := func(args []byte) ([]byte, error) {
		if len(args) > 0 {
			arguments = append([]byte(nil), args...)
		}
		return host.VerifySignature(args)
	}
	file, _, _ := strings.Cut(path, "#")
	wasm, err := os.ReadFile(file)
	require.NoError(t, err)
	h, err := host.New(context.Background(), wasm, host.Options{
		Workers: 1, PluginConfig: []byte(config), Clock: host.NewManualClock(testNow),
		CompilationCache: compilationCache, ForeignFunctions: map[string]host.ForeignFunc{"verify_signature": record},
	})
	require.NoError(t, err)
	defer h.Close(context.Background())

	result, err := h.Do(context.Background(), request, nil)
	require.NoError(t, err)
	require.Equal(t, 200, result.Response.Status)
	require.NotEmpty(t, arguments, "the module did not call verify_signature")
	return arguments
}

// nativeCheckTime returns the thread CPU time of one host.VerifySignature
// call on arguments, the mean of 2,000 after 500 of warm-up.
func nativeCheckTime(t *testing.T, arguments []byte) time.Duration {
	t.Helper()
	check := func() {
		result, err := host.VerifySignature(arguments)
		require.NoError(t, err)
		require.Equal(t, acceptedSignature, result, "the host rejected the signature")
	}
	for range 500 {
		check()
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPUTime(t)
	for range 2000 {
		check()
	}
	return (threadCPUTime(t) - start) / 2000
}
