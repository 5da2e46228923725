package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
	"github.com/bulwark-dev/bulwark/testing/rlservice"
)

// tierClaimDoc returns a plugin configuration with the API keys of
// authConfig, where reader has tier "free" and admin has tier "internal".
// It has the JWT providers of keys.config with tier_claim "plan". Route
// /orders takes a token with the orders:read scope, /either an API key or
// a token, and /both an API key and a token.
func tierClaimDoc(t *testing.T, keys jwtKeys) map[string]any {
	t.Helper()
	var doc, jwtDoc map[string]any
	require.NoError(t, json.Unmarshal([]byte(authConfig()), &doc))
	require.NoError(t, json.Unmarshal([]byte(keys.config(t)), &jwtDoc))

	jwtSection := jwtDoc["jwt"].(map[string]any)
	for _, provider := range jwtSection["providers"].([]any) {
		provider.(map[string]any)["tier_claim"] = "plan"
	}
	doc["jwt"] = jwtSection
	doc["routes"] = []any{
		map[string]any{"name": "orders", "match": map[string]any{"prefix": "/orders"}, "auth": "jwt", "scopes": []string{"orders:read"}},
		map[string]any{"name": "either", "match": map[string]any{"prefix": "/either"}, "auth": "either"},
		map[string]any{"name": "both", "match": map[string]any{"prefix": "/both"}, "auth": "both"},
	}
	return doc
}

// tierToken mints a token of the "rs" provider for subject. The plan claim
// is left out when plan is nil.
func tierToken(t *testing.T, keys jwtKeys, subject string, plan any) [2]string {
	t.Helper()
	claims := map[string]any{
		"iss": "https://rs.test", "aud": "api", "sub": subject, "scope": "orders:read",
		"exp": testNow.Add(time.Hour).Unix(),
	}
	if plan != nil {
		claims["plan"] = plan
	}
	return [2]string{"authorization", "Bearer " + keys.mint(t, "RS256", claims)}
}

// sendPath sends one GET of path on worker 0 from 192.0.2.10.
func sendPath(t *testing.T, h *host.Host, path string, headers ...[2]string) *host.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result, err := h.Do(ctx, &host.Request{
		Worker: 0, Method: "GET", Path: path, Authority: "api.example.com",
		Headers: headers, SourceAddress: "192.0.2.10:4000",
	}, nil)
	require.NoError(t, err)
	return result
}

// TestRateLimitTierClaimRoutes checks, for a token bucket and a sliding
// window, which tier limits a caller on each kind of route. One worker
// sends every request, so that each token after its first request comes
// from the verified-token cache: a cache hit that lost the tier would get
// the rule's own limit of 1 from the second request on. The first allowed
// response must carry the tier's limit in X-RateLimit-Limit.
func TestRateLimitTierClaimRoutes(t *testing.T) {
	keys := newJWTKeys(t)
	reader := [2]string{"x-api-key", keyReader.Key}
	admin := [2]string{"x-api-key", keyAdmin.Key}

	rules := map[string]map[string]any{
		"token_bucket": {
			"name": "per-caller", "algorithm": "token_bucket", "capacity": 1, "refill_per_second": 0.001,
			"key": []any{"identity"},
			"tiers": map[string]any{
				"partner":  map[string]any{"capacity": 3, "refill_per_second": 0.001},
				"free":     map[string]any{"capacity": 2, "refill_per_second": 0.001},
				"internal": map[string]any{"capacity": 4, "refill_per_second": 0.001},
			},
		},
		"sliding_window": {
			"name": "per-caller", "algorithm": "sliding_window", "limit": 1, "window": "1h",
			"key": []any{"identity"},
			"tiers": map[string]any{
				"partner":  map[string]any{"limit": 3, "window": "1h"},
				"free":     map[string]any{"limit": 2, "window": "1h"},
				"internal": map[string]any{"limit": 4, "window": "1h"},
			},
		},
	}
	for algorithm, rule := range rules {
		t.Run(algorithm, func(t *testing.T) {
			doc := tierClaimDoc(t, keys)
			doc["rate_limits"] = map[string]any{
				"headers": map[string]any{"x_ratelimit": true, "on_allowed": true},
				"rules":   []any{rule},
			}
			h, _ := startRateHost(t, 1, mustJSON(doc))

			tests := []struct {
				name    string
				path    string
				headers [][2]string
				caller  string
				allowed int
			}{
				{"jwt route, partner token", "/orders", [][2]string{tierToken(t, keys, "jwt-user", "partner")}, "jwt-user", 3},
				{"jwt route, no claim", "/orders", [][2]string{tierToken(t, keys, "plain-user", nil)}, "plain-user", 1},
				{"jwt route, tier no rule names", "/orders", [][2]string{tierToken(t, keys, "gold-user", "gold")}, "gold-user", 1},
				{"either route, partner token", "/either", [][2]string{tierToken(t, keys, "either-user", "partner")}, "either-user", 3},
				{"either route, free key", "/either", [][2]string{reader}, "reader", 2},
				{"both route, internal key and partner token", "/both", [][2]string{admin, tierToken(t, keys, "both-user", "partner")}, "admin", 4},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					allowed := 0
					for i := range 6 {
						result := sendPath(t, h, tc.path, tc.headers...)
						if result.Response.Status != http.StatusOK {
							require.Equal(t, http.StatusTooManyRequests, result.Response.Status)
							continue
						}
						allowed++
						caller, _ := header(result.Upstream.Headers, "x-bulwark-client-id")
						require.Equal(t, tc.caller, caller)
						if i == 0 {
							require.Equal(t, strconv.Itoa(tc.allowed), result.Response.Header("x-ratelimit-limit"), "the limit of the caller's tier")
						}
					}
					require.Equal(t, tc.allowed, allowed)
				})
			}
		})
	}
}

