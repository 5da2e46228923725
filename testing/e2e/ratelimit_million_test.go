package e2e

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
)

// TestRateLimitMillionClientIPs sends requests from 1,000,000 distinct
// client addresses through the compiled module, on two workers at once,
// and checks that the shared data holds only the rule's slots, within the
// bound that the plugin logs when it loads (Config.MaxBytes). About 244
// addresses share each slot and the clock does not advance, so each slot
// admits exactly its limit. It takes about a minute.
func TestRateLimitMillionClientIPs(t *testing.T) {
	const clients, workers, slots = 1_000_000, 2, 4096
	rule := map[string]any{"name": "per-ip", "algorithm": "sliding_window", "limit": 10, "window": "1m", "key": []any{"client_ip"}, "max_keys": slots}
	cfgText := rateConfig(t, map[string]any{"rules": []any{rule}})
	h, _ := startRateHost(t, workers, cfgText)
	cfg, err := config.Parse([]byte(cfgText))
	require.NoError(t, err)
	bound := cfg.RateLimits.MaxBytes()
	before := h.SharedDataBytes()

	var admitted atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			req := benchRequest("/healthz", benchHeaders())
			req.Worker = w
			for i := w; i < clients; i += workers {
				req.SourceAddress = "10." + strconv.Itoa(i>>16) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255) + ":4000"
				result, err := h.Do(context.Background(), req, nil)
				if err == nil && result.Response.Status == 200 {
					admitted.Add(1)
				}
				if err == nil && result.Response.Status != 200 && result.Response.Status != 429 {
					err = fmt.Errorf("status %d for a request from %s; want 200 or 429", result.Response.Status, req.SourceAddress)
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	require.EqualValues(t, slots*10, admitted.Load(), "each slot admits its limit of 10")
	require.Len(t, h.SharedDataKeys(), slots, "the rule's slots, no more")
	require.Greater(t, h.SharedDataBytes(), before, "the slots hold the counts")
	require.LessOrEqual(t, h.SharedDataBytes(), bound)
	t.Logf("shared data after %d client IPs: %d bytes (bound %d)", clients, h.SharedDataBytes(), bound)
}
