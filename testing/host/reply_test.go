package host

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLocalReplyPassesOwnResponseCallbacks(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest(
		"request-headers", "reply 403 access%20denied nope -1 X-Reason bad",
		"response-headers", "get 2 :status; add 2 x-seen yes; prop response/code",
		"response-body", "buf 1 0 100",
	)
	s := h.Worker(0).NewStream(req)

	require.Equal(t, Action(4), s.RequestHeaders(true), "a local reply forces StopAllIterationAndWatermark")
	s.Done()
	res := s.Result()

	require.Nil(t, res.Upstream)
	require.Equal(t, &LocalReply{Status: 403, Details: "access_denied", Body: []byte("nope"),
		Headers: [][2]string{{"x-reason", "bad"}}, GRPCStatus: -1}, res.LocalReply)
	require.Equal(t, &Response{Status: 403, Body: []byte("nope"), Headers: [][2]string{
		{"x-reason", "bad"}, {"content-length", "4"}, {"content-type", "text/plain"}, {"x-seen", "yes"},
	}}, res.Response)
	requireLine(t, res, "get 2 :status st=0 v=403")
	requireLine(t, res, "prop response/code st=0 hex=9301000000000000")
	requireLine(t, res, "buf 1 st=0 v=nope")
	require.Equal(t, "create,request-headers,response-headers,response-body,log,done,delete", string(res.FilterState["wasm.test.trace"]))
}

func TestLocalReplyFromResponseHeadersBypassesFilter(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("response-headers", "reply 500 late oops -1")

	res, err := h.Do(testCtx(t), req, func(*UpstreamRequest) *Response {
		return &Response{Status: 200, Body: []byte("upstream body")}
	})
	require.NoError(t, err)

	require.NotNil(t, res.Upstream)
	require.Equal(t, 500, res.Response.Status)
	require.Equal(t, "oops", string(res.Response.Body))
	require.Equal(t, "create,request-headers,response-headers,log,done,delete", string(res.FilterState["wasm.test.trace"]))
}

func TestLocalReplyAfterResponseHeadersResetsStream(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("response-body", "reply 500 late oops -1")

	res, err := h.Do(testCtx(t), req, func(*UpstreamRequest) *Response {
		return &Response{Status: 200, Body: []byte("upstream body")}
	})
	require.NoError(t, err)

	require.True(t, res.Reset)
	require.Nil(t, res.Response)
}

func TestLocalReplyToGRPCRequest(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-headers", "reply 403 denied no%20way -1")
	req.Headers = append(req.Headers, [2]string{"content-type", "application/grpc"})

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	require.Equal(t, &Response{Status: 200, Headers: [][2]string{
		{"content-type", "application/grpc"}, {"grpc-status", "7"}, {"grpc-message", "no way"},
	}}, res.Response)
}

func TestCloseStreamResets(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "close 0"), nil)
	require.NoError(t, err)

	require.True(t, res.Reset)
	require.Nil(t, res.Response)
}

func TestLocalReplyFromRootIsNoop(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, PluginConfig: []byte("on-configure: reply 403 x y -1")})

	require.Contains(t, rootOutput(h), "reply st=0")
	res, err := h.Do(testCtx(t), &Request{}, nil)
	require.NoError(t, err)
	require.Equal(t, 200, res.Response.Status)
}