// TestRateLimitTierClaimValues sends a tier claim of every JSON type. Only
// a tier name passes, and every other value gets 401 malformed with reason
// jwt_invalid_tier_claim in the event. No rejected value may reach the log:
// closeAtEnd checks the values that contain secretMarker, and this test
// checks the others.
func TestRateLimitTierClaimValues(t *testing.T) {
	keys := newJWTKeys(t)
	doc := tierClaimDoc(t, keys)
	doc["rate_limits"] = map[string]any{"rules": []any{rateBucket("per-caller", 100, 1, "identity")}}
	h, _ := startRateHost(t, 1, mustJSON(doc))

	tests := []struct {
		name   string
		plan   any
		status int
	}{
		{"tier name", "tier_2-B", http.StatusOK},
		{"longest tier name", strings.Repeat("t", 64), http.StatusOK},
		{"empty string", "", http.StatusUnauthorized},
		{"too long", strings.Repeat("u", 65), http.StatusUnauthorized},
		{"space", secretMarker + " plan", http.StatusUnauthorized},
		{"dot", "gold.plan", http.StatusUnauthorized},
		{"not ASCII", "gőld", http.StatusUnauthorized},
		{"control character", "gold\nplan", http.StatusUnauthorized},
		{"integer", 3, http.StatusUnauthorized},
		{"fraction", 2.5, http.StatusUnauthorized},
		{"true", true, http.StatusUnauthorized},
		{"false", false, http.StatusUnauthorized},
		{"null", json.RawMessage("null"), http.StatusUnauthorized},
		{"array", []string{"gold"}, http.StatusUnauthorized},
		{"object", map[string]any{"name": secretMarker}, http.StatusUnauthorized},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requestID := "tier-claim-" + strconv.Itoa(i)
			result := sendPath(t, h, "/orders", tierToken(t, keys, "user-"+strconv.Itoa(i), tc.plan), [2]string{"x-request-id", requestID})
			require.Equal(t, tc.status, result.Response.Status)
			if tc.status == http.StatusOK {
				return
			}
			require.Equal(t, "malformed", decodeError(t, result).Code)

			var event map[string]any
			for _, logged := range eventsLogged(t, h) {
				if logged.Event["request_id"] == requestID {
					event = logged.Event
				}
			}
			require.NotNil(t, event, "no event for the request")
			require.Equal(t, "jwt_invalid_tier_claim", event["reason"])
		})
	}

	for _, entry := range h.Logs() {
		for _, value := range []string{"u" + strings.Repeat("u", 64), "gold.plan", "gőld", "gold\nplan"} {
			require.NotContains(t, entry.Message, value, "a rejected tier claim in the log")
		}
	}
}

