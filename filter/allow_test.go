package filter

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/config"
)

func TestCheckAllows(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))
	identity := header("x-client-id", "demo")

	tests := []struct {
		name    string
		req     *Request
		remove  []string
		set     [][2]string
		newPath string
		route   string
		keyID   string
		reason  string
	}{
		{
			name:   "public route",
			req:    get("/healthz"),
			remove: []string{"x-client-id"},
			route:  "health", reason: ReasonPublicRoute,
		},
		{
			name:   "spoofed identity on public route",
			req:    get("/healthz", header("x-client-id", "admin"), header("x-client-id", "root")),
			remove: []string{"x-client-id"},
			route:  "health", reason: ReasonPublicRoute,
		},
		{
			name:    "public route path normalised",
			req:     get("/public//a/./b/../c?x=1"),
			remove:  []string{"x-client-id"},
			newPath: "/public/a/c?x=1",
			route:   "public", reason: ReasonPublicRoute,
		},
		{
			name:    "public route keeps empty query",
			req:     get("/public//x?"),
			remove:  []string{"x-client-id"},
			newPath: "/public/x?",
			route:   "public", reason: ReasonPublicRoute,
		},
		{
			name:   "key header",
			req:    get("/v1/items", header("x-api-key", demoKey)),
			remove: []string{"x-client-id", "x-api-key"},
			set:    [][2]string{identity},
			route:  "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:   "spoofed identity on protected route",
			req:    get("/v1/items", header("x-client-id", "admin"), header("x-api-key", demoKey)),
			remove: []string{"x-client-id", "x-api-key"},
			set:    [][2]string{identity},
			route:  "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:   "default route with its scope",
			req:    get("/v1/orders", header("x-api-key", demoKey)),
			remove: []string{"x-client-id", "x-api-key"},
			set:    [][2]string{identity},
			route:  "", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:   "authorization scheme",
			req:    get("/v1/items", header("authorization", "apikey "+demoKey)),
			remove: []string{"x-client-id", "authorization"},
			set:    [][2]string{identity},
			route:  "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:   "authorization scheme beside another scheme",
			req:    get("/v1/items", header("authorization", "Bearer jwt"), header("authorization", "ApiKey "+demoKey)),
			remove: []string{"x-client-id", "authorization"},
			set:    [][2]string{header("authorization", "Bearer jwt"), identity},
			route:  "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:    "query parameter",
			req:     get("/v1/items?api_key=" + demoKey),
			remove:  []string{"x-client-id"},
			set:     [][2]string{identity},
			newPath: "/v1/items",
			route:   "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:    "query parameter among others",
			req:     get("/v1/items?page=2&api_key=" + demoKey + "&sort=asc"),
			remove:  []string{"x-client-id"},
			set:     [][2]string{identity},
			newPath: "/v1/items?page=2&sort=asc",
			route:   "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:   "cookie",
			req:    get("/v1/items", header("cookie", "session=s1; api_key="+demoKey+"; theme=dark")),
			remove: []string{"x-client-id", "cookie"},
			set:    [][2]string{header("cookie", "session=s1; theme=dark"), identity},
			route:  "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name:   "only cookie",
			req:    get("/v1/items", header("cookie", "api_key="+demoKey)),
			remove: []string{"x-client-id", "cookie"},
			set:    [][2]string{identity},
			route:  "items", keyID: "demo", reason: ReasonAuthenticated,
		},
		{
			name: "identical key in every source",
			req: get("//v1/items?api_key="+demoKey+"&api_key="+demoKey,
				header("x-api-key", demoKey), header("x-api-key", demoKey),
				header("authorization", "ApiKey "+demoKey), header("cookie", "api_key="+demoKey)),
			remove:  []string{"x-client-id", "x-api-key", "authorization", "cookie"},
			set:     [][2]string{identity},
			newPath: "/v1/items",
			route:   "items", keyID: "demo", reason: ReasonAuthenticated,
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(tc.req)

			require.True(t, d.Allow, "reason %s", d.Reason)
			require.Equal(t, tc.remove, d.RemoveHeaders)
			require.Equal(t, tc.set, d.SetHeaders)
			require.Equal(t, tc.newPath, d.NewPath)
			require.Equal(t, tc.route, d.Route)
			require.Equal(t, tc.keyID, d.KeyID)
			require.Equal(t, tc.reason, d.Reason)
			require.Zero(t, d.Status)
			require.Empty(t, d.Body)
			require.NotContains(t, fmt.Sprintf("%v", d), "SECRET", "stripped credentials must not reach upstream")
		})
	}
}

