package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/testing/host"
)

// rateConfig is authConfig with the given rate_limits section.
func rateConfig(t testing.TB, rateLimits any) string {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(authConfig()), &doc))
	doc["rate_limits"] = rateLimits
	return mustJSON(doc)
}

// startRateHost is startHost with the given number of workers.
func startRateHost(t testing.TB, workers int, pluginConfig string) (*host.Host, *host.ManualClock) {
	t.Helper()
	clock := host.NewManualClock(testNow)
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          workers,
		PluginConfig:     []byte(pluginConfig),
		Clock:            clock,
		CompilationCache: compilationCache,
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	return h, clock
}

// sendRated sends one request on worker (host.AnyWorker for round-robin) from
// the peer source and returns the response.
func sendRated(t testing.TB, h *host.Host, worker int, source string, headers ...[2]string) *host.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result, err := h.Do(ctx, &host.Request{
		Worker: worker, Method: "GET", Path: "/orders", Authority: "api.example.com",
		Headers: headers, SourceAddress: source,
	}, nil)
	require.NoError(t, err)
	return result.Response
}

func countRateAllowed(t testing.TB, h *host.Host, n int, source string, headers ...[2]string) int {
	t.Helper()
	allowed := 0
	for range n {
		if sendRated(t, h, host.AnyWorker, source, headers...).Status == http.StatusOK {
			allowed++
		}
	}
	return allowed
}

var rateReaderKey = [2]string{"x-api-key", keyReader.Key}

func rateBucket(name string, capacity int, refill float64, key ...any) map[string]any {
	return map[string]any{"name": name, "algorithm": "token_bucket", "capacity": capacity, "refill_per_second": refill, "key": key}
}

func TestRateLimitBurstAcrossWorkers(t *testing.T) {
	const capacity, workers = 20, 4
	rule := rateBucket("burst", capacity, 2, "global")
	rule["failure_mode"] = "deny"
	h, clock := startRateHost(t, workers, rateConfig(t, map[string]any{"rules": []any{rule}}))

	var admitted atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range 10 * capacity / workers {
				if sendRated(t, h, w, "192.0.2.1:4000", rateReaderKey).Status == http.StatusOK {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, capacity, admitted.Load(), "a burst of 10× capacity over 4 workers")

	// 2 tokens per second: 499 ms refill nothing, 500 ms one token.
	clock.Advance(499 * time.Millisecond)
	require.Equal(t, 0, countRateAllowed(t, h, 4, "192.0.2.1:4000", rateReaderKey))
	clock.Advance(time.Millisecond)
	require.Equal(t, 1, countRateAllowed(t, h, 4, "192.0.2.1:4000", rateReaderKey))
	clock.Advance(3 * time.Second)
	require.Equal(t, 6, countRateAllowed(t, h, 20, "192.0.2.1:4000", rateReaderKey))
	requireNoSecretLogged(t, h)
}

func TestRateLimitSlidingWindowBoundary(t *testing.T) {
	rule := map[string]any{"name": "window", "algorithm": "sliding_window", "limit": 4, "window": "10s", "key": []any{"identity"}}
	h, clock := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{rule}}))

	// testNow is on a 10 s boundary: fill the window in its last second.
	clock.Advance(9 * time.Second)
	require.Equal(t, 4, countRateAllowed(t, h, 8, "192.0.2.1:4000", rateReaderKey))

	clock.Advance(time.Second) // the boundary: the previous window weighs fully
	require.Equal(t, 0, countRateAllowed(t, h, 4, "192.0.2.1:4000", rateReaderKey))
	clock.Advance(2500 * time.Millisecond) // 4 × 0.75 = 3 leaves one
	require.Equal(t, 1, countRateAllowed(t, h, 4, "192.0.2.1:4000", rateReaderKey))
	clock.Advance(20 * time.Second)
	require.Equal(t, 4, countRateAllowed(t, h, 8, "192.0.2.1:4000", rateReaderKey))
}

// Distinct client IPs through the compiled module: shared data holds the
// max_keys slots and nothing else. TestMillionClientIPsStayBounded in
// filter/ratelimit drives 1,000,000 IPs through the same code natively.
func TestRateLimitSharedDataBounded(t *testing.T) {
	rule := map[string]any{"name": "per-ip", "algorithm": "sliding_window", "limit": 5, "window": "1m", "key": []any{"client_ip"}, "max_keys": 256}
	cfgText := rateConfig(t, map[string]any{"rules": []any{rule}})
	h, _ := startRateHost(t, 2, cfgText)
	cfg, err := config.Parse([]byte(cfgText))
	require.NoError(t, err)
	bound := cfg.RateLimits.MaxBytes()

	require.Len(t, h.SharedDataKeys(), 256, "Prepare creates every slot")
	for i := range 5000 {
		sendRated(t, h, host.AnyWorker, "10.9."+strconv.Itoa(i>>8)+"."+strconv.Itoa(i&255)+":4000", rateReaderKey)
	}
	require.Len(t, h.SharedDataKeys(), 256)
	require.LessOrEqual(t, h.SharedDataBytes(), bound)
	t.Logf("shared data after 5,000 client IPs: %d bytes (bound %d)", h.SharedDataBytes(), bound)
}

