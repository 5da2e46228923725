package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
)

// Options configures a Host. The zero value runs two workers with the real
// clock, no plugin configuration and every message captured.
type Options struct {
	// Workers is the number of worker VMs, like Envoy's worker threads
	// (default 2).
	Workers int
	// PluginConfig is the plugin configuration: buffer 7, its size passed to
	// proxy_on_configure.
	PluginConfig []byte
	// VMConfig is the VM configuration: buffer 6, its size passed to
	// proxy_on_vm_start.
	VMConfig []byte
	// PluginName is the plugin_name property and log prefix (default "bulwark").
	PluginName string
	// RootID is the plugin_root_id property.
	RootID string
	// VMID is the plugin_vm_id property and the shared-data scope.
	VMID string
	// Clock is the time source (default: the machine's clocks). With a
	// *ManualClock, ticks fire only from Host.Advance.
	Clock Clock
	// Clusters maps an HTTP callout cluster name to a loopback base URL such
	// as "http://127.0.0.1:8081"; New rejects other hosts.
	Clusters map[string]string
	// Handlers maps a callout cluster name to an in-process handler. A name
	// in both maps uses the handler.
	Handlers map[string]http.Handler
	// ForeignFunctions are added to the built-in foreign functions
	// (verify_signature), replacing one of the same name.
	ForeignFunctions map[string]ForeignFunc
	// LogLevel is the level proxy_get_log_level returns. Messages below it
	// are not captured. The zero value, LogTrace, captures everything, while
	// Envoy's default is LogInfo.
	LogLevel LogLevel
	// LogOutput, when set, receives every captured message as one line in
	// Envoy's form: "[time][level][wasm][worker N] wasm log <plugin>: message".
	LogOutput io.Writer
	// Transcript records every proxy_* hostcall (see Host.Transcript).
	Transcript bool
	// AllowedHostcalls, when not nil, lists the only proxy_* hostcalls the
	// module may make, like Envoy's capability restriction: any other
	// returns InternalFailure(10) and is reported by Host.Violations.
	AllowedHostcalls []string
	// StreamTimeout bounds how long Do waits for a paused filter to resume
	// the stream (default 10 s).
	StreamTimeout time.Duration
	// Environment is the module's WASI environment, like Envoy's
	// vm_config.environment_variables; Go's runtime reads settings such as
	// GOGC and GODEBUG from it. Empty by default.
	Environment map[string]string
	// CompilationCache, when set, lets Hosts share compiled code, which
	// saves seconds per Host in test suites.
	CompilationCache wazero.CompilationCache
}

// ForeignFunc is a function the module calls with proxy_call_foreign_function.
// Its result is returned to the module even with an error. A Status error is
// returned to the module as is; any other error as InternalFailure(10).
type ForeignFunc func(args []byte) ([]byte, error)

// Host runs a compiled proxy-wasm module the way Envoy does: one VM per
// worker, each single-threaded, sharing one shared-data store, metrics and
// logs. All methods are safe for concurrent use, except Close, which must
// not overlap with the others.
type Host struct {
	opts     Options
	clock    Clock
	manual   *ManualClock
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	abi      string
	workers  []*worker
	next     atomic.Uint32

	logs     logStore
	shared   sharedStore
	queues   queueStore
	metrics  metricStore
	foreign  map[string]ForeignFunc
	callouts calloutTargets
	faults   faultSet
	calls    transcript
	allowed  map[string]bool
	pending  pendingCounter

	connectionIDs atomic.Uint64
	advanceMu     sync.Mutex
	closing       chan struct{}
	cancel        context.CancelFunc
	background    context.Context
	loops         sync.WaitGroup
	closeOnce     sync.Once
	closeErr      error
}

// New compiles the module, starts the worker VMs and runs the plugin's start
// sequence on each: _initialize, proxy_on_context_create(root, 0),
// proxy_on_vm_start and proxy_on_configure. A module that rejects its
// configuration fails New with an error that carries the module's error
// and critical log lines.
func New(ctx context.Context, wasm []byte, opts Options) (*Host, error) {
	h, err := newHost(opts)
	if err != nil {
		return nil, err
	}
	if err := h.load(ctx, wasm); err != nil {
		h.cancel()
		_ = h.runtime.Close(ctx)
		return nil, err
	}
	for _, w := range h.workers {
		h.loops.Add(1)
		go w.loop()
	}
	return h, nil
}

