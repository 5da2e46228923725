package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

var (
	keyReader  = mintKey("reader")
	keyAdmin   = mintKey("admin")
	keyExpired = mintKey("expired")
	keyFuture  = mintKey("future")
	keyOff     = mintKey("disabled")
	keyUnknown = mintKey("unknown")
)

// authConfig protects everything but /healthz, needs the admin scope under
// /admin/, and accepts keys from a header, a prefixed header, a query
// parameter and a cookie.
func authConfig() string {
	return mustJSON(map[string]any{
		"api_keys": map[string]any{
			"sources": []any{
				map[string]any{"header": "x-api-key"},
				map[string]any{"header": "authorization", "prefix": "ApiKey "},
				map[string]any{"query": "api_key"},
				map[string]any{"cookie": "api_key"},
			},
			"keys": []any{
				map[string]any{"id": "reader", "digest": keyReader.Digest, "tier": "free", "scopes": []string{"read"}},
				map[string]any{"id": "admin", "digest": keyAdmin.Digest, "tier": "internal", "scopes": []string{"read", "admin"}},
				map[string]any{"id": "expired", "digest": keyExpired.Digest, "expires_at": "2026-01-01T00:00:00Z"},
				map[string]any{"id": "future", "digest": keyFuture.Digest, "not_before": "2027-01-01T00:00:00Z"},
				map[string]any{"id": "off", "digest": keyOff.Digest, "disabled": true},
			},
		},
		"routes": []any{
			map[string]any{"name": "health", "match": map[string]any{"path": "/healthz"}, "auth": "none"},
			map[string]any{"name": "admin", "match": map[string]any{"prefix": "/admin/"}, "auth": "api_key", "scopes": []string{"admin"}},
		},
		"default_route": map[string]any{"auth": "api_key"},
	})
}

func TestAPIKeyAllowed(t *testing.T) {
	h, _ := startHost(t, authConfig())

	result := get(t, h, "/orders", [2]string{"x-api-key", keyReader.Key})

	require.Equal(t, http.StatusOK, result.Response.Status)
	require.Nil(t, result.LocalReply)
	require.NotNil(t, result.Upstream)
	id, ok := header(result.Upstream.Headers, "x-bulwark-client-id")
	require.True(t, ok, "identity header missing upstream")
	require.Equal(t, "reader", id)
	requireNoSecretLogged(t, h)
}

func TestAPIKeyDenied(t *testing.T) {
	h, _ := startHost(t, authConfig())

	tests := []struct {
		name    string
		path    string
		headers [][2]string
		status  int
		code    string
	}{
		{name: "missing", path: "/orders", status: 401, code: "missing_credential"},
		{name: "unknown", path: "/orders", headers: [][2]string{{"x-api-key", keyUnknown.Key}}, status: 401, code: "invalid_credential"},
		{name: "expired", path: "/orders", headers: [][2]string{{"x-api-key", keyExpired.Key}}, status: 401, code: "invalid_credential"},
		{name: "not yet valid", path: "/orders", headers: [][2]string{{"x-api-key", keyFuture.Key}}, status: 401, code: "invalid_credential"},
		{name: "disabled", path: "/orders", headers: [][2]string{{"x-api-key", keyOff.Key}}, status: 401, code: "invalid_credential"},
		{name: "wrong scope", path: "/admin/users", headers: [][2]string{{"x-api-key", keyReader.Key}}, status: 403, code: "insufficient_scope"},
		{
			name:    "two different keys",
			path:    "/orders",
			headers: [][2]string{{"x-api-key", keyReader.Key}, {"authorization", "ApiKey " + keyAdmin.Key}},
			status:  401, code: "multiple_credentials",
		},
		{name: "oversized key", path: "/orders", headers: [][2]string{{"x-api-key", "bwk_" + longKey(5000)}}, status: 400, code: "malformed_request"},
		{name: "control character", path: "/orders", headers: [][2]string{{"x-api-key", "bwk_\x01abc"}}, status: 400, code: "malformed_request"},
		{name: "invalid percent-encoding", path: "/orders/%zz", headers: [][2]string{{"x-api-key", keyReader.Key}}, status: 400, code: "malformed_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			result := get(t, h, tc.path, tc.headers...)

			require.Equal(t, tc.status, result.Response.Status)
			require.NotNil(t, result.LocalReply, "expected a local reply")
			require.Nil(t, result.Upstream, "a denied request reached the upstream")
			contentType, _ := header(result.Response.Headers, "content-type")
			require.Equal(t, "application/json", contentType)
			require.Equal(t, tc.code, decodeError(t, result).Code)
		})
	}
	requireNoSecretLogged(t, h)
}

