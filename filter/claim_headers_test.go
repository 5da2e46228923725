package filter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckRemovesClaimHeadersOnKeyRoutes checks that a client cannot send
// a header that a JWT provider fills from claims on a route that does not
// verify tokens, where the filter would otherwise let it through.
func TestCheckRemovesClaimHeadersOnKeyRoutes(t *testing.T) {
	e := newTestEngine(t, jwtTestConfig(""))
	req := get("/orders",
		header("x-api-key", demoKey),
		header("x-user-email", "admin@example.com"),
		header("x-user-org", "root"))

	d := e.Check(req)

	require.True(t, d.Allow, "reason %s", d.Reason)
	upstream := upstreamHeaders(req, d)
	require.Empty(t, headerValues(upstream, "x-user-email"))
	require.Empty(t, headerValues(upstream, "x-user-org"))
	require.Equal(t, []string{"demo"}, headerValues(upstream, "x-client-id"))
}

// TestCheckClaimHeadersNotRemovedWithoutJWT checks that the removal costs
// nothing when no JWT provider is configured.
func TestCheckClaimHeadersNotRemovedWithoutJWT(t *testing.T) {
	e := newTestEngine(t, testConfig(""))

	d := e.Check(get("/orders", header("x-api-key", demoKey), header("x-user-email", "a@example.com")))

	require.True(t, d.Allow)
	require.NotContains(t, d.RemoveHeaders, "x-user-email")
}