// TestRateLimitTierClaimRemoteJWKS checks the tier of a token that a
// provider with remote_jwks verified, with the key set from a loopback
// JWKS server.
func TestRateLimitTierClaimRemoteJWKS(t *testing.T) {
	key := rotationKeys()[0]
	server := newJWKSServer(t, key)
	config := map[string]any{
		"routes": []any{map[string]any{"name": "orders", "match": map[string]any{"prefix": "/orders"}, "auth": "jwt"}},
		"jwt": map[string]any{"providers": []any{map[string]any{
			"name": "idp", "issuer": "https://idp.test", "audiences": []string{"api"}, "algorithms": []string{"RS256"},
			"tier_claim": "plan",
			"remote_jwks": map[string]any{
				"cluster": "idp", "path": "/jwks", "refresh_interval": "10m", "fetch_timeout": "5s", "wait_for_first_fetch": "5s",
			},
		}}},
		"rate_limits": map[string]any{"rules": []any{map[string]any{
			"name": "per-caller", "algorithm": "token_bucket", "capacity": 1, "refill_per_second": 0.001, "key": []any{"identity"},
			"tiers": map[string]any{"partner": map[string]any{"capacity": 3, "refill_per_second": 0.001}},
		}}},
	}
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          1,
		PluginConfig:     []byte(mustJSON(config)),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		Clusters:         map[string]string{"idp": server.srv.URL},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)

	mint := func(subject string, plan any) string {
		opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kidOf(key))
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
		require.NoError(t, err)
		claims := map[string]any{"iss": "https://idp.test", "aud": "api", "sub": subject, "exp": testNow.Add(time.Hour).Unix()}
		if plan != nil {
			claims["plan"] = plan
		}
		return signClaims(t, signer, claims)
	}
	admitted := func(token string) int {
		n := 0
		for range 5 {
			if status, _ := getOn(t, h, 0, token); status == http.StatusOK {
				n++
			}
		}
		return n
	}

	require.Equal(t, 3, admitted(mint("partner-1", "partner")), "the partner tier's capacity")
	require.Equal(t, 1, admitted(mint("plain-1", nil)), "no tier claim: the rule's own capacity")
	status, code := getOn(t, h, 0, mint("bad-1", 7))
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "malformed", code)
}

// tierLimitsYAML is the service's limits file of
// TestClusterTierFromTierClaim: per caller, 3 requests an hour in tier
// partner and 1 in tier free. Other tiers have no limit.
const tierLimitsYAML = `
domain: bulwark-tier
descriptors:
  - key: tier
    value: partner
    descriptors:
      - key: caller
        rate_limit:
          unit: hour
          requests_per_unit: 3
  - key: tier
    value: free
    descriptors:
      - key: caller
        rate_limit:
          unit: hour
          requests_per_unit: 1
`

// TestClusterTierFromTierClaim checks a cluster_rate_limits descriptor
// "from": "tier" whose tier comes from a JWT's tier_claim, against a real
// envoyproxy/ratelimit service: the tier picks the service's limit, and a
// token without the claim skips the rule.
func TestClusterTierFromTierClaim(t *testing.T) {
	redis := rlservice.StartRedis(t)
	svc := rlservice.StartService(t, redis, tierLimitsYAML)
	keys := newJWTKeys(t)

	doc := tierClaimDoc(t, keys)
	doc["cluster_rate_limits"] = map[string]any{
		"service": map[string]any{"cluster": "ratelimit", "timeout": "2s"},
		"domain":  "bulwark-tier",
		"rules": []any{map[string]any{
			"name": "per-tier", "mode": "sync", "failure_mode": "deny",
			"descriptor": []any{map[string]any{"key": "tier", "from": "tier"}, map[string]any{"key": "caller", "from": "caller"}},
		}},
	}
	h, _ := startProxy(t, mustJSON(doc), svc.URL())

	sameHour(t, func(t *testing.T) bool {
		suffix := randomClient()
		admitted := func(path string, headers ...[2]string) int {
			n := 0
			for range 5 {
				if sendPath(t, h, path, headers...).Response.Status == http.StatusOK {
					n++
				}
			}
			return n
		}

		before := callouts(h)
		require.Equal(t, 5, admitted("/orders", tierToken(t, keys, "plain-"+suffix, nil)), "no tier: the rule is skipped")
		require.Equal(t, before, callouts(h), "a caller without a tier made a callout")

		require.Equal(t, 3, admitted("/orders", tierToken(t, keys, "partner-"+suffix, "partner")), "the partner limit")
		require.Equal(t, 1, admitted("/orders", tierToken(t, keys, "free-"+suffix, "free")), "the free limit")
		require.Equal(t, 5, admitted("/orders", tierToken(t, keys, "gold-"+suffix, "gold")), "a tier without a limit in the service")
		// On a both route the key's tier (admin: internal, no limit) counts,
		// not the token's.
		admin := [2]string{"x-api-key", keyAdmin.Key}
		require.Equal(t, 5, admitted("/both", admin, tierToken(t, keys, "both-"+suffix, "free")), "the API key's tier")
		return true
	})
}
