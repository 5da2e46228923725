package host

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRequestHeaderEditsReachUpstream(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-headers", "add 0 x-new 1; replace 0 x-keep changed; remove 0 x-drop; add 0 X-Upper v; replace 0 :path /rewritten")
	req.Headers = append(req.Headers, [2]string{"x-keep", "a"}, [2]string{"x-keep", "b"}, [2]string{"x-drop", "1"}, [2]string{"X-Drop", "2"})

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	up := res.Upstream
	require.NotNil(t, up)
	require.Equal(t, "/rewritten", up.Path)
	require.Equal(t, "1", up.Header("x-new"))
	require.Equal(t, "v", up.Header("x-upper"), "the host lower-cases added keys")
	require.Equal(t, "", up.Header("x-drop"))
	var keep []string
	for _, p := range up.Headers {
		if p[0] == "x-keep" {
			keep = append(keep, p[1])
		}
	}
	require.Equal(t, []string{"changed"}, keep, "replace leaves one entry")
}

func TestRequestHeaderMapOrderAndCount(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-headers", "pairs 0")
	req.Path, req.Method, req.Scheme, req.ID = "/p", "PUT", "https", "rid-1"

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	line := outLine(t, res, "pairs 0 st=0")
	pairs := ParseHeaderMap(hexField(t, line))
	require.Equal(t, [][2]string{
		{":authority", "example.com"}, {":path", "/p"}, {":method", "PUT"}, {":scheme", "https"},
		{"x-on-request-headers", "pairs 0"}, {"x-request-id", "rid-1"}, {"x-forwarded-proto", "https"},
	}, pairs)
}

func TestSetHeaderMapPairsReplacesEverything(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "setpairs 0 :path /new :method POST :authority a X-Only y"), nil)
	require.NoError(t, err)

	require.Equal(t, &UpstreamRequest{Method: "POST", Path: "/new", Authority: "a", Headers: [][2]string{{"x-only", "y"}}}, res.Upstream)
}

func TestSetHeaderMapPairsMalformedClearsMap(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "setraw 0 0200000001000000"), nil)
	require.NoError(t, err)

	requireLine(t, res, "setraw 0 st=0")
	require.Equal(t, &UpstreamRequest{}, res.Upstream, "malformed pairs parse as empty, which clears the map")
}

// TestHostcallStatus pins the status of calls made with bad arguments or
// outside their availability window, from on_request_headers.
func TestHostcallStatus(t *testing.T) {
	cases := []struct {
		cmd, want string
	}{
		{"get 9 x", "get 9 x st=2"},
		{"get 0 missing", "get 0 missing st=1"},
		{"get 0 :PATH", "get 0 :PATH st=0 v=/"},
		{"get 2 :status", "get 2 :status st=2"},
		{"get 6 :status", "get 6 :status st=2"},
		{"get 1 x", "get 1 x st=2"},
		{"pairs 2", "pairs 2 st=0 hex="},
		{"pairs 8", "pairs 8 st=2"},
		{"add 1 k v", "add 1 k st=2"},
		{"add 4 k v", "add 4 k st=2"},
		{"add 6 k v", "add 6 k st=2"},
		{"remove 0 absent", "remove 0 absent st=0"},
		{"size 6", "size 6 st=2"},
		{"size 2", "size 2 st=2"},
		{"buf 9 0 10", "buf 9 st=2"},
		{"buf 7 0 10", "buf 7 st=1"},
		{"buf 4 0 10", "buf 4 st=1"},
		{"buf 2 0 10", "buf 2 st=1"},
		{"buf 0 0 10", "buf 0 st=0 v="},
		{"buf 0 4294967295 2", "buf 0 st=2"},
		{"bufstatus 0", "bufstatus 0 st=0 n=0"},
		{"setbuf 0 0 0 x", "setbuf 0 st=2"},
		{"setbuf 6 0 0 x", "setbuf 6 st=2"},
		{"badmem", "badmem st=6"},
		{"continue 2", "continue st=0"},
		{"continue 3", "continue st=12"},
		{"continue 4", "continue st=2"},
		{"close 4", "close st=2"},
		{"effective 999", "effective st=2"},
		{"effective 1", "effective st=0"},
		{"effective 0", "effective st=0"},
		{"prop %00", "prop \x00 st=3"},
		{"prop nope", "prop nope st=1"},
		{"log 6 x", "log st=2"},
		{"define 3 x", "define st=2 id=0"},
		{"incr 999 1", "incr st=1"},
		{"done", "done st=1"},
		{"queue-dequeue 999", "queue-dequeue st=1 v="},
		{"queue-enqueue 999 x", "queue-enqueue st=1"},
		{"queue-resolve - nope", "queue-resolve st=1 token=0"},
		{"foreign nope 00", "foreign st=1 hex="},
		{"alloc-fail; get 0 :path", "get 0 :path st=6 v="},
		{"loglevel", "loglevel st=0 level=0"},
	}
	h := newTestHost(t, Options{Workers: 1})
	for _, tc := range cases {
		t.Run(tc.cmd, func(t *testing.T) {
			res, err := h.Do(testCtx(t), cmdRequest("request-headers", tc.cmd), nil)
			require.NoError(t, err)
			requireLine(t, res, tc.want)
		})
	}
}

func TestRequestHeadersUnavailableAfterContinue(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest(
		"request-body", "get 0 :path; pairs 0; add 0 x y; prop request/path",
		"response-headers", "get 0 :path; size 2",
		"log", "get 0 :path; get 1 x; get 2 :status; add 2 x y; prop request/path",
	)
	req.Body = []byte("body")

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	requireLine(t, res, "get 0 :path st=2", "body callback")
	requireLine(t, res, "pairs 0 st=0 hex=")
	requireLine(t, res, "add 0 x st=2")
	requireLine(t, res, "prop request/path st=1", "header-derived properties follow the header pointers")
	requireLine(t, res, "size 2 st=0 n="+itoa(len(":status200")))
	requireLine(t, res, "get 0 :path st=0 v=/", "on_log reads the final request headers")
	requireLine(t, res, "get 1 x st=1", "unavailable maps are NotFound in on_log")
	requireLine(t, res, "get 2 :status st=0 v=200")
	requireLine(t, res, "add 2 x st=2", "on_log is read-only")
	requireLine(t, res, "prop request/path st=0 hex="+hexOf("/"))
}

func TestPausedRequestHeadersStayWritable(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, Transcript: true})
	w := h.Worker(0)
	s := w.NewStream(cmdRequest("request-headers", "ret 1"))
	require.Equal(t, ActionPause, s.RequestHeaders(false))
	require.True(t, s.Paused())
	require.Equal(t, ActionQueued, s.RequestBody([]byte("x"), true), "body waits while headers are paused")
	require.Nil(t, s.Upstream())

	s2 := w.NewStream(cmdRequest("request-headers", "effective "+itoa(int(s.ContextID()))+"; add 0 x-from-other 1; continue 0"))
	s2.RequestHeaders(true)

	require.False(t, s.Paused())
	require.True(t, s.RequestComplete())
	up := s.Upstream()
	require.Equal(t, "1", up.Header("x-from-other"))
	require.Equal(t, "x", string(up.Body))
	s.Done()
	s2.Done()
}

func hexField(t testing.TB, line string) []byte {
	t.Helper()
	_, h, ok := strings.Cut(line, "hex=")
	require.True(t, ok, "no hex= in %q", line)
	return unhex(t, h)
}
