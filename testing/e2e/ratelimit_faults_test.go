package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// faultSource is the client address of the fault tests. It is also the
// key value of their per-client rules, which no log line may contain.
const faultSource = "198.51.100.77:4000"

// startFaultHost starts four workers with one rule per caller (capacity 3,
// no refill within a test) and the given failure_mode.
func startFaultHost(t *testing.T, failureMode string) *host.Host {
	t.Helper()
	rule := rateBucket("per-caller", 3, 0.001, "caller")
	rule["failure_mode"] = failureMode
	h, _ := startRateHost(t, 4, rateConfig(t, map[string]any{
		"headers": map[string]any{"x_ratelimit": true},
		"rules":   []any{rule},
	}))
	return h
}

// requireFailureOutcome checks one request sent while a fault is armed:
// failure_mode deny replies 429 without quota headers, and allow lets it
// through. Either way the warning names the rule and no key value.
func requireFailureOutcome(t *testing.T, h *host.Host, failureMode string, resp *host.Response) {
	t.Helper()
	if failureMode == "allow" {
		require.Equal(t, http.StatusOK, resp.Status, "failure_mode allow")
	} else {
		require.Equal(t, http.StatusTooManyRequests, resp.Status, "failure_mode deny")
		var body map[string]any
		require.NoError(t, json.Unmarshal(resp.Body, &body))
		require.Equal(t, "rate_limited", body["code"])
		require.Equal(t, "per-caller", body["rule"])
		require.Equal(t, "1", resp.Header("retry-after"))
		require.Empty(t, resp.Header("x-ratelimit-remaining"), "the count is unknown")
		require.Empty(t, resp.Header("ratelimit"), "the count is unknown")
	}

	// Workers send their metrics on a tick. A second refills 0.001 token.
	require.NoError(t, h.Advance(time.Second))
	hits, _ := h.Metric("bulwark_rate_limit_hits.rule.per-caller")
	denials := 0
	for _, e := range eventsLogged(t, h) {
		if e.Event["type"] == "rate_limit_exceeded" && e.Event["rule"] == "per-caller" {
			denials++
		}
	}
	if failureMode == "allow" {
		require.Zero(t, hits, "rule hits")
		require.Zero(t, denials, "rate_limit_exceeded events")
	} else {
		require.EqualValues(t, 1, hits, "rule hits")
		require.Equal(t, 1, denials, "rate_limit_exceeded events")
	}

	warnings := rateLogs(h, `rate limit rule "per-caller": shared data failed, its failure_mode applies`)
	require.Len(t, warnings, 1)
	for _, line := range warnings {
		require.NotContains(t, line, "198.51.100.77", "a key value in the log")
		require.NotContains(t, line, "bulwark/rl/", "a slot key in the log")
	}
}

// TestRateLimitSharedDataFaults spends two of three tokens, sends one
// request while the host fails shared data, and then checks that exactly
// the one token left is admitted: a fault never resets or double-charges
// the counter.
func TestRateLimitSharedDataFaults(t *testing.T) {
	faults := []struct {
		name   string
		faults []host.Fault
	}{
		{"get fails", []host.Fault{{Call: "proxy_get_shared_data", Kind: host.FaultStatus, Status: host.StatusInternalFailure, Count: 1}}},
		{"set fails", []host.Fault{{Call: "proxy_set_shared_data", Kind: host.FaultStatus, Status: host.StatusInternalFailure, Count: 1}}},
		{"cas conflicts on every attempt", []host.Fault{{Kind: host.FaultCasMismatch, Count: 8}}},
		{"get truncated", []host.Fault{{Call: "proxy_get_shared_data", Kind: host.FaultMalformedResult, Count: 1}}},
		{"get truncated after a cas conflict", []host.Fault{
			{Kind: host.FaultCasMismatch, Count: 1},
			{Call: "proxy_get_shared_data", Kind: host.FaultMalformedResult, After: 1, Count: 1},
		}},
	}
	for _, mode := range []string{"allow", "deny"} {
		for _, tc := range faults {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				h := startFaultHost(t, mode)
				require.Equal(t, 2, countRateAllowed(t, h, 2, faultSource, rateReaderKey))

				for _, f := range tc.faults {
					require.NoError(t, h.InjectFault(f))
				}
				resp := sendRated(t, h, host.AnyWorker, faultSource, rateReaderKey)
				require.Zero(t, h.PendingFaults(), "every fault applied")
				requireFailureOutcome(t, h, mode, resp)

				require.Equal(t, 1, countRateAllowed(t, h, 4, faultSource, rateReaderKey),
					"the token left before the fault, and no more")
			})
		}
	}
}

