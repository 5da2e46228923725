package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRateLimitJWTTier checks that a JWT provider's tier_claim gives the
// token's caller the limits of that tier, and that a token without the
// claim gets the rule's own limit.
func TestRateLimitJWTTier(t *testing.T) {
	keys := newJWTKeys(t)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(keys.config(t)), &doc))
	for _, provider := range doc["jwt"].(map[string]any)["providers"].([]any) {
		provider.(map[string]any)["tier_claim"] = "plan"
	}
	rule := rateBucket("per-caller", 1, 0.001, "identity")
	rule["tiers"] = map[string]any{"partner": map[string]any{"capacity": 3, "refill_per_second": 0.001}}
	doc["rate_limits"] = map[string]any{"rules": []any{rule}}
	h, _ := startRateHost(t, 2, mustJSON(doc))

	token := func(subject, plan string) [2]string {
		claims := map[string]any{
			"iss": "https://rs.test", "aud": "api", "sub": subject, "scope": "orders:read",
			"exp": testNow.Add(time.Hour).Unix(),
		}
		if plan != "" {
			claims["plan"] = plan
		}
		return [2]string{"authorization", "Bearer " + keys.mint(t, "RS256", claims)}
	}
	admitted := func(credential [2]string) int {
		n := 0
		for i := range 6 {
			if sendRated(t, h, i%2, "192.0.2.10:4000", credential).Status == 200 {
				n++
			}
		}
		return n
	}

	require.Equal(t, 3, admitted(token("partner-1", "partner")), "the partner tier's capacity")
	require.Equal(t, 1, admitted(token("plain-1", "")), "no tier claim: the rule's own capacity")
	require.Equal(t, 1, admitted(token("other-1", "unknown")), "a tier without limits of its own: the rule's capacity")
}
