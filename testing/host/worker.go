package host

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// workerKey is the context key that carries the worker to hostcalls.
type workerKey struct{}

// callbacks are the module's exports, looked up once per VM; nil when absent.
type callbacks struct {
	initialize, main, mainVoid                   api.Function
	malloc                                       api.Function
	contextCreate, vmStart, configure            api.Function
	tick, queueReady, httpCallResponse           api.Function
	requestHeaders, requestBody, requestTrailers api.Function
	responseHeaders, responseBody                api.Function
	responseTrailers                             api.Function
	log, done, delete                            api.Function
}

// worker is one VM: a module instance whose calls are serialized by mu.
// Hostcalls run while mu is held by the goroutine that called into the VM,
// so nothing reached from a hostcall may lock mu again.
type worker struct {
	host  *Host
	index int
	ctx   context.Context

	mu         sync.Mutex
	mod        api.Module
	mem        api.Memory
	fn         callbacks
	stack      [8]uint64
	allocStack [2]uint64

	failed         bool
	rootID         uint32
	rootPending    bool
	rootDoneCalled bool // proxy_done ran; proxy_on_delete follows the callback
	rootDeleted    bool
	lastID         uint32
	streams        map[uint32]*Stream

	// Per-callback state.
	current          uint32 // context whose callback runs; 0 for the VM context
	effective        uint32 // proxy_set_effective_context override, 0 = none
	pluginConfigOpen bool
	callout          *calloutResponse // maps 6/7 and buffer 4, during on_http_call_response
	afterCall        []*Stream        // streams with deferred actions
	fault            *Fault           // fault of the running hostcall
	callArgs         string           // transcript detail of the running hostcall

	// Root state.
	tickPeriod    time.Duration
	nextTick      time.Duration // monotonic time of the next tick
	tickChanged   chan struct{}
	nextCallout   uint32
	metricIDs     map[uint32]*metric
	metricCounter [3]uint32
	lastStatus    Status
	lastMessage   string

	events eventQueue
}

// startWorker instantiates the module as worker i and runs the plugin's
// start sequence.
func (h *Host) startWorker(ctx context.Context, i int) (*worker, error) {
	w := &worker{
		host:        h,
		index:       i,
		streams:     map[uint32]*Stream{},
		metricIDs:   map[uint32]*metric{},
		tickChanged: make(chan struct{}, 1),
	}
	w.ctx = context.WithValue(context.Background(), workerKey{}, w)
	w.events.notify = make(chan struct{}, 1)
	cfg := wazero.NewModuleConfig().WithName(fmt.Sprintf("worker-%d", i)).WithStartFunctions()
	mod, err := h.runtime.InstantiateModule(w.ctx, h.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("host: instantiate worker %d: %w", i, err)
	}
	w.bind(mod)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.start(); err != nil {
		return nil, fmt.Errorf("host: start worker %d: %w; %s", i, err, h.errorLogs())
	}
	return w, nil
}

func (w *worker) bind(mod api.Module) {
	w.mod = mod
	w.mem = mod.Memory()
	f := mod.ExportedFunction
	w.fn = callbacks{
		initialize: f("_initialize"), main: f("main"), mainVoid: f("__main_void"),
		malloc:        f("malloc"),
		contextCreate: f("proxy_on_context_create"), vmStart: f("proxy_on_vm_start"),
		configure: f("proxy_on_configure"), tick: f("proxy_on_tick"),
		queueReady: f("proxy_on_queue_ready"), httpCallResponse: f("proxy_on_http_call_response"),
		requestHeaders: f("proxy_on_request_headers"), requestBody: f("proxy_on_request_body"),
		requestTrailers: f("proxy_on_request_trailers"), responseHeaders: f("proxy_on_response_headers"),
		responseBody: f("proxy_on_response_body"), responseTrailers: f("proxy_on_response_trailers"),
		log: f("proxy_on_log"), done: f("proxy_on_done"), delete: f("proxy_on_delete"),
	}
	if w.fn.malloc == nil {
		w.fn.malloc = f("proxy_on_memory_allocate")
	}
}

