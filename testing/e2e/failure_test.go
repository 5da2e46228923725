package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestBadConfigRejected checks that a misspelt field makes the plugin fail
// to start with a log line that names the field's JSON path.
func TestBadConfigRejected(t *testing.T) {
	config := `{"api_keys": {"keys": [{"id": "a", "digest": "` + keyReader.Digest + `", "expire_at": "2027-01-01T00:00:00Z"}]}}`

	_, err := host.New(context.Background(), moduleBytes(t), host.Options{Workers: 2, PluginConfig: []byte(config), CompilationCache: compilationCache})

	require.Error(t, err)
	require.Contains(t, err.Error(), "api_keys.keys[0].expire_at")
	require.Contains(t, err.Error(), "unknown field")
	require.NotContains(t, err.Error(), keyReader.Digest, "the error echoed a digest")
}

func TestInvalidJSONConfigRejected(t *testing.T) {
	_, err := host.New(context.Background(), moduleBytes(t), host.Options{PluginConfig: []byte(`{"routes": [`), CompilationCache: compilationCache})

	require.Error(t, err)
	require.Contains(t, err.Error(), "configuration rejected")
}

// TestPanicAnsweredByFailurePolicy provokes a real panic inside the module:
// the host returns a malformed header map, which the SDK cannot decode. The
// request gets the fail-closed 500 JSON, and the same VM serves the next one.
func TestPanicAnsweredByFailurePolicy(t *testing.T) {
	h, _ := startHost(t, authConfig())

	h.InjectFault(host.Fault{Call: "proxy_get_header_map_pairs", Kind: host.FaultMalformedResult, Count: 1})
	failed, err := h.Do(context.Background(), &host.Request{
		Worker: 0, Method: "GET", Path: "/orders", Authority: "api.example.com", Scheme: "https",
		Headers: [][2]string{{"x-api-key", keyReader.Key}}, SourceAddress: "10.0.0.1:40000",
	}, nil)
	require.NoError(t, err)

	require.Equal(t, 500, failed.Response.Status)
	require.Nil(t, failed.Upstream)
	require.Equal(t, "internal_error", decodeError(t, failed).Code)
	require.True(t, loggedAtLeast(h, host.LogCritical, "recovered panic"), "the panic was not logged")

	next, err := h.Do(context.Background(), &host.Request{
		Worker: 0, Method: "GET", Path: "/orders", Authority: "api.example.com", Scheme: "https",
		Headers: [][2]string{{"x-api-key", keyReader.Key}}, SourceAddress: "10.0.0.1:40000",
	}, nil)
	require.NoError(t, err)
	require.Equal(t, 200, next.Response.Status, "the VM stopped serving after the panic")
}

func TestPanicFailOpen(t *testing.T) {
	config := `{"failure_policy": "fail_open", "api_keys": {"keys": [{"id": "reader", "digest": "` + keyReader.Digest + `"}]}}`
	h, _ := startHost(t, config)

	h.InjectFault(host.Fault{Call: "proxy_get_header_map_pairs", Kind: host.FaultMalformedResult, Count: 1})
	result := get(t, h, "/orders")

	require.Equal(t, 200, result.Response.Status)
	require.NotNil(t, result.Upstream, "fail_open must let the request through")
	require.True(t, loggedAtLeast(h, host.LogWarn, "fail_open"))
}

func loggedAtLeast(h *host.Host, level host.LogLevel, fragment string) bool {
	for _, entry := range h.Logs() {
		if entry.Level >= level && containsAny(entry.Message, fragment) {
			return true
		}
	}
	return false
}
