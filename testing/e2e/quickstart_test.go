package e2e

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// demoKey is the key that README.md shows for examples/quickstart.json.
const demoKey = "bwk_uFAvrNLJSPXX-A3UYQ-6qCTXLVlmbJmyyM3C3-ILMAQ"

// TestQuickstartDemoKey runs the README's quick start: the demo key passes,
// no key gets 401 JSON.
func TestQuickstartDemoKey(t *testing.T) {
	config, err := os.ReadFile("../../examples/quickstart.json")
	require.NoError(t, err)
	h, _ := startHost(t, string(config))

	allowed := get(t, h, "/anything", [2]string{"x-api-key", demoKey})
	require.Equal(t, 200, allowed.Response.Status)
	id, _ := header(allowed.Upstream.Headers, "x-bulwark-client-id")
	require.Equal(t, "demo", id)

	denied := get(t, h, "/anything")
	require.Equal(t, 401, denied.Response.Status)
	require.Equal(t, "missing_credential", decodeError(t, denied).Code)

	admin := get(t, h, "/admin/users", [2]string{"x-api-key", demoKey})
	require.Equal(t, 403, admin.Response.Status)
}
