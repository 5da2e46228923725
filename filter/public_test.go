package filter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckPublicRouteStripsCredential checks that a key sent to a public
// route is removed as on a protected one.
func TestCheckPublicRouteStripsCredential(t *testing.T) {
	e := newTestEngine(t, testConfig(""))

	tests := []struct {
		name       string
		req        *Request
		wantRemove []string
		wantPath   string
		wantSet    [][2]string
	}{
		{
			name:       "header",
			req:        get("/public/x", header("x-api-key", demoKey)),
			wantRemove: []string{"x-client-id", "x-api-key"},
		},
		{
			name:       "query",
			req:        get("/public/x?a=1&api_key=" + demoKey),
			wantRemove: []string{"x-client-id"},
			wantPath:   "/public/x?a=1",
		},
		{
			name:       "cookie",
			req:        get("/public/x", header("cookie", "theme=dark; api_key="+demoKey)),
			wantRemove: []string{"x-client-id", "cookie"},
			wantSet:    [][2]string{{"cookie", "theme=dark"}},
		},
		{
			name:       "unknown key",
			req:        get("/public/x", header("x-api-key", "bwk_not_a_configured_key")),
			wantRemove: []string{"x-client-id", "x-api-key"},
		},
		{
			name:       "no credential",
			req:        get("/public/x"),
			wantRemove: []string{"x-client-id"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := e.Check(tc.req)

			require.True(t, d.Allow)
			require.Equal(t, ReasonPublicRoute, d.Reason)
			require.Empty(t, d.KeyID, "a public route authenticates nobody")
			require.ElementsMatch(t, tc.wantRemove, d.RemoveHeaders)
			require.Equal(t, tc.wantPath, d.NewPath)
			require.Equal(t, tc.wantSet, d.SetHeaders)
		})
	}
}

func TestCheckPublicRouteKeepsCredentialWhenConfigured(t *testing.T) {
	e := newTestEngine(t, `{"api_keys": {"strip_credential": false}, "routes": [{"name": "open", "match": {"prefix": "/"}, "auth": "none"}]}`)

	d := e.Check(get("/x", header("x-api-key", demoKey)))

	require.True(t, d.Allow)
	require.Equal(t, []string{"x-bulwark-client-id"}, d.RemoveHeaders)
}

// TestCheckRemovesIdentityUnderscoreVariants checks that x_client_id and
// similar spellings of the identity header never reach the upstream.
func TestCheckRemovesIdentityUnderscoreVariants(t *testing.T) {
	e := newTestEngine(t, testConfig(""))

	public := e.Check(get("/healthz", header("x_client_id", "admin"), header("x-client_id", "admin")))
	require.True(t, public.Allow)
	require.ElementsMatch(t, []string{"x-client-id", "x_client_id", "x-client_id"}, public.RemoveHeaders)

	private := e.Check(get("/orders", header("x-api-key", demoKey), header("x_client_id", "admin")))
	require.True(t, private.Allow)
	require.Contains(t, private.RemoveHeaders, "x_client_id")
	require.Contains(t, private.SetHeaders, [2]string{"x-client-id", "demo"})

	again := e.Check(get("/orders", header("x-api-key", demoKey)))
	require.NotContains(t, again.RemoveHeaders, "x_client_id", "a shared slice was modified")
}

func TestCheckLongRequestIDLeftOut(t *testing.T) {
	e := newTestEngine(t, testConfig(""))
	req := get("/orders")

	req.RequestID = strings.Repeat("r", MaxRequestIDBytes)
	require.Contains(t, string(e.Check(req).Body), `"request_id"`)

	req.RequestID = strings.Repeat("r", MaxRequestIDBytes+1)
	require.Equal(t, bodyMissing, string(e.Check(req).Body))
}
