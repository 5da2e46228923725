package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/bulwark-dev/bulwark/filter/config"
)

// compilationCache lets the tests' proxies share the compiled module.
var compilationCache = wazero.NewCompilationCache()

// demoKey is the key that README.md shows for examples/quickstart.json.
const demoKey = "bwk_uFAvrNLJSPXX-A3UYQ-6qCTXLVlmbJmyyM3C3-ILMAQ"

// startProxy serves build/bulwark.wasm with the quickstart configuration on a
// loopback test server and returns its URL and the proxy's log.
func startProxy(t *testing.T, upstream string) (string, *bytes.Buffer) {
	t.Helper()
	if _, err := os.Stat("../../build/bulwark.wasm"); err != nil {
		t.Fatalf("%v: build the filter first with `make build`", err)
	}

	var logs bytes.Buffer
	proxy, err := newProxy(context.Background(), serveOptions{
		configPath: "../../examples/quickstart.json",
		upstream:   upstream,
		workers:    2,
		wasmPath:   "../../build/bulwark.wasm",
		logLevel:   "debug",
		clusters:   clusterFlags{},
		cache:      compilationCache,
	}, log.New(&logs, "", 0))
	require.NoError(t, err)
	t.Cleanup(func() { proxy.Close(context.Background()) })

	server := httptest.NewServer(proxy)
	t.Cleanup(server.Close)
	return server.URL, &logs
}

func send(t *testing.T, url string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for name, value := range headers {
		req.Header.Set(name, value)
	}

	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestServeEchoQuickstart(t *testing.T) {
	url, logs := startProxy(t, "")

	resp, body := send(t, url+"/anything", map[string]string{"x-api-key": demoKey})
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var echo struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
	}
	require.NoError(t, json.Unmarshal(body, &echo))
	require.Equal(t, "GET", echo.Method)
	require.Equal(t, "/anything", echo.Path)
	require.Equal(t, "demo", echo.Headers["x-bulwark-client-id"])
	require.NotContains(t, echo.Headers, "x-api-key")

	resp, body = send(t, url+"/anything", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("content-type"))
	require.Contains(t, string(body), `"code":"missing_credential"`)

	require.Contains(t, logs.String(), "status=200 decision=allow client_id=demo")
	require.Contains(t, logs.String(), "status=401 decision=deny:missing_credential")
	require.NotContains(t, logs.String(), demoKey, "the proxy log leaked the key")
}

func TestServeForwardsToUpstream(t *testing.T) {
	var seen *http.Request
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Clone(context.Background())
		w.Header().Set("x-upstream", "yes")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "from upstream")
	}))
	t.Cleanup(upstream.Close)
	url, _ := startProxy(t, upstream.URL)

	resp, body := send(t, url+"/v1/items?page=2", map[string]string{"authorization": "ApiKey " + demoKey})

	require.Equal(t, http.StatusTeapot, resp.StatusCode)
	require.Equal(t, "from upstream", string(body))
	require.Equal(t, "yes", resp.Header.Get("x-upstream"))
	require.NotNil(t, seen)
	require.Equal(t, "/v1/items?page=2", seen.URL.RequestURI())
	require.Equal(t, "demo", seen.Header.Get("x-bulwark-client-id"))
	require.Empty(t, seen.Header.Get("authorization"))
}

func TestServeRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "cluster without url", args: []string{"serve", "-cluster", "ratelimit"}, want: "expected NAME=URL"},
		{name: "cluster not http", args: []string{"serve", "-cluster", "rl=ftp://127.0.0.1"}, want: "http://"},
		{name: "workers zero", args: []string{"serve", "-workers", "0"}, want: "invalid -workers 0"},
		{name: "unknown log level", args: []string{"serve", "-log-level", "verbose"}, want: `invalid -log-level "verbose"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCommand(tc.args...)

			require.Equal(t, 2, code)
			require.Contains(t, stderr, tc.want)
		})
	}
}

func TestServeMissingModule(t *testing.T) {
	code, _, stderr := runCommand("serve", "-wasm", "/nonexistent/bulwark.wasm", "-listen", "127.0.0.1:0")

	require.Equal(t, 1, code)
	require.Contains(t, stderr, "make build")
}

func TestServeRejectsBadConfig(t *testing.T) {
	path := writeFile(t, `{"routes": "all"}`)

	code, _, stderr := runCommand("serve", "-config", path, "-wasm", "../../build/bulwark.wasm", "-listen", "127.0.0.1:0")

	require.Equal(t, 1, code)
	require.Contains(t, stderr, "routes")
}

// TestServeLogCannotBeForged checks that an encoded newline in the path
// stays inside one quoted log line and that the query is never logged.
func TestServeLogCannotBeForged(t *testing.T) {
	url, logs := startProxy(t, "")

	send(t, url+"/x%0a2026/12/04%20GET%20/admin%20status=200?api_key=bwk_secret_in_query", nil)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var requestLines []string
	for _, line := range lines {
		if strings.HasPrefix(line, "GET ") {
			requestLines = append(requestLines, line)
		}
	}
	require.Len(t, requestLines, 1, "log:\n%s", logs.String())
	require.Contains(t, requestLines[0], `GET "/x%0a2026/12/04%20GET%20/admin%20status=200" status=400`)
	require.NotContains(t, logs.String(), "bwk_secret_in_query")
}

// TestServePassesRawPath checks that the filter sees the request target as
// the client sent it, as in Envoy, so a CONNECT authority is rejected.
func TestServePassesRawPath(t *testing.T) {
	url, _ := startProxy(t, "")

	resp, body := send(t, url+"/a%2Fb", map[string]string{"x-api-key": demoKey})

	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
	require.Contains(t, string(body), `"code":"malformed_request"`)
}

func TestStreamTimeoutCoversKeyWait(t *testing.T) {
	data, err := os.ReadFile("../../examples/jwt-remote-jwks.json")
	require.NoError(t, err)
	long := strings.Replace(string(data), `"wait_for_first_fetch": "5s"`, `"wait_for_first_fetch": "45s"`, 1)
	require.NotEqual(t, string(data), long, "the example no longer sets wait_for_first_fetch")

	short, err := config.Parse(data)
	require.NoError(t, err)
	require.Equal(t, 10*time.Second, streamTimeout(short))

	cfg, err := config.Parse([]byte(long))
	require.NoError(t, err)
	require.Equal(t, 50*time.Second, streamTimeout(cfg))
}

func TestServeRequiresCalloutClusters(t *testing.T) {
	_, err := newProxy(context.Background(), serveOptions{
		configPath: "../../examples/cluster-rate-limits.json",
		workers:    1,
		wasmPath:   "../../build/bulwark.wasm",
		logLevel:   "info",
		clusters:   clusterFlags{},
		cache:      compilationCache,
	}, log.New(io.Discard, "", 0))
	require.ErrorContains(t, err, `sends callouts to the cluster "ratelimit"; pass -cluster ratelimit=http://127.0.0.1:PORT`)
}
