package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestPublicRouteStripsKey checks that a key sent to a public route does
// not reach the upstream, from any source.
func TestPublicRouteStripsKey(t *testing.T) {
	h, _ := startHost(t, authConfig())

	byHeader := get(t, h, "/healthz", [2]string{"x-api-key", keyReader.Key})
	byQuery := get(t, h, "/healthz?api_key="+keyReader.Key)
	byCookie := get(t, h, "/healthz", [2]string{"cookie", "api_key=" + keyReader.Key})

	for _, result := range []*host.Result{byHeader, byQuery, byCookie} {
		require.Equal(t, 200, result.Response.Status)
		require.NotContains(t, result.Upstream.Path, secretMarker)
		for _, h := range result.Upstream.Headers {
			require.NotContains(t, h[1], secretMarker, "header %s carries the key upstream", h[0])
		}
	}
}

// TestIdentityUnderscoreVariantRemoved checks that x_bulwark_client_id,
// which CGI-style upstreams read as x-bulwark-client-id, is removed.
func TestIdentityUnderscoreVariantRemoved(t *testing.T) {
	h, _ := startHost(t, authConfig())

	result := get(t, h, "/orders", [2]string{"x_bulwark_client_id", "admin"}, [2]string{"x-api-key", keyReader.Key})

	require.Equal(t, 200, result.Response.Status)
	require.Empty(t, headerValues(result.Upstream.Headers, "x_bulwark_client_id"))
	require.Equal(t, []string{"reader"}, headerValues(result.Upstream.Headers, "x-bulwark-client-id"))
}
