package e2e

import (
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// burstRated sends perWorker requests on each worker at once, from one
// goroutine per worker and key, alternating the given API keys, and
// returns how many were admitted.
func burstRated(t *testing.T, h *host.Host, perWorker int, keys ...[2]string) int {
	t.Helper()
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for w := range h.Workers() {
		for _, key := range keys {
			wg.Go(func() {
				for range perWorker {
					if sendRated(t, h, w, "192.0.2.1:4000", key).Status == http.StatusOK {
						admitted.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	return int(admitted.Load())
}

// slotStates returns the 17-byte states in the slots of rule: the slots
// that some request used.
func slotStates(h *host.Host, rule string) [][]byte {
	var states [][]byte
	for _, key := range h.SharedDataKeys() {
		if !strings.HasPrefix(key, "bulwark/rl/"+rule+"/") {
			continue
		}
		if value, _, _ := h.SharedData(key); len(value) == 17 {
			states = append(states, value)
		}
	}
	return states
}

// bucketTokens returns the tokens left in the used slots of a token bucket
// rule, summed, in thousandths of a token.
func bucketTokens(t *testing.T, h *host.Host, rule string) uint64 {
	t.Helper()
	var sum uint64
	for _, state := range slotStates(h, rule) {
		require.Equal(t, byte(1), state[0], "a token bucket state")
		sum += binary.BigEndian.Uint64(state[1:9]) / 1_000_000_000
	}
	return sum
}

// TestRateLimitExactAcrossWorkers drives two callers through four worker
// VMs at once, with a token bucket per caller and a sliding window over
// everyone, and the clock moving between bursts. Every burst must admit
// exactly what the tighter rule leaves, and a request that one rule
// denies must cost the other rule nothing.
func TestRateLimitExactAcrossWorkers(t *testing.T) {
	perCaller := rateBucket("per-caller", 10, 1, "identity")
	everyone := map[string]any{"name": "everyone", "algorithm": "sliding_window", "limit": 30, "window": "10s", "key": []any{"global"}}
	h, clock := startRateHost(t, 4, rateConfig(t, map[string]any{"rules": []any{perCaller, everyone}}))

	// testNow starts a 10 s window. Each caller's bucket admits 10 of 40.
	require.Equal(t, 20, burstRated(t, h, 10, rateReaderKey, rateAdminKey), "t=0s")
	require.Zero(t, bucketTokens(t, h, "per-caller"))

	// Two tokens each.
	clock.Advance(2 * time.Second)
	require.Equal(t, 4, burstRated(t, h, 5, rateReaderKey, rateAdminKey), "t=2s")

	// Five tokens each, but the window has 6 requests left: it denies 4,
	// and those leave their tokens in the buckets.
	clock.Advance(5 * time.Second)
	require.Equal(t, 6, burstRated(t, h, 5, rateReaderKey, rateAdminKey), "t=7s")
	require.EqualValues(t, 4_000, bucketTokens(t, h, "per-caller"), "tokens left at t=7s")
	window := slotStates(h, "everyone")
	require.Len(t, window, 1)
	require.Equal(t, byte(2), window[0][0], "a sliding window state")
	require.EqualValues(t, 30, binary.BigEndian.Uint32(window[0][13:17]), "requests in the window")

	// At the boundary the previous window weighs fully: all denied, and
	// no bucket is written.
	clock.Advance(3 * time.Second)
	require.Zero(t, burstRated(t, h, 5, rateReaderKey, rateAdminKey), "t=10s")
	require.EqualValues(t, 4_000, bucketTokens(t, h, "per-caller"), "tokens stored at t=10s")

	// Halfway, the previous window weighs 15. The buckets hold at least 18
	// tokens, so the window admits 15.
	clock.Advance(5 * time.Second)
	require.Equal(t, 15, burstRated(t, h, 10, rateReaderKey, rateAdminKey), "t=15s")
}

// TestRateLimitLoggedBoundHolds sends 2,000 client addresses through four
// workers at once with two small rules, and checks shared data against
// the bound that the "rate limits loaded" line reports.
func TestRateLimitLoggedBoundHolds(t *testing.T) {
	perIP := map[string]any{"name": "per-ip", "algorithm": "sliding_window", "limit": 3, "window": "1m", "key": []any{"client_ip"}, "max_keys": 32}
	perRoute := rateBucket("per-route-ip", 5, 1, "route", "client_ip")
	perRoute["max_keys"] = 16
	h, _ := startRateHost(t, 4, rateConfig(t, map[string]any{"rules": []any{perIP, perRoute}}))

	loaded := rateLogs(h, "rate limits loaded: rules=2 max_shared_data_bytes=")
	require.Len(t, loaded, 4, "one line per worker")
	_, boundText, _ := strings.Cut(loaded[0], "max_shared_data_bytes=")
	bound, err := strconv.Atoi(boundText)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for w := range h.Workers() {
		wg.Go(func() {
			for i := range 500 {
				source := "10." + strconv.Itoa(w) + "." + strconv.Itoa(i>>8) + "." + strconv.Itoa(i&255) + ":4000"
				sendRated(t, h, w, source, rateReaderKey)
			}
		})
	}
	wg.Wait()

	require.Len(t, slotStates(h, "per-ip"), 32, "every slot used")
	require.Len(t, slotStates(h, "per-route-ip"), 16, "every slot used")
	require.Len(t, h.SharedDataKeys(), 32+16)
	require.LessOrEqual(t, h.SharedDataBytes(), bound)
}
