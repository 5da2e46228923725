package filter

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// HMAC secrets of the two test providers; each contains "SECRET".
var (
	corpSecret    = []byte("corp-SECRET-0123456789abcdef0123456789")
	partnerSecret = []byte("partner-SECRET-0123456789abcdef012345")
)

// Challenges of the JWT replies.
const (
	bearerChallenge  = `Bearer realm="bulwark"`
	apiKeyChallenge  = `ApiKey realm="bulwark"`
	expiredChallenge = `Bearer realm="bulwark", error="invalid_token", error_description="The bearer token has expired."`
)

// jwtTestConfig returns a configuration with one route per JWT auth mode,
// API keys in four sources and tokens in three, two of them sharing the
// authorization and cookie headers with the API keys. jwtExtra is inserted
// into the jwt section, such as `"strip_token": false,`.
func jwtTestConfig(jwtExtra string) string {
	provider := func(name string, secret []byte, extra string) string {
		return `{"name": "` + name + `", "issuer": "https://` + name + `.test", "audiences": ["api"], "algorithms": ["HS256"],
      "hmac_secrets": [{"secret": "` + base64.StdEncoding.EncodeToString(secret) + `"}]` + extra + `}`
	}
	return `{
  "identity_header": "x-client-id",
  "api_keys": {
    "sources": [
      {"header": "x-api-key"},
      {"header": "authorization", "prefix": "ApiKey "},
      {"query": "api_key"},
      {"cookie": "api_key"}
    ],
    "keys": [
      {"id": "demo", "digest": "` + sha(demoKey) + `", "tier": "free", "scopes": ["read"]},
      {"id": "admin", "digest": "` + sha(adminKey) + `", "scopes": ["admin"]}
    ]
  },
  "routes": [
    {"name": "jwt", "match": {"prefix": "/jwt/"}, "auth": "jwt", "scopes": ["read"]},
    {"name": "either", "match": {"prefix": "/either/"}, "auth": "either", "scopes": ["read"]},
    {"name": "both", "match": {"prefix": "/both/"}, "auth": "both", "scopes": ["read"]}
  ],
  "jwt": {` + jwtExtra + `
    "sources": [
      {"header": "authorization", "prefix": "Bearer "},
      {"query": "access_token"},
      {"cookie": "token"}
    ],
    "providers": [
      ` + provider("corp", corpSecret, `, "tier_claim": "plan", "claim_headers": [{"claim": "email", "header": "x-user-email"}], "revoked_jti": ["revoked-1"]`) + `,
      ` + provider("partner", partnerSecret, `, "identity_claim": "client_id", "scope_claim": "permissions", "claim_headers": [{"claim": "org", "header": "x-user-org"}]`) + `
    ]
  }
}`
}