// TestRateLimitRefundAfterContention checks that a rule charged for a
// request that a later rule then denied gets that request back. The later
// rule denies because its writes conflict past MaxAttempts.
func TestRateLimitRefundAfterContention(t *testing.T) {
	rules := map[string]map[string]any{
		"token_bucket":   rateBucket("per-caller", 3, 0.001, "caller"),
		"sliding_window": {"name": "per-caller", "algorithm": "sliding_window", "limit": 3, "window": "1m", "key": []any{"caller"}},
	}
	for name, perCaller := range rules {
		t.Run(name, func(t *testing.T) {
			everyone := rateBucket("everyone", 100, 0.001, "global")
			everyone["failure_mode"] = "deny"
			h, _ := startRateHost(t, 4, rateConfig(t, map[string]any{"rules": []any{perCaller, everyone}}))
			require.Equal(t, 2, countRateAllowed(t, h, 2, faultSource, rateReaderKey))

			// per-caller's write passes, and all eight of everyone's conflict.
			require.NoError(t, h.InjectFault(host.Fault{Kind: host.FaultCasMismatch, After: 1, Count: 8}))
			resp := sendRated(t, h, host.AnyWorker, faultSource, rateReaderKey)
			require.Zero(t, h.PendingFaults(), "every fault applied")
			require.Equal(t, http.StatusTooManyRequests, resp.Status)
			require.Contains(t, string(resp.Body), `"rule":"everyone"`)

			require.Equal(t, 1, countRateAllowed(t, h, 3, faultSource, rateReaderKey), "per-caller's last request came back")
		})
	}
}

// TestRateLimitRefundSkipsMalformedRead checks the refund of a rule that
// was charged for a request that a later rule then denied. When the
// refund's read returns a truncated value, the refund is dropped: the rule
// must not write a fresh counter over its real count.
func TestRateLimitRefundSkipsMalformedRead(t *testing.T) {
	perCaller := rateBucket("per-caller", 3, 0.001, "caller")
	everyone := rateBucket("everyone", 100, 0.001, "global")
	everyone["failure_mode"] = "deny"
	h, _ := startRateHost(t, 4, rateConfig(t, map[string]any{"rules": []any{perCaller, everyone}}))
	require.Equal(t, 2, countRateAllowed(t, h, 2, faultSource, rateReaderKey))

	// per-caller is charged; every write of everyone conflicts, so it
	// denies. Reads before the refund: the two rules, then everyone's seven
	// reads between its eight writes. The refund's read is truncated.
	require.NoError(t, h.InjectFault(host.Fault{Kind: host.FaultCasMismatch, After: 1, Count: 8}))
	require.NoError(t, h.InjectFault(host.Fault{Call: "proxy_get_shared_data", Kind: host.FaultMalformedResult, After: 2 + 7, Count: 1}))
	resp := sendRated(t, h, host.AnyWorker, faultSource, rateReaderKey)
	require.Zero(t, h.PendingFaults(), "every fault applied")
	require.Equal(t, http.StatusTooManyRequests, resp.Status)
	require.Contains(t, string(resp.Body), `"rule":"everyone"`)

	// The refund was dropped, which errs towards limiting: the last token
	// went to the denied request.
	require.Equal(t, 0, countRateAllowed(t, h, 3, faultSource, rateReaderKey))
}
