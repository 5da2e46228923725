package host

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStreamCallbackOrder(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("log", "log 2 in-log")
	req.Body = []byte("b")
	req.Trailers = [][2]string{{"t", "1"}}

	res, err := h.Do(testCtx(t), req, func(*UpstreamRequest) *Response {
		return &Response{Status: 200, Body: []byte("r"), Trailers: [][2]string{{"rt", "1"}}}
	})
	require.NoError(t, err)

	require.Equal(t,
		"create,request-headers,request-body,request-trailers,response-headers,response-body,response-trailers,log,done,delete",
		string(res.FilterState["wasm.test.trace"]), "Envoy calls on_log before on_done and on_delete")
}

func TestContextIDsPerWorker(t *testing.T) {
	h := newTestHost(t, Options{Workers: 2})
	ids := map[int][]uint32{}
	for i := 0; i < 4; i++ {
		req := &Request{Worker: i % 2}
		res, err := h.Do(testCtx(t), req, nil)
		require.NoError(t, err)
		ids[res.Worker] = append(ids[res.Worker], res.ContextID)
	}
	require.Equal(t, map[int][]uint32{0: {2, 3}, 1: {2, 3}}, ids, "root is context 1 on each VM")
}

func TestRoundRobinWorkers(t *testing.T) {
	h := newTestHost(t, Options{Workers: 2})
	var workers []int
	for i := 0; i < 4; i++ {
		res, err := h.Do(testCtx(t), NewRequest("GET", "/"), nil)
		require.NoError(t, err)
		workers = append(workers, res.Worker)
	}
	require.Equal(t, []int{0, 1, 0, 1}, workers)

	_, err := h.Do(testCtx(t), &Request{Worker: 2}, nil)
	require.ErrorContains(t, err, "request worker 2 is out of range")
}

func TestNewFailsWhenConfigureRejects(t *testing.T) {
	_, err := New(context.Background(), testWasm(t), Options{
		CompilationCache: testModule.cache,
		PluginConfig:     []byte("on-configure: log 4 rate_limits[0].window%3A%20invalid%20duration; ret 0"),
	})
	require.ErrorContains(t, err, "proxy_on_configure returned false")
	require.ErrorContains(t, err, "rate_limits[0].window: invalid duration")
}

func TestNewFailsWhenVMStartRejects(t *testing.T) {
	_, err := New(context.Background(), testWasm(t), Options{
		CompilationCache: testModule.cache,
		PluginConfig:     []byte("on-vm-start: log 5 no%20vm; ret 0"),
	})
	require.ErrorContains(t, err, "proxy_on_vm_start returned false")
	require.ErrorContains(t, err, "no vm")
}

func TestNewRejectsModuleWithoutABI(t *testing.T) {
	// A minimal valid module: magic and version only.
	_, err := New(context.Background(), []byte("\x00asm\x01\x00\x00\x00"), Options{})
	require.ErrorContains(t, err, "exports no proxy_abi_version_* function")
}

func TestStartSequenceConfiguration(t *testing.T) {
	config := "on-vm-start: buf 6 0 100; buf 7 0 100\non-configure: buf 7 0 3; bufstatus 7"
	h := newTestHost(t, Options{Workers: 1, VMConfig: []byte("vm-config"), PluginConfig: []byte(config)})

	require.Equal(t, []string{
		"buf 6 st=0 v=vm-config",
		"buf 7 st=1 v=", // the plugin configuration is readable in on_configure only
		"buf 7 st=0 v=on-",
		"bufstatus 7 st=0 n=" + itoa(len(config)),
	}, rootOutput(h))
}

func TestTrapFailsVMClosed(t *testing.T) {
	h := newTestHost(t, Options{Workers: 2})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "trap"), nil)
	require.NoError(t, err)

	want := &LocalReply{Status: 503, Details: "wasm_fail_stream", GRPCStatus: 14}
	require.Equal(t, want, res.LocalReply)
	require.Equal(t, &Response{Status: 503}, res.Response, "fail-closed reply has an empty body")
	require.Nil(t, res.Upstream)
	require.True(t, h.Failed(0))
	require.False(t, h.Failed(1))
	critical := h.LogsAt(LogCritical)
	require.Len(t, critical, 1)
	require.Contains(t, critical[0].Message, "proxy_on_request_headers trapped")
	require.Contains(t, joinMessages(h.LogsAt(LogError)), "assignment to entry in nil map", "the Go runtime's panic message reaches the error log")

	res, err = h.Do(testCtx(t), cmdRequest("request-headers", "log 2 should-not-run"), nil)
	require.NoError(t, err)
	require.Equal(t, want, res.LocalReply, "later streams on the failed worker get the same reply")
	require.Empty(t, res.FilterState, "no callback reaches a failed VM")

	res, err = h.Do(testCtx(t), &Request{Worker: 1}, nil)
	require.NoError(t, err)
	require.Equal(t, 200, res.Response.Status, "other workers keep serving")
}

