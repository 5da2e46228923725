package filter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// withoutPreparedLists returns an engine of doc that builds every header
// list on each request, as it did before the lists made once in New.
func withoutPreparedLists(t *testing.T, doc string) *Engine {
	engine := newTestEngine(t, doc)
	engine.removeIdentityClaims, engine.removeIdentityClaimsToken = nil, nil
	engine.tokens.SetIdentityHeader("")
	return engine
}

// TestPreparedListsKeepDecisions checks that the header lists made once in
// New give the same decisions as building them on each request, for the
// first request of a token (verified) and the second (a cache hit).
func TestPreparedListsKeepDecisions(t *testing.T) {
	prepared := newTestEngine(t, jwtTestConfig(""))
	built := withoutPreparedLists(t, jwtTestConfig(""))
	token := mintHS256(t, corpSecret, corpClaims("read"))
	partner := mintHS256(t, partnerSecret, map[string]any{
		"iss": "https://partner.test", "aud": "api", "client_id": "p-1", "permissions": "read",
		"org": "acme", "exp": testNow.Unix() + 600,
	})

	requests := map[string]*Request{
		"bearer":                   get("/jwt/a?page=2", header("authorization", "Bearer "+token)),
		"bearer, partner":          get("/jwt/a", header("authorization", "Bearer "+partner)),
		"bearer and client copies": get("/jwt/a", header("authorization", "Bearer "+token), header("x-user-email", "spoofed"), header("x_client_id", "spoofed")),
		"bearer and basic":         get("/jwt/a", header("authorization", "Bearer "+token), header("authorization", "Basic dTpw")),
		"bearer and api key":       get("/jwt/a", header("x-api-key", demoKey), header("authorization", "Bearer "+token)),
		"query token":              get("/jwt/a?x=1&access_token=" + token),
		"cookie token":             get("/jwt/a", header("cookie", "a=1; token="+token)),
		"either with token":        get("/either/a", header("authorization", "Bearer "+token)),
		"either with key":          get("/either/a", header("x-api-key", demoKey)),
		"both in authorization":    get("/both/a", header("authorization", "ApiKey "+demoKey), header("authorization", "Bearer "+token)),
		"both, key header":         get("/both/a", header("x-api-key", demoKey), header("authorization", "Bearer "+token)),
		"api key route":            get("/v1/items", header("x-api-key", demoKey)),
		"no token":                 get("/jwt/a"),
	}
	for name, req := range requests {
		t.Run(name, func(t *testing.T) {
			for range 2 {
				want := built.Check(req)
				require.Equal(t, name != "no token", want.Allow, "%s %s", want.Code, want.Reason)
				require.Equal(t, want, prepared.Check(req))
			}
		})
	}
}

// TestCheckJWTCacheHitDoesNotAllocate pins the cache-hit decision of a
// bearer token to no allocation, as the API-key path.
func TestCheckJWTCacheHitDoesNotAllocate(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	token := mintHS256(t, corpSecret, corpClaims("read"))
	req := &Request{Method: "GET", Path: "/jwt/items?page=2", Headers: typicalHeaders(header("authorization", "Bearer "+token))}
	require.True(t, engine.Check(req).Allow)

	allocs := testing.AllocsPerRun(100, func() {
		engine.Check(req)
	})
	require.Zero(t, allocs)
}