// start runs _initialize (and main if exported) in context 0, then creates
// the root context and calls proxy_on_vm_start and proxy_on_configure.
func (w *worker) start() error {
	if w.fn.initialize != nil {
		if _, ok := w.invoke(w.fn.initialize, "_initialize", 0); !ok {
			return fmt.Errorf("_initialize trapped")
		}
		main := w.fn.main
		if main == nil {
			main = w.fn.mainVoid
		}
		if main != nil && !w.callMain(main) {
			return fmt.Errorf("main trapped")
		}
	} else if start := w.mod.ExportedFunction("_start"); start != nil {
		if _, ok := w.invoke(start, "_start", 0); !ok {
			return fmt.Errorf("_start trapped")
		}
	}

	w.rootID = w.newContextID()
	w.pluginConfigOpen = true
	defer func() { w.pluginConfigOpen = false }()
	if _, ok := w.invoke(w.fn.contextCreate, "proxy_on_context_create", w.rootID, uint64(w.rootID), 0); !ok {
		return fmt.Errorf("proxy_on_context_create of the root context trapped")
	}
	w.pluginConfigOpen = false

	r, ok := w.invokeDefault(w.fn.vmStart, "proxy_on_vm_start", 1, w.rootID, uint64(w.rootID), uint64(len(w.host.opts.VMConfig)))
	if !ok || r == 0 {
		return fmt.Errorf("proxy_on_vm_start returned false (VM configuration of %d bytes)", len(w.host.opts.VMConfig))
	}

	w.pluginConfigOpen = true
	r, ok = w.invokeDefault(w.fn.configure, "proxy_on_configure", 1, w.rootID, uint64(w.rootID), uint64(len(w.host.opts.PluginConfig)))
	if !ok || r == 0 {
		return fmt.Errorf("proxy_on_configure returned false: the module rejected its plugin configuration (%d bytes)", len(w.host.opts.PluginConfig))
	}
	return nil
}

// callMain calls main(0, 0) or __main_void(), whichever the module exports.
func (w *worker) callMain(main api.Function) bool {
	if len(main.Definition().ParamTypes()) == 2 {
		_, ok := w.invoke(main, "main", 0, 0, 0)
		return ok
	}
	_, ok := w.invoke(main, "__main_void", 0)
	return ok
}

func (w *worker) newContextID() uint32 {
	w.lastID++
	return w.lastID
}

// invoke calls a module export for context id with args and returns its
// first result. It returns ok=false when the VM has failed or the call
// trapped, which fails the VM. A missing export returns 0, true.
func (w *worker) invoke(fn api.Function, name string, id uint32, args ...uint64) (uint64, bool) {
	return w.invokeDefault(fn, name, 0, id, args...)
}

// invokeDefault is invoke with the result to use when the export is absent.
func (w *worker) invokeDefault(fn api.Function, name string, absent uint64, id uint32, args ...uint64) (uint64, bool) {
	if w.failed {
		return 0, false
	}
	if fn == nil {
		return absent, true
	}
	prevCurrent, prevEffective := w.current, w.effective
	w.current, w.effective = id, 0
	stack := w.stack[:]
	copy(stack, args)
	err := fn.CallWithStack(w.ctx, stack)
	w.current, w.effective = prevCurrent, prevEffective
	if err != nil {
		w.fail(name, err)
		return 0, false
	}
	return stack[0], true
}

// fail marks the VM failed after a trap: no callback reaches it again, and
// every paused stream on it is woken to receive the fail-closed reply.
func (w *worker) fail(name string, err error) {
	if w.failed {
		return
	}
	w.failed = true
	w.log(LogCritical, w.current, fmt.Sprintf("wasm vm failed: %s trapped: %v", name, err))
	for _, s := range w.streams {
		s.signal()
	}
}

// runAfterCall performs the actions that Envoy defers until a callback
// returns (continue_stream, local replies, close_stream) on the streams a
// callback addressed, then delivers their queued data. Each event handler
// calls it once its own callback is done.
func (w *worker) runAfterCall() {
	for len(w.afterCall) > 0 {
		s := w.afterCall[0]
		w.afterCall = w.afterCall[1:]
		s.queuedAfterCall = false
		s.applyDeferred()
		s.pump()
		s.signal()
	}
	w.afterCall = w.afterCall[:0]
	if w.rootDoneCalled {
		w.rootDoneCalled = false
		w.deleteRoot()
	}
}