func TestCheckTier(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))

	d := engine.Check(get("/v1/items", header("x-api-key", adminKey)))
	require.True(t, d.Allow)
	require.Equal(t, "admin", d.KeyID)
	require.Equal(t, "gold", d.Tier)
}

func TestCheckWithoutStripping(t *testing.T) {
	doc := strings.Replace(testConfig(""), `"max_key_length": 32,`, `"max_key_length": 32, "strip_credential": false,`, 1)
	engine := newTestEngine(t, doc)

	d := engine.Check(get("/v1/items?api_key="+demoKey, header("cookie", "api_key="+demoKey)))
	require.True(t, d.Allow)
	require.Equal(t, []string{"x-client-id"}, d.RemoveHeaders)
	require.Equal(t, [][2]string{header("x-client-id", "demo")}, d.SetHeaders)
	require.Empty(t, d.NewPath)

	d = engine.Check(get("/v1//items?api_key=" + demoKey))
	require.True(t, d.Allow)
	require.Equal(t, "/v1/items?api_key="+demoKey, d.NewPath, "the query is kept when the path changes")
}

func TestCheckForwardOriginalPath(t *testing.T) {
	engine := newTestEngine(t, testConfig(`"path_normalization": {"forward_normalized": false},`))

	d := engine.Check(get("/public/a/../b"))
	require.True(t, d.Allow)
	require.Equal(t, "public", d.Route)
	require.Empty(t, d.NewPath)

	d = engine.Check(get("/v1//items?x=1&api_key=" + demoKey))
	require.True(t, d.Allow)
	require.Equal(t, "items", d.Route)
	require.Equal(t, "/v1//items?x=1", d.NewPath, "only the credential is removed")
}

func TestCheckEncodedSlash(t *testing.T) {
	tests := []struct {
		name    string
		option  string
		path    string
		allow   bool
		route   string
		newPath string
	}{
		{"kept does not split", "keep", "/public/a%2fb", true, "public", "/public/a%2Fb"},
		{"kept hides dot segments", "keep", "/public/..%2F..%2Fv1%2Fitems", true, "public", ""},
		{"decoded before matching", "decode", "/public/..%2F..%2Fv1%2Fitems", false, "items", ""},
		{"decoded and forwarded", "decode", "/public/a%2Fb", true, "public", "/public/a/b"},
		{"rejected", "reject", "/public/a%2Fb", false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			engine := newTestEngine(t, testConfig(`"path_normalization": {"encoded_slash": "`+tc.option+`"},`))

			d := engine.Check(get(tc.path))
			require.Equal(t, tc.allow, d.Allow)
			require.Equal(t, tc.route, d.Route)
			require.Equal(t, tc.newPath, d.NewPath)
			if tc.option == "reject" {
				require.Equal(t, 400, d.Status)
				require.Equal(t, bodyEncodedDash, string(d.Body))
				require.Equal(t, ReasonPathEncodedSlash, d.Reason)
			}
		})
	}
}

func TestCheckCaseInsensitiveRoutes(t *testing.T) {
	engine := newTestEngine(t, testConfig(`"path_normalization": {"case_sensitive": false},`))

	d := engine.Check(get("/HealthZ"))
	require.True(t, d.Allow)
	require.Equal(t, "health", d.Route)
	require.Empty(t, d.NewPath, "the forwarded path keeps its case")

	d = engine.Check(get("/ADMIN/users", header("x-api-key", demoKey)))
	require.Equal(t, 403, d.Status)
	require.Equal(t, "admin", d.Route)

	sensitive := newTestEngine(t, testConfig(""))
	d = sensitive.Check(get("/HealthZ"))
	require.False(t, d.Allow)
	require.Equal(t, "", d.Route)
}

