package main

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// These tests run the plugin natively against the SDK's proxytest emulator.
// The end-to-end tests in testing/e2e run the same code compiled to wasm.

const testKey = "bwk_plugin_test_key_0123456789abcdef"

func testConfig() string {
	sum := sha256.Sum256([]byte(testKey))
	return `{
		"api_keys": {"keys": [{"id": "tester", "digest": "` + hex.EncodeToString(sum[:]) + `", "scopes": ["read"]}]},
		"routes": [{"name": "health", "match": {"path": "/healthz"}, "auth": "none"}]
	}`
}

func startEmulator(t *testing.T, config string) proxytest.HostEmulator {
	t.Helper()
	opt := proxytest.NewEmulatorOption().
		WithVMContext(&vmContext{}).
		WithPluginConfiguration([]byte(config))
	host, reset := proxytest.NewHostEmulator(opt)
	t.Cleanup(reset)
	return host
}

func requestHeaders(path string, extra ...[2]string) [][2]string {
	headers := [][2]string{
		{":authority", "api.example.com"},
		{":method", "GET"},
		{":path", path},
		{":scheme", "https"},
	}
	return append(headers, extra...)
}

func TestPluginStartRejectsBadConfig(t *testing.T) {
	host := startEmulator(t, `{"routez": []}`)

	require.Equal(t, types.OnPluginStartStatusFailed, host.StartPlugin())
	logs := host.GetCriticalLogs()
	require.Len(t, logs, 1)
	require.Contains(t, logs[0], "routez")
}

func TestPluginStartAcceptsEmptyConfig(t *testing.T) {
	host := startEmulator(t, "")

	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())
}

func TestPluginAllowsValidKey(t *testing.T) {
	host := startEmulator(t, testConfig())
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())

	id := host.InitializeHttpContext()
	action := host.CallOnRequestHeaders(id, requestHeaders("/orders", [2]string{"x-api-key", testKey}, [2]string{"x-bulwark-client-id", "spoofed"}), true)

	require.Equal(t, types.ActionContinue, action)
	require.Nil(t, host.GetSentLocalResponse(id))
	forwarded := host.GetCurrentRequestHeaders(id)
	require.Contains(t, forwarded, [2]string{"x-bulwark-client-id", "tester"})
	require.NotContains(t, forwarded, [2]string{"x-bulwark-client-id", "spoofed"})
	for _, header := range forwarded {
		require.NotEqual(t, "x-api-key", header[0], "the credential reached the upstream")
	}
}

func TestPluginDeniesMissingKey(t *testing.T) {
	host := startEmulator(t, testConfig())
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())

	id := host.InitializeHttpContext()
	action := host.CallOnRequestHeaders(id, requestHeaders("/orders"), true)

	require.Equal(t, types.ActionPause, action)
	reply := host.GetSentLocalResponse(id)
	require.NotNil(t, reply)
	require.Equal(t, uint32(401), reply.StatusCode)
	require.Contains(t, string(reply.Data), `"code":"missing_credential"`)
}

func TestPluginPublicRoute(t *testing.T) {
	host := startEmulator(t, testConfig())
	require.Equal(t, types.OnPluginStartStatusOK, host.StartPlugin())

	id := host.InitializeHttpContext()
	action := host.CallOnRequestHeaders(id, requestHeaders("/healthz"), true)

	require.Equal(t, types.ActionContinue, action)
	require.Nil(t, host.GetSentLocalResponse(id))
}