// allocate requests size bytes from the module with proxy_on_memory_allocate
// (or malloc) in context 0. A trap inside it fails the VM and aborts the
// running callback.
func (w *worker) allocate(size uint32) (uint32, bool) {
	if w.fn.malloc == nil {
		return 0, false
	}
	prevCurrent, prevEffective := w.current, w.effective
	w.current, w.effective = 0, 0
	w.allocStack[0] = uint64(size)
	err := w.fn.malloc.CallWithStack(w.ctx, w.allocStack[:])
	w.current, w.effective = prevCurrent, prevEffective
	if err != nil {
		w.fail("proxy_on_memory_allocate", err)
		panic(fmt.Errorf("proxy_on_memory_allocate(%d) trapped: %w", size, err))
	}
	addr := uint32(w.allocStack[0])
	if addr == 0 || uint64(addr)+uint64(size) > uint64(w.mem.Size()) {
		return 0, false
	}
	return addr, true
}

// view returns guest memory [ptr, ptr+size). The slice aliases the memory
// and is valid only until the module next runs (an allocation may grow it).
func (w *worker) view(ptr, size uint32) ([]byte, bool) {
	return w.mem.Read(ptr, size)
}

// readString copies guest memory [ptr, ptr+size) into a string.
func (w *worker) readString(ptr, size uint32) (string, bool) {
	b, ok := w.mem.Read(ptr, size)
	if !ok {
		return "", false
	}
	return string(b), true
}

// readBytes copies guest memory [ptr, ptr+size).
func (w *worker) readBytes(ptr, size uint32) ([]byte, bool) {
	b, ok := w.mem.Read(ptr, size)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

// writeResult returns data to the module: it allocates exactly len(data)
// bytes in the module, copies data there and writes the address and length
// as little-endian u32 at ptrOut and sizeOut. Empty data allocates nothing
// and writes 0, 0.
func (w *worker) writeResult(data []byte, ptrOut, sizeOut uint32) Status {
	if w.fault != nil && w.fault.Kind == FaultMalformedResult && len(data) > 0 {
		data = data[:len(data)-1]
	}
	return w.copyOut(data, ptrOut, sizeOut)
}

// writeMapResult is writeResult for a serialized header map, where a
// malformed-result fault inflates the pair count beyond the data.
func (w *worker) writeMapResult(data []byte, ptrOut, sizeOut uint32) Status {
	if w.fault != nil && w.fault.Kind == FaultMalformedResult {
		data = malformMap(data)
	}
	return w.copyOut(data, ptrOut, sizeOut)
}

func (w *worker) copyOut(data []byte, ptrOut, sizeOut uint32) Status {
	var addr uint32
	if len(data) > 0 {
		var ok bool
		if addr, ok = w.allocate(uint32(len(data))); !ok {
			return StatusInvalidMemoryAccess
		}
		if !w.mem.Write(addr, data) {
			return StatusInvalidMemoryAccess
		}
	}
	if !w.mem.WriteUint32Le(ptrOut, addr) || !w.mem.WriteUint32Le(sizeOut, uint32(len(data))) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// activeID is the context hostcalls act on: the effective context if one is
// set, else the context whose callback runs.
func (w *worker) activeID() uint32 {
	if w.effective != 0 {
		return w.effective
	}
	return w.current
}

// activeStream returns the stream hostcalls act on, or nil in a root or VM
// context.
func (w *worker) activeStream() *Stream {
	return w.streams[w.activeID()]
}

// shutdownRoot calls proxy_on_done on the root context; when it returns
// true, proxy_on_delete follows, else the root stays pending until the
// module calls proxy_done.
func (w *worker) shutdownRoot() {
	if w.failed || w.rootDeleted {
		return
	}
	r, ok := w.invokeDefault(w.fn.done, "proxy_on_done", 1, w.rootID, uint64(w.rootID))
	if !ok {
		return
	}
	if r == 0 {
		w.rootPending = true
		return
	}
	w.deleteRoot()
}

func (w *worker) deleteRoot() {
	w.rootPending = false
	w.rootDeleted = true
	w.invoke(w.fn.delete, "proxy_on_delete", w.rootID, uint64(w.rootID))
}