func TestTrapInResponseAfterHeadersSentResets(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	res, err := h.Do(testCtx(t), cmdRequest("response-body", "trap"), func(*UpstreamRequest) *Response {
		return &Response{Status: 200, Body: []byte("x")}
	})
	require.NoError(t, err)
	require.True(t, res.Reset)
	require.True(t, h.Failed(0))
}

func TestMalformedHeaderMapPanicsInModule(t *testing.T) {
	t.Run("recovered by the module", func(t *testing.T) {
		h := newTestHost(t, Options{Workers: 1})
		require.NoError(t, h.InjectFault(Fault{Call: "proxy_get_header_map_pairs", Kind: FaultMalformedResult, After: 1, Count: 1}))

		res, err := h.Do(testCtx(t), cmdRequest("request-headers", "guardedpairs 0"), nil)
		require.NoError(t, err)

		requireLine(t, res, "guardedpairs recovered")
		require.Equal(t, 500, res.Response.Status)
		require.Equal(t, "internal_error", res.LocalReply.Details)
		require.False(t, h.Failed(0), "a recovered panic is a normal callback")
		require.Equal(t, 0, h.PendingFaults())
	})
	t.Run("not recovered", func(t *testing.T) {
		h := newTestHost(t, Options{Workers: 1})
		require.NoError(t, h.InjectFault(Fault{Call: "proxy_get_header_map_pairs", Kind: FaultMalformedResult, After: 1, Count: 1}))

		res, err := h.Do(testCtx(t), cmdRequest("request-headers", "strictpairs 0"), nil)
		require.NoError(t, err)

		require.Equal(t, "wasm_fail_stream", res.LocalReply.Details)
		require.True(t, h.Failed(0))
		require.Contains(t, joinMessages(h.LogsAt(LogError)), "out of range")
	})
}

func TestFaultStatus(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	require.NoError(t, h.InjectFault(Fault{Call: "proxy_get_property", Kind: FaultStatus, Status: StatusInternalFailure, Count: 2}))

	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "prop plugin_name; prop plugin_name; prop plugin_name"), nil)
	require.NoError(t, err)

	require.Equal(t, []string{
		"prop plugin_name st=10 hex=", "prop plugin_name st=10 hex=", "prop plugin_name st=0 hex=" + hexOf("bulwark"),
	}, outLines(res))
	require.Error(t, h.InjectFault(Fault{Call: "proxy_nope", Kind: FaultStatus}))
	require.Error(t, h.InjectFault(Fault{Call: "proxy_log", Kind: FaultCasMismatch}))
}

func TestCloseShutsRootsDown(t *testing.T) {
	h, err := New(context.Background(), testWasm(t), Options{
		Workers: 2, CompilationCache: testModule.cache, PluginConfig: []byte("on-done: log 2 root%20done"),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	require.NoError(t, h.Close(ctx))

	out := rootOutput(h)
	require.Equal(t, 2, strings.Count(strings.Join(out, "\n"), "root-deleted"), "on_delete follows an on_done that returned true")
	require.Error(t, h.Advance(time.Second))
}

func joinMessages(entries []LogEntry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Message)
	}
	return b.String()
}

func TestDoGivesUpOnStreamNeverResumed(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, StreamTimeout: 50 * time.Millisecond})
	_, err := h.Do(testCtx(t), cmdRequest("request-headers", "ret 1", "log", "log 2 logged"), nil)

	require.ErrorContains(t, err, "the filter paused the stream and did not resume it")
	require.Contains(t, joinMessages(h.LogsAt(LogInfo)), "logged", "the abandoned stream still ends with on_log")
}