// TestRateLimitGlobalRuleOneSlot checks that a rule keyed by "global"
// without max_keys creates one slot, and that requests from every worker
// and client share it.
func TestRateLimitGlobalRuleOneSlot(t *testing.T) {
	h, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{rateBucket("all", 3, 0.001, "global")}}))
	keys := h.SharedDataKeys()
	require.Equal(t, 1, len(keys), "slots created") // not the keys: 10,000 when it fails
	require.Equal(t, "bulwark/rl/all/tb/0", keys[0])

	var statuses []int
	for i := range 4 {
		resp := sendRated(t, h, i%2, "198.51.100."+strconv.Itoa(i+1)+":4000", rateReaderKey)
		statuses = append(statuses, resp.Status)
	}
	require.Equal(t, []int{200, 200, 200, 429}, statuses)
}

func TestRateLimitForwardedFor(t *testing.T) {
	perIP := rateBucket("per-ip", 2, 0.001, "client_ip")
	tests := []struct {
		name     string
		clientIP map[string]any
		// Requests from two sets of peers and headers: same reports whether
		// they must share one bucket.
		a, b func(i int) (string, [][2]string)
		same bool
	}{
		{
			name:     "spoofed from an untrusted peer",
			clientIP: map[string]any{"trusted_proxies": []string{"10.0.0.0/8"}},
			a: func(i int) (string, [][2]string) {
				return "192.0.2.1:4000", rateXFF("198.51.100." + strconv.Itoa(i))
			},
			b:    func(i int) (string, [][2]string) { return "192.0.2.1:4000", nil },
			same: true,
		},
		{
			name:     "ignored without configuration",
			clientIP: map[string]any{},
			a:        func(i int) (string, [][2]string) { return "10.0.0.1:4000", rateXFF("198.51.100." + strconv.Itoa(i)) },
			b:        func(i int) (string, [][2]string) { return "10.0.0.1:4000", nil },
			same:     true,
		},
		{
			name:     "trusted hop picks the client",
			clientIP: map[string]any{"xff_trusted_hops": 1},
			a: func(i int) (string, [][2]string) {
				return "10.0.0.1:4000", rateXFF(strconv.Itoa(i) + ".6.6.6, 198.51.100.7")
			},
			b:    func(i int) (string, [][2]string) { return "10.0.0.2:4000", rateXFF("198.51.100.8") },
			same: false,
		},
		{
			name:     "spoofed left of a trusted hop",
			clientIP: map[string]any{"xff_trusted_hops": 1},
			a: func(i int) (string, [][2]string) {
				return "10.0.0.1:4000", rateXFF(strconv.Itoa(i) + ".6.6.6, 198.51.100.7")
			},
			b:    func(i int) (string, [][2]string) { return "10.0.0.1:4000", rateXFF("198.51.100.7") },
			same: true,
		},
		{
			name:     "several lines joined",
			clientIP: map[string]any{"xff_trusted_hops": 2},
			a: func(i int) (string, [][2]string) {
				return "10.0.0.1:4000", rateXFF("6.6.6.6, 198.51.100.7", "10.1.1.1")
			},
			b:    func(i int) (string, [][2]string) { return "10.0.0.1:4000", rateXFF("198.51.100.7, 10.1.1.2") },
			same: true,
		},
		{
			name:     "ipv6 grouped by /64",
			clientIP: map[string]any{},
			a:        func(i int) (string, [][2]string) { return "[2001:db8:1:2::" + strconv.Itoa(i+1) + "]:4000", nil },
			b:        func(i int) (string, [][2]string) { return "[2001:db8:1:2:ffff::1]:4000", nil },
			same:     true,
		},
		{
			name:     "ipv6 other /64",
			clientIP: map[string]any{},
			a:        func(i int) (string, [][2]string) { return "[2001:db8:1:2::1]:4000", nil },
			b:        func(i int) (string, [][2]string) { return "[2001:db8:1:3::1]:4000", nil },
			same:     false,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"client_ip": tc.clientIP, "rules": []any{perIP}}))

			allowed := 0
			for i := range 2 {
				source, headers := tc.a(i)
				if sendRated(t, h, host.AnyWorker, source, append(headers, rateReaderKey)...).Status == http.StatusOK {
					allowed++
				}
			}
			require.Equal(t, 2, allowed)

			source, headers := tc.b(0)
			status := sendRated(t, h, host.AnyWorker, source, append(headers, rateReaderKey)...).Status
			if tc.same {
				require.Equal(t, http.StatusTooManyRequests, status, "b must share a's bucket")
			} else {
				require.Equal(t, http.StatusOK, status, "b must have a bucket of its own")
			}
		})
	}
}

func rateXFF(lines ...string) [][2]string {
	headers := make([][2]string, len(lines))
	for i, line := range lines {
		headers[i] = [2]string{"x-forwarded-for", line}
	}
	return headers
}
