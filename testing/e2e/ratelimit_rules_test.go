package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

var rateAdminKey = [2]string{"x-api-key", keyAdmin.Key}

func TestRateLimitTiers(t *testing.T) {
	rule := rateBucket("per-caller", 1, 0.001, "identity")
	rule["tiers"] = map[string]any{"internal": map[string]any{"capacity": 3, "refill_per_second": 0.001}}
	h, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{rule}}))

	require.Equal(t, 1, countRateAllowed(t, h, 5, "192.0.2.1:4000", rateReaderKey), "tier free gets the default")
	require.Equal(t, 3, countRateAllowed(t, h, 5, "192.0.2.1:4000", rateAdminKey), "tier internal")
}

func TestRateLimitMultiRuleAndShadow(t *testing.T) {
	perCaller := rateBucket("per-caller", 2, 0.001, "identity")
	everyone := rateBucket("everyone", 3, 0.001, "global")
	trial := rateBucket("trial", 1, 0.001, "global")
	trial["mode"] = "shadow"
	h, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{perCaller, everyone, trial}}))

	require.Equal(t, 2, countRateAllowed(t, h, 4, "192.0.2.1:4000", rateReaderKey))
	resp := sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateReaderKey, [2]string{"x-request-id", "req-429"})
	require.Equal(t, http.StatusTooManyRequests, resp.Status)
	require.JSONEq(t, `{"code":"rate_limited","message":"Too many requests. Retry after the number of seconds in the Retry-After header.","rule":"per-caller","request_id":"req-429"}`,
		string(resp.Body))

	// reader's denials took nothing from "everyone", so its last token
	// goes to admin; "trial" was exceeded but only logged.
	require.Equal(t, 1, countRateAllowed(t, h, 1, "192.0.2.1:4000", rateAdminKey))
	resp = sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateAdminKey)
	require.Equal(t, http.StatusTooManyRequests, resp.Status)
	require.Contains(t, string(resp.Body), `"rule":"everyone"`)
	require.NotEmpty(t, rateLogs(h, `rate limit rule "trial" in shadow mode exceeded`))
	requireNoSecretLogged(t, h)
}

func TestRateLimitHeaders(t *testing.T) {
	rule := rateBucket("per-caller", 2, 0.5, "identity")
	h, _ := startRateHost(t, 2, rateConfig(t, map[string]any{
		"headers": map[string]any{"x_ratelimit": true, "on_allowed": true},
		"rules":   []any{rule},
	}))

	resp := sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateReaderKey)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Equal(t, `"per-caller";q=2;w=4`, resp.Header("ratelimit-policy"))
	require.Equal(t, `"per-caller";r=1;t=2`, resp.Header("ratelimit"))
	require.Equal(t, "1", resp.Header("x-ratelimit-remaining"))

	sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateReaderKey)
	resp = sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateReaderKey)
	require.Equal(t, http.StatusTooManyRequests, resp.Status)
	require.Equal(t, "2", resp.Header("retry-after"))
	require.Equal(t, `"per-caller";r=0;t=4`, resp.Header("ratelimit"))
	require.Equal(t, "2", resp.Header("x-ratelimit-limit"))
	require.Equal(t, "application/json", resp.Header("content-type"))
	require.Len(t, headerValues(resp.Headers, "ratelimit"), 1, "a 429 carries its headers once")
}

func rateLogs(h *host.Host, text string) []string {
	var lines []string
	for _, entry := range h.Logs() {
		if containsAny(entry.Message, text) {
			lines = append(lines, entry.Message)
		}
	}
	return lines
}

// TestRateLimitHeaderKeyReadsUpstreamValue checks that a header key part
// reads the header as it goes upstream, as cluster_rate_limits does. The
// filter sets the identity header and JWT claim headers itself and drops
// the client's copies, so a client that sends its own value, or none,
// must still be counted under the value that the filter sets.
func TestRateLimitHeaderKeyReadsUpstreamValue(t *testing.T) {
	t.Run("identity header", func(t *testing.T) {
		rule := rateBucket("per-client-id", 2, 0.001, map[string]any{"header": "x-bulwark-client-id"})
		h, _ := startRateHost(t, 2, rateConfig(t, map[string]any{"rules": []any{rule}}))

		require.Equal(t, http.StatusOK, sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateReaderKey).Status)
		spoofed := [2]string{"x-bulwark-client-id", "someone-else"}
		require.Equal(t, http.StatusOK, sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateReaderKey, spoofed).Status)
		resp := sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateReaderKey, [2]string{"x-bulwark-client-id", "a-third-one"})
		require.Equal(t, http.StatusTooManyRequests, resp.Status, "the client's copy must not choose the key")
		require.Equal(t, http.StatusOK, sendRated(t, h, host.AnyWorker, "192.0.2.1:4000", rateAdminKey, spoofed).Status,
			"another caller has a bucket of its own")
	})

	t.Run("jwt claim header", func(t *testing.T) {
		keys := newJWTKeys(t)
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(keys.config(t)), &doc))
		doc["rate_limits"] = map[string]any{"rules": []any{rateBucket("per-email", 1, 0.001, map[string]any{"header": "x-user-email"})}}
		h := startJWTHost(t, mustJSON(doc), nil)
		claims := map[string]any{
			"iss": "https://hs.test", "aud": "api", "sub": "u",
			"exp": testNow.Add(time.Hour).Unix(), "scope": "orders:read", "email": "a@example.test",
		}
		token := [2]string{"authorization", "Bearer " + keys.mint(t, "HS256", claims)}

		require.NotNil(t, get(t, h, "/orders", token).Upstream)
		res := get(t, h, "/orders", token, [2]string{"x-user-email", "spoofed@example.test"})
		require.NotNil(t, res.LocalReply, "the client's copy of a claim header must not choose the key")
		require.Equal(t, http.StatusTooManyRequests, res.LocalReply.Status)
	})
}
