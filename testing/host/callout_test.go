package host

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCalloutToLoopbackServerResumesStream(t *testing.T) {
	var seen *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Clone(r.Context())
		w.Header().Set("X-Answer", "yes")
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	h := newTestHost(t, Options{Workers: 1, Clusters: map[string]string{"auth": srv.URL}})
	req := cmdRequest(
		"request-headers", "callout auth GET /check?x=1 auth.local 1000; ret 1",
		"callout", "get 6 x-answer; add 0 x-late 1; continue 0",
	)
	req.Body = []byte("request body")

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	require.Equal(t, "/check?x=1", seen.URL.RequestURI())
	require.Equal(t, "auth.local", seen.Host)
	require.Equal(t, "1", seen.Header.Get("X-Callout"))
	requireLine(t, res, "callout st=0 token=4")
	line := outLine(t, res, "callout-response token=4")
	require.Contains(t, line, "body=2 trailers=0 status=200 text=ok")
	requireLine(t, res, "get 6 x-answer st=0 v=yes")
	requireLine(t, res, "add 0 x-late st=0", "a paused stream's request headers stay writable through the effective context")
	require.Equal(t, "1", res.Upstream.Header("x-late"))
	require.Equal(t, "request body", string(res.Upstream.Body), "the body waited for the resume")
	require.Equal(t, 200, res.Response.Status)
}

func TestCalloutToHandlerDeniesRequest(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("bad key"))
	})
	h := newTestHost(t, Options{Workers: 1, Handlers: map[string]http.Handler{"authz": handler}})
	req := cmdRequest(
		"request-headers", "callout authz POST /v1 authz 500 payload; ret 1",
		"callout", "buf 4 0 100; reply 401 denied no -1",
	)

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	requireLine(t, res, "buf 4 st=0 v=bad key")
	require.Nil(t, res.Upstream)
	require.Equal(t, 401, res.Response.Status)
	require.Equal(t, "denied", res.LocalReply.Details)
}

func TestCalloutTimeoutIs504(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	h := newTestHost(t, Options{Workers: 1, Handlers: map[string]http.Handler{"slow": handler}})
	req := cmdRequest("request-headers", "callout slow GET / slow 50; ret 1", "callout", "continue 0")

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	line := outLine(t, res, "callout-response token=4")
	require.Contains(t, line, "status=504 text=upstream%20request%20timeout")
}

func TestCalloutConnectionFailureIs503(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + ln.Addr().String()
	ln.Close()
	h := newTestHost(t, Options{Workers: 1, Clusters: map[string]string{"down": closedURL}})
	req := cmdRequest("request-headers", "callout down GET / down 1000; ret 1", "callout", "continue 0")

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	line := outLine(t, res, "callout-response token=4")
	require.Contains(t, line, "status=503 text=upstream%20connect%20error%20or%20disconnect%2Freset%20before%20headers.%20reset%20reason:%20connection%20failure")
}

func TestCalloutBadArguments(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := newTestHost(t, Options{Workers: 1, Handlers: map[string]http.Handler{"c": handler}})
	cases := map[string]string{
		"unknown cluster":    "callout nope GET / a 100",
		"missing :method":    "callout c - / a 100",
		"missing :path":      "callout c GET - a 100",
		"missing :authority": "callout c GET / - 100",
		"timeout of 2^31 ms": "callout c GET / a 2147483648",
	}
	for name, cmd := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := h.Do(testCtx(t), cmdRequest("request-headers", cmd), nil)
			require.NoError(t, err)
			requireLine(t, res, "callout st=2 token=0")
		})
	}
}

func TestCalloutTokensPerVM(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := newTestHost(t, Options{Workers: 1, Handlers: map[string]http.Handler{"c": handler}})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "callout c GET / a 100; callout c GET / a 100"), nil)
	require.NoError(t, err)
	require.NoError(t, h.WaitIdle(testCtx(t)))

	require.Equal(t, []string{"callout st=0 token=4", "callout st=0 token=8"}, outLines(res)[:2])
	require.Contains(t, strings.Join(rootOutput(h), "\n"), "stream-gone", "a response outlives its stream and reaches the root")
}

func TestCalloutFromRootContext(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("pong")) })
	h := newTestHost(t, Options{Workers: 1, Handlers: map[string]http.Handler{"c": handler},
		PluginConfig: []byte("on-configure: callout c GET /ping a 100\non-callout: status")})
	require.NoError(t, h.WaitIdle(testCtx(t)))

	out := rootOutput(h)
	require.Equal(t, "callout st=0 token=4", out[0])
	require.True(t, strings.HasPrefix(out[1], "callout-response token=4 headers="), out[1])
	require.Contains(t, out[1], "status=200 text=pong")
	require.Equal(t, "status st=0 code=0 message=", out[2], "a successful callout leaves the status untouched")
}

func TestNewRejectsNonLoopbackCluster(t *testing.T) {
	_, err := New(testCtx(t), testWasm(t), Options{Clusters: map[string]string{"x": "http://192.0.2.1:80"}})
	require.ErrorContains(t, err, `cluster "x": base URL "http://192.0.2.1:80" is not a loopback address`)
}