func newHost(opts Options) (*Host, error) {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.PluginName == "" {
		opts.PluginName = "bulwark"
	}
	if opts.Clock == nil {
		opts.Clock = newRealClock()
	}
	if opts.StreamTimeout <= 0 {
		opts.StreamTimeout = 10 * time.Second
	}
	if opts.LogLevel > LogOff {
		return nil, fmt.Errorf("host: invalid log level %d; use LogTrace (0) to LogOff (6)", opts.LogLevel)
	}

	targets, err := newCalloutTargets(opts.Clusters, opts.Handlers)
	if err != nil {
		return nil, err
	}
	h := &Host{opts: opts, clock: opts.Clock, callouts: targets, closing: make(chan struct{})}

	h.manual, _ = opts.Clock.(*ManualClock)
	h.logs.sink = opts.LogOutput
	h.shared.init()
	h.queues.init()
	h.metrics.init()
	h.calls.enabled = opts.Transcript

	h.foreign = builtinForeignFunctions()
	for name, f := range opts.ForeignFunctions {
		h.foreign[name] = f
	}

	if opts.AllowedHostcalls != nil {
		h.allowed = make(map[string]bool, len(opts.AllowedHostcalls))
		for _, name := range opts.AllowedHostcalls {
			h.allowed[name] = true
		}
	}
	h.background, h.cancel = context.WithCancel(context.Background())
	return h, nil
}

// load compiles the module, links the host modules and starts every worker.
func (h *Host) load(ctx context.Context, wasm []byte) error {
	// 16384 pages = 1 GiB, Envoy's maximum Wasm memory.
	cfg := wazero.NewRuntimeConfig().WithMemoryLimitPages(16384)
	if h.opts.CompilationCache != nil {
		cfg = cfg.WithCompilationCache(h.opts.CompilationCache)
	}
	h.runtime = wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := h.instantiateEnv(ctx); err != nil {
		return fmt.Errorf("host: link proxy-wasm hostcalls: %w", err)
	}
	if err := h.instantiateWASI(ctx); err != nil {
		return fmt.Errorf("host: link WASI functions: %w", err)
	}
	compiled, err := h.runtime.CompileModule(ctx, wasm)
	if err != nil {
		return fmt.Errorf("host: compile wasm module (%d bytes): %w", len(wasm), err)
	}
	h.compiled = compiled
	if err := h.checkModule(); err != nil {
		return err
	}
	for i := 0; i < h.opts.Workers; i++ {
		w, err := h.startWorker(ctx, i)
		if err != nil {
			return err
		}
		h.workers = append(h.workers, w)
	}
	return nil
}

// Close shuts the plugin down on every worker (proxy_on_done, then
// proxy_on_delete once the root is done), stops timers and callouts and
// releases the runtime. A root whose proxy_on_done returned false has
// until ctx ends to call proxy_done.
func (h *Host) Close(ctx context.Context) error {
	h.closeOnce.Do(func() {
		for _, w := range h.workers {
			w.mu.Lock()
			w.shutdownRoot()
			w.mu.Unlock()
		}
		h.waitRootsDone(ctx)
		close(h.closing)
		h.cancel()
		h.loops.Wait()
		h.closeErr = h.runtime.Close(ctx)
	})
	return h.closeErr
}

func (h *Host) waitRootsDone(ctx context.Context) {
	for {
		pending := false
		for _, w := range h.workers {
			w.mu.Lock()
			pending = pending || w.rootPending
			w.mu.Unlock()
		}
		if !pending {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// Workers returns the number of worker VMs.
func (h *Host) Workers() int { return len(h.workers) }

// Worker returns worker i, for the step-by-step stream API. It panics when
// i is out of range, like a slice index.
func (h *Host) Worker(i int) *Worker {
	if i < 0 || i >= len(h.workers) {
		panic(fmt.Sprintf("host: worker index %d out of range [0, %d)", i, len(h.workers)))
	}
	return &Worker{w: h.workers[i]}
}

// pick returns worker index, or the next one round-robin for AnyWorker.
func (h *Host) pick(index int) (*worker, error) {
	if index == AnyWorker {
		n := h.next.Add(1) - 1
		return h.workers[int(n)%len(h.workers)], nil
	}
	if index < 0 || index >= len(h.workers) {
		return nil, fmt.Errorf("host: request worker %d is out of range; use 0 to %d or AnyWorker", index, len(h.workers)-1)
	}
	return h.workers[index], nil
}

// Failed reports whether worker i's VM has failed (trapped).
func (h *Host) Failed(i int) bool {
	w := h.workers[i]
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// WaitIdle waits until no HTTP callout is in flight and every queued
// notification (callout response, queue ready) has been delivered.
func (h *Host) WaitIdle(ctx context.Context) error {
	for {
		ch := h.pending.idle()
		if ch == nil {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("host: wait for idle workers: %d callouts or notifications still pending: %w", h.pending.count(), ctx.Err())
		}
	}
}

// pendingCounter counts asynchronous work (callouts, notifications) and lets
// WaitIdle block until none is left.
type pendingCounter struct {
	mu     sync.Mutex
	n      int
	idleCh chan struct{}
}

func (p *pendingCounter) add() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		p.idleCh = make(chan struct{})
	}
	p.n++
}

func (p *pendingCounter) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n--
	if p.n == 0 {
		close(p.idleCh)
	}
}

// idle returns nil when nothing is pending, else a channel closed when the
// count next drops to zero.
func (p *pendingCounter) idle() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		return nil
	}
	return p.idleCh
}

func (p *pendingCounter) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// errHostClosed reports use of a closed Host.
var errHostClosed = errors.New("host: closed")