// mintHS256 signs claims with secret, with go-jose.
func mintHS256(t testing.TB, secret []byte, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, (&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	obj, err := signer.Sign(payload)
	require.NoError(t, err)
	token, err := obj.CompactSerialize()
	require.NoError(t, err)
	return token
}

// corpClaims returns claims that the corp provider accepts at testNow.
func corpClaims(scope string) map[string]any {
	return map[string]any{
		"iss": "https://corp.test", "aud": "api", "sub": "user-1", "jti": "jti-1",
		"exp": testNow.Add(time.Hour).Unix(), "scope": scope, "email": "a@example.test",
	}
}

// upstreamHeaders applies an allowed decision to the request headers the
// way the plugin does: removals first, then additions.
func upstreamHeaders(req *Request, d Decision) [][2]string {
	var out [][2]string
	for _, h := range req.Headers {
		if !contains(d.RemoveHeaders, h[0]) {
			out = append(out, h)
		}
	}
	return append(out, d.SetHeaders...)
}

// headerValues returns every value of name in headers.
func headerValues(headers [][2]string, name string) []string {
	var values []string
	for _, h := range headers {
		if h[0] == name {
			values = append(values, h[1])
		}
	}
	return values
}

// replyChallenges returns the www-authenticate values of a reply.
func replyChallenges(d Decision) []string {
	return headerValues(d.ReplyHeaders, "www-authenticate")
}

func TestCheckJWTRouteModes(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	token := mintHS256(t, corpSecret, corpClaims("read"))
	other := mintHS256(t, corpSecret, map[string]any{"iss": "https://corp.test", "aud": "api", "sub": "user-2", "exp": testNow.Add(time.Hour).Unix(), "scope": "read"})
	expired := mintHS256(t, corpSecret, map[string]any{"iss": "https://corp.test", "aud": "api", "sub": "user-1", "exp": testNow.Add(-time.Hour).Unix()})
	bearer := header("authorization", "Bearer "+token)
	key := header("x-api-key", demoKey)

	tests := []struct {
		name       string
		req        *Request
		status     int // 0 when allowed
		code       string
		challenges []string
		keyID      string
	}{
		{"jwt no credential", get("/jwt/a"), 401, jwt.CodeMissingToken, []string{bearerChallenge}, ""},
		{"jwt only key", get("/jwt/a", key), 401, jwt.CodeMissingToken, []string{bearerChallenge}, ""},
		{"jwt only token", get("/jwt/a", bearer), 0, "", nil, "user-1"},
		{"jwt key and token", get("/jwt/a", key, bearer), 0, "", nil, "user-1"},
		{"jwt expired token", get("/jwt/a", header("authorization", "Bearer "+expired)), 401, jwt.CodeExpired, []string{expiredChallenge}, ""},
		{"jwt two tokens", get("/jwt/a?access_token="+other, bearer), 401, jwt.CodeMultipleTokens, nil, ""},
		{"jwt same token twice", get("/jwt/a?access_token="+token, bearer), 0, "", nil, "user-1"},

		{"either no credential", get("/either/a"), 401, CodeMissingCredential, []string{apiKeyChallenge, bearerChallenge}, ""},
		{"either only key", get("/either/a", key), 0, "", nil, "demo"},
		{"either only token", get("/either/a", bearer), 0, "", nil, "user-1"},
		{"either key and token", get("/either/a", key, bearer), 0, "", nil, "user-1"},
		{"either unknown key", get("/either/a", header("x-api-key", unusedKey)), 401, CodeInvalidCredential, []string{apiKeyChallenge}, ""},
		{"either key and expired token", get("/either/a", key, header("authorization", "Bearer "+expired)), 401, jwt.CodeExpired, []string{expiredChallenge}, ""},
		{"either two tokens", get("/either/a", bearer, header("cookie", "token="+other)), 401, jwt.CodeMultipleTokens, nil, ""},

		{"both no credential", get("/both/a"), 401, CodeMissingCredential, []string{apiKeyChallenge, bearerChallenge}, ""},
		{"both only key", get("/both/a", key), 401, jwt.CodeMissingToken, []string{bearerChallenge}, ""},
		{"both only token", get("/both/a", bearer), 401, CodeMissingCredential, []string{apiKeyChallenge, bearerChallenge}, ""},
		{"both valid", get("/both/a", key, bearer), 0, "", nil, "demo"},
		{"both unknown key", get("/both/a", header("x-api-key", unusedKey), bearer), 401, CodeInvalidCredential, []string{apiKeyChallenge, bearerChallenge}, ""},
		{"both expired token", get("/both/a", key, header("authorization", "Bearer "+expired)), 401, jwt.CodeExpired, []string{expiredChallenge}, ""},
		{"both two tokens", get("/both/a?access_token="+other, key, bearer), 401, jwt.CodeMultipleTokens, nil, ""},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(tc.req)

			if tc.status == 0 {
				require.True(t, d.Allow, "%s %s", d.Code, d.Reason)
				require.Equal(t, ReasonAuthenticated, d.Reason)
				require.Equal(t, tc.keyID, d.KeyID)
				require.Equal(t, []string{tc.keyID}, headerValues(upstreamHeaders(tc.req, d), "x-client-id"))
				return
			}
			require.False(t, d.Allow)
			require.Equal(t, tc.status, d.Status)
			require.Equal(t, tc.code, d.Code)
			require.Contains(t, string(d.Body), `"code":"`+tc.code+`"`)
			if tc.challenges != nil {
				require.Equal(t, tc.challenges, replyChallenges(d))
			}
			require.NotContains(t, string(d.Body), "eyJ", "a reply contains a token")
		})
	}
}