func longKey(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

// TestInvalidKeyAnswersIdentical checks that the client receives the same
// reply for an unknown, expired, not yet valid or disabled key.
func TestInvalidKeyAnswersIdentical(t *testing.T) {
	h, _ := startHost(t, authConfig())

	requestID := [2]string{"x-request-id", "0b7c5a52-2f5e-4d1a-9c3e-7a8b9c0d1e2f"}
	reference := get(t, h, "/orders", [2]string{"x-api-key", keyUnknown.Key}, requestID)
	for _, key := range []testKey{keyExpired, keyFuture, keyOff} {
		result := get(t, h, "/orders", [2]string{"x-api-key", key.Key}, requestID)
		require.Equal(t, reference.Response.Status, result.Response.Status)
		require.Equal(t, reference.Response.Body, result.Response.Body)
		require.Equal(t, reference.Response.Headers, result.Response.Headers)
	}
}

func TestMissingKeyChallenge(t *testing.T) {
	h, _ := startHost(t, authConfig())

	result := get(t, h, "/orders")

	challenge, ok := header(result.Response.Headers, "www-authenticate")
	require.True(t, ok, "a 401 must carry WWW-Authenticate")
	require.Contains(t, challenge, "ApiKey")
}

func TestKeyExpiresWithClock(t *testing.T) {
	config := mustJSON(map[string]any{"api_keys": map[string]any{"keys": []any{
		map[string]any{"id": "short", "digest": keyReader.Digest, "expires_at": "2026-06-01T12:00:10Z"},
	}}})
	h, clock := startHost(t, config)

	require.Equal(t, 200, get(t, h, "/a", [2]string{"x-api-key", keyReader.Key}).Response.Status)

	clock.Advance(10 * 1e9)
	require.Equal(t, 401, get(t, h, "/a", [2]string{"x-api-key", keyReader.Key}).Response.Status)
}

func TestCredentialStripped(t *testing.T) {
	h, _ := startHost(t, authConfig())

	tests := []struct {
		name     string
		path     string
		headers  [][2]string
		wantPath string
		check    func(t *testing.T, upstream [][2]string)
	}{
		{
			name: "header", path: "/orders", headers: [][2]string{{"x-api-key", keyReader.Key}}, wantPath: "/orders",
			check: func(t *testing.T, upstream [][2]string) {
				_, ok := header(upstream, "x-api-key")
				require.False(t, ok, "x-api-key reached the upstream")
			},
		},
		{
			name: "prefixed header", path: "/orders", headers: [][2]string{{"authorization", "ApiKey " + keyReader.Key}}, wantPath: "/orders",
			check: func(t *testing.T, upstream [][2]string) {
				_, ok := header(upstream, "authorization")
				require.False(t, ok, "authorization reached the upstream")
			},
		},
		{
			name: "query", path: "/orders?page=2&api_key=" + keyReader.Key + "&sort=asc", wantPath: "/orders?page=2&sort=asc",
			check: func(t *testing.T, upstream [][2]string) {},
		},
		{
			name: "cookie", path: "/orders", headers: [][2]string{{"cookie", "theme=dark; api_key=" + keyReader.Key + "; lang=en"}}, wantPath: "/orders",
			check: func(t *testing.T, upstream [][2]string) {
				cookie, _ := header(upstream, "cookie")
				require.NotContains(t, cookie, "api_key")
				require.Contains(t, cookie, "theme=dark")
				require.Contains(t, cookie, "lang=en")
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			result := get(t, h, tc.path, tc.headers...)

			require.Equal(t, 200, result.Response.Status)
			require.NotNil(t, result.Upstream)
			require.Equal(t, tc.wantPath, result.Upstream.Path)
			for _, h := range result.Upstream.Headers {
				require.NotContains(t, h[1], secretMarker, "header %s carries the key upstream", h[0])
			}
			tc.check(t, result.Upstream.Headers)
		})
	}
}

func TestSpoofedIdentityRemoved(t *testing.T) {
	h, _ := startHost(t, authConfig())

	t.Run("public route", func(t *testing.T) {
		result := get(t, h, "/healthz", [2]string{"x-bulwark-client-id", "admin"})

		require.Equal(t, 200, result.Response.Status)
		require.Empty(t, headerValues(result.Upstream.Headers, "x-bulwark-client-id"))
	})
	t.Run("protected route", func(t *testing.T) {
		result := get(t, h, "/orders",
			[2]string{"x-bulwark-client-id", "admin"},
			[2]string{"x-api-key", keyReader.Key},
			[2]string{"x-bulwark-client-id", "root"})

		require.Equal(t, 200, result.Response.Status)
		require.Equal(t, []string{"reader"}, headerValues(result.Upstream.Headers, "x-bulwark-client-id"))
	})
}

func TestDuplicateIdenticalKeyAllowed(t *testing.T) {
	h, _ := startHost(t, authConfig())

	result := get(t, h, "/orders", [2]string{"x-api-key", keyReader.Key}, [2]string{"authorization", "ApiKey " + keyReader.Key})

	require.Equal(t, 200, result.Response.Status)
}

func TestPublicRouteNeedsNoKey(t *testing.T) {
	h, _ := startHost(t, authConfig())

	result := get(t, h, "/healthz")

	require.Equal(t, 200, result.Response.Status)
	require.NotNil(t, result.Upstream)
}

// TestBothWorkersServe checks that both worker VMs loaded the configuration
// and reply the same way.
func TestBothWorkersServe(t *testing.T) {
	h, _ := startHost(t, authConfig())

	for worker := 0; worker < 2; worker++ {
		for _, tc := range []struct {
			key    string
			status int
		}{{keyReader.Key, 200}, {keyUnknown.Key, 401}} {
			result, err := h.Do(t.Context(), &host.Request{
				Worker: worker, Method: "GET", Path: "/orders", Authority: "api.example.com", Scheme: "https",
				Headers: [][2]string{{"x-api-key", tc.key}}, SourceAddress: "10.0.0.1:40000",
			}, nil)
			require.NoError(t, err)
			require.Equal(t, worker, result.Worker)
			require.Equal(t, tc.status, result.Response.Status)
		}
	}
}
