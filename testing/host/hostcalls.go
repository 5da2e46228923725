package host

import (
	"context"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// hostcall is one env.proxy_* function: its name, parameter types and
// implementation, which reads its parameters from p and returns a status.
type hostcall struct {
	name   string
	params []api.ValueType
	impl   func(w *worker, p []uint64) Status
}

func i32s(n int) []api.ValueType {
	t := make([]api.ValueType, n)
	for i := range t {
		t[i] = api.ValueTypeI32
	}
	return t
}

// hostcalls lists every proxy_* function Envoy registers for ABI 0.2.1
// (proxy-wasm-cpp-host src/wasm.cc registerCallbacks).
func hostcalls() []hostcall {
	i32i64 := []api.ValueType{api.ValueTypeI32, api.ValueTypeI64}
	return []hostcall{
		{"proxy_log", i32s(3), hostLog},
		{"proxy_get_log_level", i32s(1), hostGetLogLevel},
		{"proxy_get_status", i32s(3), hostGetStatus},
		{"proxy_get_current_time_nanoseconds", i32s(1), hostGetCurrentTime},
		{"proxy_set_effective_context", i32s(1), hostSetEffectiveContext},
		{"proxy_done", i32s(0), hostDone},
		{"proxy_continue_stream", i32s(1), hostContinueStream},
		{"proxy_close_stream", i32s(1), hostCloseStream},
		{"proxy_send_local_response", i32s(8), hostSendLocalResponse},
		{"proxy_get_header_map_value", i32s(5), hostGetHeaderMapValue},
		{"proxy_add_header_map_value", i32s(5), hostAddHeaderMapValue},
		{"proxy_replace_header_map_value", i32s(5), hostReplaceHeaderMapValue},
		{"proxy_remove_header_map_value", i32s(3), hostRemoveHeaderMapValue},
		{"proxy_get_header_map_pairs", i32s(3), hostGetHeaderMapPairs},
		{"proxy_set_header_map_pairs", i32s(3), hostSetHeaderMapPairs},
		{"proxy_get_header_map_size", i32s(2), hostGetHeaderMapSize},
		{"proxy_get_buffer_bytes", i32s(5), hostGetBufferBytes},
		{"proxy_get_buffer_status", i32s(3), hostGetBufferStatus},
		{"proxy_set_buffer_bytes", i32s(5), hostSetBufferBytes},
		{"proxy_get_property", i32s(4), hostGetProperty},
		{"proxy_set_property", i32s(4), hostSetProperty},
		{"proxy_get_shared_data", i32s(5), hostGetSharedData},
		{"proxy_set_shared_data", i32s(5), hostSetSharedData},
		{"proxy_register_shared_queue", i32s(3), hostRegisterSharedQueue},
		{"proxy_resolve_shared_queue", i32s(5), hostResolveSharedQueue},
		{"proxy_enqueue_shared_queue", i32s(3), hostEnqueueSharedQueue},
		{"proxy_dequeue_shared_queue", i32s(3), hostDequeueSharedQueue},
		{"proxy_http_call", i32s(10), hostHTTPCall},
		{"proxy_grpc_call", i32s(12), hostGrpcUnavailable},
		{"proxy_grpc_stream", i32s(9), hostGrpcUnavailable},
		{"proxy_grpc_send", i32s(4), hostGrpcUnknownToken},
		{"proxy_grpc_cancel", i32s(1), hostGrpcUnknownToken},
		{"proxy_grpc_close", i32s(1), hostGrpcUnknownToken},
		{"proxy_set_tick_period_milliseconds", i32s(1), hostSetTickPeriod},
		{"proxy_define_metric", i32s(4), hostDefineMetric},
		{"proxy_increment_metric", i32i64, hostIncrementMetric},
		{"proxy_record_metric", i32i64, hostRecordMetric},
		{"proxy_get_metric", i32s(2), hostGetMetric},
		{"proxy_call_foreign_function", i32s(6), hostCallForeignFunction},
	}
}

// instantiateEnv links the "env" host module.
func (h *Host) instantiateEnv(ctx context.Context) error {
	b := h.runtime.NewHostModuleBuilder("env")
	for _, hc := range hostcalls() {
		b.NewFunctionBuilder().
			WithGoModuleFunction(h.envFunction(hc), hc.params, []api.ValueType{api.ValueTypeI32}).
			Export(hc.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func (h *Host) envFunction(hc hostcall) api.GoModuleFunc {
	return func(ctx context.Context, _ api.Module, stack []uint64) {
		w := ctx.Value(workerKey{}).(*worker)
		stack[0] = uint64(w.hostcall(&hc, stack))
	}
}

// hostcall runs one proxy_* call: the capability check, any injected
// fault, the implementation, then the transcript entry.
func (w *worker) hostcall(hc *hostcall, p []uint64) Status {
	h := w.host
	if h.allowed != nil && !h.allowed[hc.name] {
		h.calls.violate(w, hc.name)
		w.log(LogError, w.activeID(), "Attempted call to restricted ABI function: "+hc.name)
		return StatusInternalFailure
	}
	prevFault, prevArgs := w.fault, w.callArgs
	w.fault, w.callArgs = nil, ""
	defer func() { w.fault, w.callArgs = prevFault, prevArgs }()
	st, faulted := w.injectFault(hc.name)
	if !faulted {
		st = hc.impl(w, p)
	}
	if h.calls.enabled {
		h.calls.record(Call{Worker: w.index, ContextID: w.activeID(), Name: hc.name, Args: w.callArgs, Status: st})
	}
	return st
}

// tracing reports whether hostcalls should describe their arguments.
func (w *worker) tracing() bool { return w.host.calls.enabled }

// note sets the transcript detail of the running hostcall. Call it only
// when tracing, and never with a secret (header values, shared data).
func (w *worker) note(format string, args ...any) { w.callArgs = fmt.Sprintf(format, args...) }

func u32(v uint64) uint32 { return uint32(v) }

func hostLog(w *worker, p []uint64) Status {
	level := u32(p[0])
	if level > uint32(LogCritical) {
		return StatusBadArgument
	}
	msg, ok := w.readString(u32(p[1]), u32(p[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("level=%s", LogLevel(level))
	}
	w.log(LogLevel(level), w.activeID(), msg)
	return StatusOK
}

func hostGetLogLevel(w *worker, p []uint64) Status {
	if !w.mem.WriteUint32Le(u32(p[0]), uint32(w.host.opts.LogLevel)) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

func hostGetStatus(w *worker, p []uint64) Status {
	if !w.mem.WriteUint32Le(u32(p[0]), uint32(w.lastStatus)) {
		return StatusInvalidMemoryAccess
	}
	return w.writeResult([]byte(w.lastMessage), u32(p[1]), u32(p[2]))
}

func hostGetCurrentTime(w *worker, p []uint64) Status {
	if !w.mem.WriteUint64Le(u32(p[0]), uint64(w.host.clock.Now().UnixNano())) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

func hostSetEffectiveContext(w *worker, p []uint64) Status {
	id := u32(p[0])
	if w.tracing() {
		w.note("context=%d", id)
	}
	if id == 0 {
		w.effective = 0
		return StatusOK
	}
	if _, ok := w.streams[id]; !ok && id != w.rootID {
		return StatusBadArgument
	}
	w.effective = id
	return StatusOK
}

func hostDone(w *worker, _ []uint64) Status {
	if !w.rootPending {
		return StatusNotFound
	}
	w.rootDoneCalled = true
	return StatusOK
}

// Stream types of proxy_continue_stream and proxy_close_stream.
const (
	streamRequest    = 0
	streamResponse   = 1
	streamDownstream = 2
	streamUpstream   = 3
)

func hostContinueStream(w *worker, p []uint64) Status {
	kind := u32(p[0])
	if w.tracing() {
		w.note("stream=%d", kind)
	}
	switch {
	case kind > streamUpstream:
		return StatusBadArgument
	case kind == streamUpstream:
		return StatusUnimplemented
	case kind == streamDownstream:
		return StatusOK
	}
	s := w.activeStream()
	if s == nil {
		return StatusOK
	}
	s.pendingContinue[kind] = true
	// Envoy drops its request-side map and body pointers at once.
	s.request.headersOpen = false
	s.request.trailersOpen = false
	s.request.body.open = false
	w.deferFor(s)
	return StatusOK
}

func hostCloseStream(w *worker, p []uint64) Status {
	kind := u32(p[0])
	if kind > streamUpstream {
		return StatusBadArgument
	}
	if s := w.activeStream(); s != nil {
		s.pendingClose = true
		w.deferFor(s)
	}
	return StatusOK
}

// deferFor queues s for the actions Envoy runs after the callback.
func (w *worker) deferFor(s *Stream) {
	if !s.queuedAfterCall {
		s.queuedAfterCall = true
		w.afterCall = append(w.afterCall, s)
	}
}

func hostSendLocalResponse(w *worker, p []uint64) Status {
	details, ok1 := w.readString(u32(p[1]), u32(p[2]))
	body, ok2 := w.readBytes(u32(p[3]), u32(p[4]))
	headerData, ok3 := w.view(u32(p[5]), u32(p[6]))
	if !ok1 || !ok2 || !ok3 {
		return StatusInvalidMemoryAccess
	}

	headers := ParseHeaderMap(headerData)
	for i := range headers {
		headers[i][0] = strings.ToLower(headers[i][0])
	}
	grpcStatus := int(int32(u32(p[7])))
	if grpcStatus < 0 || grpcStatus > 16 {
		grpcStatus = -1
	}
	reply := &LocalReply{
		Status:     int(u32(p[0])),
		Details:    strings.Map(underscoreSpace, details),
		Body:       body,
		Headers:    headers,
		GRPCStatus: grpcStatus,
	}
	if w.tracing() {
		w.note("status=%d details=%q", reply.Status, reply.Details)
	}

	s := w.activeStream()
	if s == nil || s.pendingReply != nil {
		return StatusOK
	}
	s.pendingReply = reply
	w.deferFor(s)
	return StatusOK
}

func underscoreSpace(r rune) rune {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return '_'
	}
	return r
}

func hostGrpcUnavailable(w *worker, _ []uint64) Status {
	// No gRPC service can be configured, so every call names an unknown
	// cluster, which Envoy rejects with BadArgument.
	return StatusBadArgument
}

func hostGrpcUnknownToken(w *worker, _ []uint64) Status { return StatusNotFound }