// TestCheckJWTTier checks that the tier claim becomes the decision's tier
// when the token's identity is the caller id, and that an API key keeps
// its own tier on a route that takes both.
func TestCheckJWTTier(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	claims := corpClaims("read")
	claims["plan"] = "partner"
	bearer := header("authorization", "Bearer "+mintHS256(t, corpSecret, claims))
	key := header("x-api-key", demoKey)

	tests := []struct {
		name        string
		req         *Request
		keyID, tier string
	}{
		{"jwt route", get("/jwt/a", bearer), "user-1", "partner"},
		{"either route, token", get("/either/a", bearer), "user-1", "partner"},
		{"either route, key", get("/either/a", key), "demo", "free"},
		{"either route, key and token", get("/either/a", key, bearer), "user-1", "partner"},
		{"both route", get("/both/a", key, bearer), "demo", "free"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(tc.req)
			require.True(t, d.Allow, "%s %s", d.Code, d.Reason)
			require.Equal(t, tc.keyID, d.KeyID)
			require.Equal(t, tc.tier, d.Tier)
		})
	}

	t.Run("token without the claim", func(t *testing.T) {
		d := engine.Check(get("/jwt/a", header("authorization", "Bearer "+mintHS256(t, corpSecret, corpClaims("read")))))
		require.True(t, d.Allow)
		require.Empty(t, d.Tier)
	})
	t.Run("claim that is not a tier name", func(t *testing.T) {
		claims["plan"] = "gold plan"
		d := engine.Check(get("/jwt/a", header("authorization", "Bearer "+mintHS256(t, corpSecret, claims))))
		require.False(t, d.Allow)
		require.Equal(t, 401, d.Status)
		require.Equal(t, jwt.CodeMalformed, d.Code)
		require.Equal(t, "jwt_invalid_tier_claim", d.Reason)
	})
}

func TestCheckJWTEitherMissingReply(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	req := get("/either/a")
	req.RequestID = "req-1"

	d := engine.Check(req)
	require.Equal(t, `{"code":"missing_credential","message":"An API key or a bearer token is required.","request_id":"req-1"}`, string(d.Body))
	require.Equal(t, ReasonNoCredential, d.Reason)
	require.Equal(t, "either", d.Route)
	require.Contains(t, d.ReplyHeaders, header("content-type", "application/json"))
}

func TestCheckJWTTokenIDs(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	withJTI := mintHS256(t, corpSecret, corpClaims("read"))
	claims := corpClaims("read")
	delete(claims, "jti")
	withoutJTI := mintHS256(t, corpSecret, claims)
	revoked := corpClaims("read")
	revoked["jti"] = "revoked-1"

	d := engine.Check(get("/jwt/a", header("authorization", "Bearer "+withJTI)))
	require.True(t, d.Allow)
	require.Equal(t, "jti-1", d.TokenID)

	d = engine.Check(get("/jwt/a", header("authorization", "Bearer "+withoutJTI)))
	require.True(t, d.Allow)
	require.Equal(t, jwt.Fingerprint(withoutJTI), d.TokenID)
	require.True(t, strings.HasPrefix(d.TokenID, "sha256:"), d.TokenID)

	d = engine.Check(get("/jwt/a", header("authorization", "Bearer "+mintHS256(t, corpSecret, revoked))))
	require.Equal(t, jwt.CodeRevoked, d.Code)
	require.Equal(t, "jwt_jti_revoked", d.Reason)
	require.NotEmpty(t, d.TokenID)
	require.Empty(t, d.KeyID)

	d = engine.Check(get("/both/a", header("x-api-key", demoKey), header("authorization", "Bearer "+withJTI)))
	require.True(t, d.Allow)
	require.Equal(t, "demo", d.KeyID, "the key stays the caller on a both route")
	require.Equal(t, "free", d.Tier)
	require.Equal(t, "jti-1", d.TokenID)
}

