package e2e

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// cpuCase is one exchange that the CPU-time tests time: a request through
// the module, or, when native is set, a native reference run instead.
type cpuCase struct {
	name     string
	config   string
	request  *host.Request
	verify   host.ForeignFunc
	native   func()
	requests int

	// baseline is the index of the case that this one is compared with.
	baseline int
}

// TestCPUTimeRateLimit compares the CPU time per request of
// BenchmarkHostAPIKey's, BenchmarkHostRateLimit3Rules's and the JWT cache
// hit's exchanges for each module in BULWARK_CPUTIME (comma-separated
// paths), in interleaved rounds (see cpuTimeRounds). CPU time of the locked thread, unlike
// wall-clock time, does not count the time spent waiting for a core on a
// shared machine. A path that ends in "#N" runs that module with GOGC=N.
// It runs only when BULWARK_CPUTIME is set, on Linux:
//
//	BULWARK_CPUTIME=/tmp/before.wasm,$PWD/build/bulwark.wasm go test -count=1 -v -run TestCPUTimeRateLimit ./testing/e2e/
//	BULWARK_CPUTIME=$PWD/build/bulwark.wasm,$PWD/build/bulwark.wasm#400 go test -count=1 -v -run TestCPUTimeRateLimit ./testing/e2e/
func TestCPUTimeRateLimit(t *testing.T) {
	modules := cpuTimeModules(t)
	keys := sharedJWTKeys(t)
	apiKey := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	cpuTimeRounds(t, modules, []cpuCase{
		{name: "API key", config: authConfig(), request: apiKey, requests: 5000},
		{name: "three rules", config: rateConfig(t, benchRateLimits()), request: apiKey, requests: 5000},
		{name: "JWT cache hit", config: keys.config(t), request: bearerRequest(t, keys, "RS256"), requests: 5000},
	})
}

// TestCPUTimeJWT compares, in the same way, the CPU time of an uncached
// RS256 and ES256 request checked by the host's verify_signature with
// go-jose's native ParseSigned and Verify of the same tokens
// (BenchmarkGoJoseVerify):
//
//	BULWARK_CPUTIME=/tmp/before.wasm,$PWD/build/bulwark.wasm go test -count=1 -v -run TestCPUTimeJWT ./testing/e2e/
func TestCPUTimeJWT(t *testing.T) {
	modules := cpuTimeModules(t)
	keys := sharedJWTKeys(t)
	uncached := strings.Replace(keys.config(t), `"jwt":{`, `"jwt":{"cache_entries":0,`, 1)
	verify := host.ForeignFunc(host.VerifySignature)
	cpuTimeRounds(t, modules, []cpuCase{
		{name: "go-jose RS256", native: goJoseVerify(t, keys, jose.RS256, &keys.rsa.PublicKey), requests: 2000},
		{name: "RS256 verify_signature", config: uncached, request: bearerRequest(t, keys, "RS256"), verify: verify, requests: 2000},
		{name: "go-jose ES256", native: goJoseVerify(t, keys, jose.ES256, &keys.ec.PublicKey), requests: 1000, baseline: 2},
		{name: "ES256 verify_signature", config: uncached, request: bearerRequest(t, keys, "ES256"), verify: verify, requests: 1000, baseline: 2},
	})
}

func cpuTimeModules(t *testing.T) []string {
	modules := strings.Split(os.Getenv("BULWARK_CPUTIME"), ",")
	if modules[0] == "" {
		t.Skip("set BULWARK_CPUTIME to the modules to compare")
	}
	return modules
}

func bearerRequest(t testing.TB, keys jwtKeys, alg string) *host.Request {
	return benchRequest("/orders", benchHeaders([2]string{"authorization", "Bearer " + benchToken(t, keys, alg)}))
}

func goJoseVerify(t *testing.T, keys jwtKeys, alg jose.SignatureAlgorithm, key any) func() {
	token := benchToken(t, keys, string(alg))
	return func() {
		obj, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{alg})
		if err == nil {
			_, err = obj.Verify(key)
		}
		require.NoError(t, err)
	}
}

// cpuTimeRounds times every case on every module in interleaved rounds, 6
// unless BULWARK_CPUTIME_ROUNDS sets another even number, and logs each
// case's ratio to its baseline case, as the median and range of the
// per-round ratios.
func cpuTimeRounds(t *testing.T, modules []string, cases []cpuCase) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))

	rounds := 6
	if text := os.Getenv("BULWARK_CPUTIME_ROUNDS"); text != "" {
		n, err := strconv.Atoi(text)
		require.NoError(t, err, "BULWARK_CPUTIME_ROUNDS")
		require.True(t, n >= 2 && n%2 == 0, "BULWARK_CPUTIME_ROUNDS must be an even number of at least 2; got %d", n)
		rounds = n
	}
	ratios := map[string][]float64{}
	for round := range rounds {
		for _, path := range modules {
			file, gogc, _ := strings.Cut(path, "#")
			wasm, err := os.ReadFile(file)
			require.NoError(t, err)
			var line strings.Builder
			times := make([]float64, len(cases))
			for i, c := range cases {
				times[i] = cpuPerRequest(t, wasm, gogc, c)
				line.WriteString(c.name + " " + formatMicros(times[i]) + "; ")
			}
			for i, c := range cases {
				if i != c.baseline {
					key := path + ": " + c.name + " / " + cases[c.baseline].name
					ratios[key] = append(ratios[key], times[i]/times[c.baseline])
				}
			}
			t.Logf("round %d %s: %s", round, path, line.String())
		}
	}
	for _, path := range modules {
		for i, c := range cases {
			if i == c.baseline {
				continue
			}
			key := path + ": " + c.name + " / " + cases[c.baseline].name
			r := ratios[key]
			slices.Sort(r)
			t.Logf("%s: ratio median %.2f, range %.2f – %.2f", key, (r[rounds/2-1]+r[rounds/2])/2, r[0], r[rounds-1])
		}
	}
}

func formatMicros(us float64) string {
	return time.Duration(us * float64(time.Microsecond)).Round(100 * time.Nanosecond).String()
}

// cpuPerRequest returns the thread CPU time per exchange, in microseconds,
// of c.requests exchanges on a one-worker host after 500 of warm-up.
func cpuPerRequest(t *testing.T, wasm []byte, gogc string, c cpuCase) float64 {
	t.Helper()
	run := c.native
	if run == nil {
		h, err := host.New(context.Background(), wasm, host.Options{
			Workers: 1, PluginConfig: []byte(c.config), Clock: host.NewManualClock(testNow),
			CompilationCache: compilationCache, ForeignFunctions: map[string]host.ForeignFunc{"verify_signature": c.verify},
			Environment: map[string]string{"GOGC": gogc},
		})
		require.NoError(t, err)
		defer h.Close(context.Background())
		run = func() {
			result, err := h.Do(context.Background(), c.request, nil)
			require.NoError(t, err)
			require.Equal(t, 200, result.Response.Status, c.name)
		}
	}
	for range 500 {
		run()
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPUTime(t)
	for range c.requests {
		run()
	}
	return float64(threadCPUTime(t)-start) / float64(c.requests) / float64(time.Microsecond)
}

// threadCPUTime returns the calling thread's CPU time. CLOCK_THREAD_CPUTIME_ID
// counts in nanoseconds; getrusage(RUSAGE_THREAD) advances in scheduler
// ticks (4 ms here), which put a round of 500 exchanges on steps of 8 µs.
func threadCPUTime(t *testing.T) time.Duration {
	var ts unix.Timespec
	require.NoError(t, unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts))
	return time.Duration(ts.Nano())
}
