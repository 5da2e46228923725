package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestRateLimitClockSteps steps the wall clock back and far forward under
// a token bucket and a sliding window on four workers. Going back must
// refill nothing and count nothing twice, and a jump of years must refill
// to exactly the capacity.
func TestRateLimitClockSteps(t *testing.T) {
	perCaller := rateBucket("per-caller", 5, 1, "identity")
	window := map[string]any{"name": "window", "algorithm": "sliding_window", "limit": 8, "window": "10s", "key": []any{"global"}}
	h, clock := startRateHost(t, 4, rateConfig(t, map[string]any{"rules": []any{perCaller, window}}))

	require.Equal(t, 5, burstRated(t, h, 3, rateReaderKey), "reader's bucket")
	clock.Set(testNow.Add(-time.Hour))
	require.Zero(t, burstRated(t, h, 3, rateReaderKey), "an hour back: no refill")
	clock.Set(testNow.Add(time.Second))
	require.Equal(t, 1, burstRated(t, h, 3, rateReaderKey), "one second after the last refill")

	// The window counted 6. Back in an earlier window, the stored one
	// still counts: 2 of admin's requests pass, not 8.
	clock.Set(testNow.Add(-25 * time.Second))
	require.Equal(t, 2, burstRated(t, h, 3, rateAdminKey), "window after the clock went back")

	// Years later both rules start over, capped at their quotas.
	clock.Set(testNow.AddDate(30, 0, 0))
	require.Equal(t, 8, burstRated(t, h, 5, rateReaderKey, rateAdminKey), "30 years on")
}

// reloadRated emulates a plugin configuration update that keeps the
// vm_id, because the test host cannot load a second plugin configuration
// into its VMs. It starts a host with the new configuration and copies
// every shared-data key of the old host over the slots that its start
// created, as Envoy's shared data outlives the old plugin.
func reloadRated(t *testing.T, old *host.Host, workers int, pluginConfig string) (*host.Host, *host.ManualClock) {
	t.Helper()
	h, clock := startRateHost(t, workers, pluginConfig)
	for _, key := range old.SharedDataKeys() {
		value, _, _ := old.SharedData(key)
		h.SetSharedData(key, value)
	}
	return h, clock
}

// TestRateLimitConfigurationUpdate checks the state that a rule keeps
// across a configuration update, as docs/deploy.md describes it.
func TestRateLimitConfigurationUpdate(t *testing.T) {
	t.Run("capacity lowered", func(t *testing.T) {
		old, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{rateBucket("per-caller", 10, 0.001, "identity")}}))
		require.Equal(t, 3, countRateAllowed(t, old, 3, faultSource, rateReaderKey))

		// 7 tokens stored, capped at 5 at once.
		h, _ := reloadRated(t, old, 4, rateConfig(t, map[string]any{"rules": []any{rateBucket("per-caller", 5, 0.001, "identity")}}))
		require.Equal(t, 5, burstRated(t, h, 3, rateReaderKey))
	})

	t.Run("algorithm switched", func(t *testing.T) {
		old, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{rateBucket("per-caller", 3, 0.001, "identity")}}))
		require.Equal(t, 3, countRateAllowed(t, old, 4, faultSource, rateReaderKey))

		// The window counts in slots of its own, from zero, beside the
		// bucket's.
		window := map[string]any{"name": "per-caller", "algorithm": "sliding_window", "limit": 4, "window": "1m", "key": []any{"identity"}}
		h, _ := reloadRated(t, old, 4, rateConfig(t, map[string]any{"rules": []any{window}}))
		require.Equal(t, 4, burstRated(t, h, 3, rateReaderKey))
		require.Empty(t, h.LogsAt(host.LogWarn), "no shared-data failure")
		buckets, windows := 0, 0
		for _, key := range h.SharedDataKeys() {
			switch {
			case strings.HasPrefix(key, "bulwark/rl/per-caller/tb/"):
				buckets++
			case strings.HasPrefix(key, "bulwark/rl/per-caller/sw/"):
				windows++
			}
		}
		require.Equal(t, 10_000, buckets, "the bucket's slots stay")
		require.Equal(t, 10_000, windows)
	})

	t.Run("renamed and max_keys lowered", func(t *testing.T) {
		oldRule := rateBucket("per-ip", 2, 0.001, "client_ip")
		oldRule["max_keys"] = 64
		old, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{oldRule}}))
		require.Equal(t, 2, countRateAllowed(t, old, 3, faultSource, rateReaderKey))

		newRule := rateBucket("per-client", 2, 0.001, "client_ip")
		newRule["max_keys"] = 16
		newConfig := rateConfig(t, map[string]any{"rules": []any{newRule}})
		h, _ := reloadRated(t, old, 4, newConfig)
		require.Equal(t, 2, burstRated(t, h, 2, rateReaderKey), "a renamed rule counts from zero")

		// The old rule's slots stay beside the new bound.
		cfg, err := config.Parse([]byte(newConfig))
		require.NoError(t, err)
		oldSlots, newSlots := 0, 0
		for _, key := range h.SharedDataKeys() {
			switch {
			case strings.HasPrefix(key, "bulwark/rl/per-ip/"):
				oldSlots++
			case strings.HasPrefix(key, "bulwark/rl/per-client/"):
				newSlots++
			}
		}
		require.Equal(t, 64, oldSlots)
		require.Equal(t, 16, newSlots)
		require.Greater(t, h.SharedDataBytes(), cfg.RateLimits.MaxBytes(), "the logged bound covers only the new rules")
		require.Equal(t, http.StatusTooManyRequests, sendRated(t, h, 0, "192.0.2.1:4000", rateReaderKey).Status)
	})
}