func TestCheckJWTScopes(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	partner := func(permissions any) string {
		return mintHS256(t, partnerSecret, map[string]any{
			"iss": "https://partner.test", "aud": "api", "client_id": "svc-9",
			"exp": testNow.Add(time.Hour).Unix(), "permissions": permissions,
			"scope": "read", // ignored: the partner provider reads permissions
		})
	}
	scp := corpClaims("")
	delete(scp, "scope")
	scp["scp"] = []string{"write", "read"}

	tests := []struct {
		name  string
		token string
		allow bool
	}{
		{"scope string", mintHS256(t, corpSecret, corpClaims("write read")), true},
		{"scope without read", mintHS256(t, corpSecret, corpClaims("write")), false},
		{"scp array", mintHS256(t, corpSecret, scp), true},
		{"configured claim array", partner([]string{"read"}), true},
		{"configured claim string", partner("admin read"), true},
		{"configured claim without read", partner([]string{"admin"}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(get("/jwt/a", header("authorization", "Bearer "+tc.token)))

			require.Equal(t, tc.allow, d.Allow, "%s %s", d.Code, d.Reason)
			if tc.allow {
				return
			}
			require.Equal(t, 403, d.Status)
			require.Equal(t, CodeInsufficientScope, d.Code)
			require.Equal(t, ReasonMissingScope, d.Reason)
			require.Equal(t, []string{`Bearer realm="bulwark", error="insufficient_scope", scope="read"`}, replyChallenges(d))
			require.Contains(t, string(d.Body), "The bearer token does not grant the required scopes: read.")
			require.NotEmpty(t, d.KeyID, "the debug log names the caller")
		})
	}
}

func TestCheckJWTClaimHeadersReplaceClientCopies(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	token := mintHS256(t, corpSecret, corpClaims("read"))
	spoofed := []([2]string){
		header("x-user-email", "spoofed@example.test"),
		header("x-user-org", "spoofed-org"),
		header("x-client-id", "spoofed"),
		header("x_client_id", "spoofed"),
	}

	tests := []struct {
		name  string
		req   *Request
		email []string
	}{
		{"jwt", get("/jwt/a", append(spoofed, header("authorization", "Bearer "+token))...), []string{"a@example.test"}},
		{"either with token", get("/either/a", append(spoofed, header("authorization", "Bearer "+token))...), []string{"a@example.test"}},
		{"either with key", get("/either/a", append(spoofed, header("x-api-key", demoKey))...), nil},
		{"both", get("/both/a", append(spoofed, header("x-api-key", demoKey), header("authorization", "Bearer "+token))...), []string{"a@example.test"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(tc.req)
			require.True(t, d.Allow, "%s %s", d.Code, d.Reason)
			up := upstreamHeaders(tc.req, d)

			assert.Equal(t, tc.email, headerValues(up, "x-user-email"))
			assert.Empty(t, headerValues(up, "x-user-org"), "the partner provider's claim header")
			assert.Len(t, headerValues(up, "x-client-id"), 1)
			assert.NotEqual(t, []string{"spoofed"}, headerValues(up, "x-client-id"))
			assert.Empty(t, headerValues(up, "x_client_id"))
		})
	}
}

