package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestRateLimitReadsLongValuesAndAddresses mixes reads that fit the
// buffers that the module offers to proxy_on_memory_allocate (17 bytes for
// a slot's state, 64 for the peer address) with reads that do not and are
// allocated. Every slot first holds a 40-byte value, which reads as an
// unused slot, and one peer address is longer than 64 bytes.
func TestRateLimitReadsLongValuesAndAddresses(t *testing.T) {
	const slots = 4096
	rule := rateBucket("per-ip", 2, 0.001, "client_ip")
	rule["max_keys"] = slots
	h, _ := startRateHost(t, 1, rateConfig(t, map[string]any{"rules": []any{rule}}))
	long := []byte(strings.Repeat("x", 40))
	for slot := range slots {
		h.SetSharedData("bulwark/rl/per-ip/tb/"+strconv.FormatUint(uint64(slot), 16), long)
	}

	longPeer := "[fe80::1%" + strings.Repeat("z", 66) + "]:4000"
	require.Greater(t, len(longPeer), 64)
	peers := []string{longPeer, "192.0.2.1:4000", "198.51.100.7:1"}
	for i, peer := range peers {
		// Each peer's first read gets the 40-byte value, the next ones
		// the 17-byte state that the first request wrote.
		statuses := make([]int, 0, 3)
		for range 3 {
			statuses = append(statuses, sendRated(t, h, 0, peer, rateReaderKey).Status)
		}
		require.Equal(t, []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests}, statuses, "peer %d", i)

		// The peers before keep their own counts.
		for _, earlier := range peers[:i] {
			require.Equal(t, http.StatusTooManyRequests, sendRated(t, h, 0, earlier, rateReaderKey).Status)
		}
	}

	changed := 0
	for slot := range slots {
		value, _, ok := h.SharedData("bulwark/rl/per-ip/tb/" + strconv.FormatUint(uint64(slot), 16))
		require.True(t, ok)
		if len(value) != len(long) {
			changed++
		}
	}
	require.Equal(t, len(peers), changed, "one slot per peer")
	require.Empty(t, h.LogsAt(host.LogWarn), "no shared-data failure")
}