func TestCheckHMAC(t *testing.T) {
	pepper := []byte("pepper-for-tests-only-0123456789")
	mac := apikey.Digest(apikey.HashHMACSHA256, pepper, demoKey)
	doc := `{"api_keys": {"hash": "hmac-sha256", "pepper": "cGVwcGVyLWZvci10ZXN0cy1vbmx5LTAxMjM0NTY3ODk=", "keys": [
		{"id": "demo", "digest": "` + hex.EncodeToString(mac[:]) + `"},
		{"id": "plain", "digest": "` + sha(adminKey) + `"}]}}`
	engine := newTestEngine(t, doc)

	d := engine.Check(get("/x", header("x-api-key", demoKey)))
	require.True(t, d.Allow)
	require.Equal(t, "demo", d.KeyID)
	require.Equal(t, [][2]string{header("x-bulwark-client-id", "demo")}, d.SetHeaders)

	d = engine.Check(get("/x", header("x-api-key", adminKey)))
	require.False(t, d.Allow, "a plain SHA-256 digest does not match in HMAC mode")
	require.Equal(t, ReasonUnknownKey, d.Reason)
}

func TestNewWithoutConfig(t *testing.T) {
	engine := New(nil)

	d := engine.Check(get("/healthz", header("x-api-key", demoKey)))
	require.False(t, d.Allow)
	require.Equal(t, 401, d.Status)
	require.Equal(t, ReasonUnknownKey, d.Reason)
	require.Equal(t, config.FailClosed, engine.FailurePolicy())
}

func TestFailurePolicy(t *testing.T) {
	require.Equal(t, config.FailClosed, newTestEngine(t, testConfig("")).FailurePolicy())
	require.Equal(t, config.FailOpen, newTestEngine(t, testConfig(`"failure_policy": "fail_open",`)).FailurePolicy())
}

func TestInternalErrorDecision(t *testing.T) {
	d := InternalErrorDecision("req-9")

	require.False(t, d.Allow)
	require.Equal(t, 500, d.Status)
	require.Equal(t, CodeInternalError, d.Code)
	require.Equal(t, `{"code":"internal_error","message":"The request could not be processed because of an internal error.","request_id":"req-9"}`, string(d.Body))
	require.Equal(t, [][2]string{header("content-type", "application/json")}, d.ReplyHeaders)
	require.Equal(t, ReasonInternalError, d.Reason)

	require.Equal(t, `{"code":"internal_error","message":"The request could not be processed because of an internal error."}`, string(InternalErrorDecision("").Body))
}

// The clock is read only for keys with a validity period, because reading it
// is a host call inside the plugin.
func TestCheckReadsClockOnlyWhenNeeded(t *testing.T) {
	cfg, err := config.Parse([]byte(testConfig("")))
	require.NoError(t, err)
	calls := 0
	engine := New(cfg, WithClock(func() time.Time {
		calls++
		return testNow
	}))

	engine.Check(get("/v1/items", header("x-api-key", demoKey)))
	require.Zero(t, calls)
	engine.Check(get("/v1/items", header("x-api-key", offKey)))
	require.Zero(t, calls)
	engine.Check(get("/v1/items", header("x-api-key", oldKey)))
	require.Equal(t, 1, calls)
}

// The log fields and the reply never contain a key or its digest, whatever
// the request.
func TestDecisionsNeverContainSecrets(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))
	keys := []string{demoKey, adminKey, oldKey, futureKey, offKey, unusedKey}

	for _, key := range keys {
		requests := []*Request{
			get("/v1/items", header("x-api-key", key)),
			get("/admin/users", header("x-api-key", key)),
			get("/v1/items?api_key="+key, header("cookie", "api_key="+key)),
			get("/v1/items", header("x-api-key", key), header("x-api-key", key+"x")),
			get("/v1/items", header("authorization", "ApiKey "+key+" x")),
		}
		for _, req := range requests {
			req.RequestID = "r"
			d := engine.Check(req)
			logged := strings.Join([]string{d.Code, string(d.Body), fmt.Sprint(d.ReplyHeaders), d.Route, d.KeyID, d.Tier, d.Reason}, " ")

			require.NotContains(t, logged, "SECRET")
			require.NotContains(t, logged, sha(key)[:16])
			require.NotContains(t, fmt.Sprint(d.RemoveHeaders, d.SetHeaders, d.NewPath), "SECRET")
		}
	}
}