func TestCheckJWTStripsToken(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	token := mintHS256(t, corpSecret, corpClaims("read"))

	tests := []struct {
		name          string
		req           *Request
		authorization []string
		cookie        []string
		path          string
	}{
		{"header", get("/jwt/a", header("authorization", "Bearer "+token)), nil, nil, ""},
		{"header with other scheme kept", get("/jwt/a", header("authorization", "Bearer "+token), header("authorization", "Basic dTpw")), []string{"Basic dTpw"}, nil, ""},
		{"query", get("/jwt/a?x=1&access_token=" + token + "&y=2"), nil, nil, "/jwt/a?x=1&y=2"},
		{"only query parameter", get("/jwt/a?access_token=" + token), nil, nil, "/jwt/a"},
		{"cookie", get("/jwt/a", header("cookie", "a=1; token="+token+"; b=2")), nil, []string{"a=1; b=2"}, ""},
		{"only cookie", get("/jwt/a", header("cookie", "token="+token)), nil, nil, ""},
		{"both in authorization", get("/both/a", header("authorization", "ApiKey "+demoKey), header("authorization", "Bearer "+token)), nil, nil, ""},
		{"both in authorization with other scheme", get("/both/a", header("authorization", "Basic dTpw"), header("authorization", "ApiKey "+demoKey), header("authorization", "Bearer "+token)), []string{"Basic dTpw"}, nil, ""},
		{"both in cookies", get("/both/a", header("cookie", "api_key="+demoKey+"; a=1"), header("cookie", "token="+token)), nil, []string{"a=1"}, ""},
		{"both in query", get("/both/a?api_key=" + demoKey + "&access_token=" + token + "&a=1"), nil, nil, "/both/a?a=1"},
		{"either key and token in authorization", get("/either/a", header("authorization", "ApiKey "+demoKey), header("authorization", "Bearer "+token)), nil, nil, ""},
		{"jwt key cookie stripped beside token", get("/jwt/a", header("cookie", "api_key="+demoKey+"; token="+token+"; a=1")), nil, []string{"a=1"}, ""},
		{"either key stripped beside token", get("/either/a?api_key="+demoKey+"&a=1", header("authorization", "Bearer "+token)), nil, nil, "/either/a?a=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(tc.req)
			require.True(t, d.Allow, "%s %s", d.Code, d.Reason)
			up := upstreamHeaders(tc.req, d)

			assert.Equal(t, tc.authorization, headerValues(up, "authorization"))
			assert.Equal(t, tc.cookie, headerValues(up, "cookie"))
			assert.Equal(t, tc.path, d.NewPath)
			for _, h := range up {
				assert.NotContains(t, h[1], "SECRET", "an API key reaches the upstream in %s", h[0])
				assert.NotContains(t, h[1], token, "the token reaches the upstream in %s", h[0])
			}
		})
	}
}

func TestCheckJWTKeepsTokenWhenConfigured(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(`"strip_token": false,`))
	token := mintHS256(t, corpSecret, corpClaims("read"))
	req := get("/both/a?access_token="+token, header("authorization", "ApiKey "+demoKey), header("authorization", "Bearer "+token))

	d := engine.Check(req)
	require.True(t, d.Allow, "%s %s", d.Code, d.Reason)
	up := upstreamHeaders(req, d)
	require.Equal(t, []string{"Bearer " + token}, headerValues(up, "authorization"), "the API key is stripped, the token kept")
	require.Empty(t, d.NewPath)
}

func TestCheckJWTDenialNamesToken(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	claims := corpClaims("read")
	claims["exp"] = testNow.Add(-time.Hour).Unix()
	expired := mintHS256(t, corpSecret, claims)

	d := engine.Check(get("/jwt/a", header("authorization", "Bearer "+expired)))
	require.Equal(t, jwt.CodeExpired, d.Code)
	assert.Equal(t, "corp", d.TokenProvider)
	assert.Equal(t, "jti-1", d.TokenJTI)
	assert.Empty(t, d.TokenKID, "the token has no kid")
	assert.Equal(t, jwt.Fingerprint(expired), d.TokenID, "a rejected token keeps its fingerprint as id")

	d = engine.Check(get("/jwt/a", header("authorization", "Bearer "+mintHS256(t, corpSecret, corpClaims("read")))))
	require.True(t, d.Allow)
	assert.Empty(t, d.TokenProvider, "an allowed request carries no denial details")

	d = engine.Check(get("/jwt/a", header("authorization", "Bearer not.a.token")))
	require.Equal(t, jwt.CodeMalformed, d.Code)
	assert.Empty(t, d.TokenProvider)
	assert.Empty(t, d.TokenJTI)

	d = engine.Check(get("/jwt/a", header("authorization", "Bearer "+mintHS256(t, corpSecret, corpClaims("write")))))
	require.Equal(t, 403, d.Status)
	assert.Equal(t, "corp", d.TokenProvider)
	assert.Equal(t, "jti-1", d.TokenJTI)
}
