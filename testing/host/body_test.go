package host

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRequestBodyBufferingAccumulates(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-body", "buf 0 0 100; bufstatus 0; ret 1; reteos 0")
	req.BodyChunks = [][]byte{[]byte("ab"), []byte("cd"), []byte("ef")}

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	require.Equal(t, []string{
		"buf 0 st=0 v=ab", "bufstatus 0 st=0 n=2",
		"buf 0 st=0 v=abcd", "bufstatus 0 st=0 n=4",
		"buf 0 st=0 v=abcdef", "bufstatus 0 st=0 n=6",
	}, outLines(res))
	require.Equal(t, "abcdef", string(res.Upstream.Body))
}

func TestRequestBodyChunksWithoutBuffering(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-body", "buf 0 0 100; buf 0 1 1; buf 0 5 1")
	req.BodyChunks = [][]byte{[]byte("ab"), []byte("cd")}

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	require.Equal(t, []string{
		"buf 0 st=0 v=ab", "buf 0 st=0 v=b", "buf 0 st=0 v=",
		"buf 0 st=0 v=cd", "buf 0 st=0 v=d", "buf 0 st=0 v=",
	}, outLines(res))
	require.Equal(t, "abcd", string(res.Upstream.Body))
}

func TestRequestBodyWatermarkShowsNewestChunk(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-body", "buf 0 0 100; ret 2; reteos 0")
	req.BodyChunks = [][]byte{[]byte("ab"), []byte("cd")}

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	require.Equal(t, []string{"buf 0 st=0 v=ab", "buf 0 st=0 v=cd"}, outLines(res))
	require.Equal(t, "abcd", string(res.Upstream.Body), "watermark keeps the data")
}

func TestRequestBodyNoBufferDropsChunk(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-body", "ret 3; reteos 0")
	req.BodyChunks = [][]byte{[]byte("ab"), []byte("cd")}

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	require.Equal(t, "cd", string(res.Upstream.Body))
}

func TestSetBufferBytes(t *testing.T) {
	cases := []struct {
		name, cmd, want, status string
	}{
		{"prepend with size 0", "setbuf 0 0 0 pre", "prebody", "0"},
		{"replace the first bytes", "setbuf 0 0 2 XY", "XYdy", "0"},
		{"replace everything", "setbuf 0 0 2147483647 new", "new", "0"},
		{"append at the end", "setbuf 0 4 0 end", "bodyend", "0"},
		{"append past the end", "setbuf 0 100 9 end", "bodyend", "0"},
		{"start inside the body", "setbuf 0 1 0 x", "body", "2"},
		{"read-only buffer", "setbuf 6 0 0 x", "body", "2"},
	}
	h := newTestHost(t, Options{Workers: 1})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := cmdRequest("request-body", tc.cmd)
			req.Body = []byte("body")

			res, err := h.Do(testCtx(t), req, nil)
			require.NoError(t, err)

			requireLine(t, res, "setbuf "+tc.cmd[7:8]+" st="+tc.status)
			require.Equal(t, tc.want, string(res.Upstream.Body))
		})
	}
}

func TestBodyCallbackCreatesTrailers(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-body", "get 1 x; add 1 x-trailer t; get 1 x-trailer")
	req.Body = []byte("abc")

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	requireLine(t, res, "get 1 x st=2", "no trailer map before the filter creates it")
	requireLine(t, res, "get 1 x-trailer st=0 v=t")
	require.Equal(t, [][2]string{{"x-trailer", "t"}}, res.Upstream.Trailers)
}

func TestRequestTrailersThroughFilter(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-body", "ret 1", "request-trailers", "get 1 grpc-x; add 1 y z; buf 0 0 10")
	req.Body = []byte("held")
	req.Trailers = [][2]string{{"grpc-x", "1"}}

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	requireLine(t, res, "get 1 grpc-x st=0 v=1")
	requireLine(t, res, "buf 0 st=0 v=", "the body is not visible from the trailers callback")
	require.Equal(t, "held", string(res.Upstream.Body), "held body passes with the trailers")
	require.Equal(t, [][2]string{{"grpc-x", "1"}, {"y", "z"}}, res.Upstream.Trailers)
}

func TestResponseBodyThroughFilter(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("response-headers", "replace 2 x-up changed; add 2 x-filter 1", "response-body", "setbuf 1 0 0 <; setbuf 1 99 0 >")

	res, err := h.Do(testCtx(t), req, func(*UpstreamRequest) *Response {
		return &Response{Status: 202, Headers: [][2]string{{"X-Up", "orig"}}, Body: []byte("body"), Trailers: [][2]string{{"t", "1"}}}
	})
	require.NoError(t, err)

	require.Equal(t, &Response{
		Status:   202,
		Headers:  [][2]string{{"x-up", "changed"}, {"x-filter", "1"}},
		Body:     []byte("<body>"),
		Trailers: [][2]string{{"t", "1"}},
	}, res.Response)
}
