// Package guestprof attributes the time a wasm guest spends to its
// functions, for finding where a request's cost goes inside the module.
//
// A Profiler is a wazero experimental.FunctionListenerFactory: wazero calls
// it before and after every function of a module compiled with the
// Profiler in the context (see Context). It counts the calls of each
// function and measures each call's inclusive and self time, which are
// only kept while the Profiler is enabled.
//
// The listener costs far more than a small function's own work, so the
// times are inflated and are only worth comparing as shares between two
// profiles of the same build. Call counts are exact; counts of functions
// such as runtime.mallocgc (heap allocations), runtime.gcStart (GC cycles)
// or runtime.memmove are often the better lead.
//
// In a module built by the standard Go toolchain, a goroutine switch or a
// stack growth unwinds the wasm call stack: each unwound frame is reported
// as a return, and each resumed one as a new call. Those calls are real
// work (the functions' re-entry through runtime's trampoline), and the
// counts show how often it happens.
//
// A Profiler keeps one call stack, so it supports one VM running at a
// time: profile a host with one worker, or one worker at a time.
package guestprof

import (
	"context"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Profiler records the calls of every function of the modules compiled
// with it. Its methods are safe for concurrent use.
type Profiler struct {
	mu      sync.Mutex
	enabled bool
	stats   []*FuncStats
	stack   []frame
	epoch   time.Time

	// watched maps a function name to the number of callers to record for
	// it, and callers holds the counts of each chain of callers.
	watched map[string]int
	callers map[string]int64

	// only, when not nil, names the only functions to record.
	only map[string]bool
}

// FuncStats is the record of one function.
type FuncStats struct {
	// Name is the function's name from the module's name section, such as
	// "runtime.mallocgc", or wazero's debug name ".$<index>" when it has
	// none. A host
	// function has its import name, such as "proxy_get_shared_data".
	Name string

	// Calls counts the calls that started while the profiler was enabled.
	Calls int64

	// Inclusive is the time from each call to its return, summed, and Self
	// the same minus the time spent in the functions it called.
	Inclusive, Self time.Duration

	// depth counts the calls of this function on the stack, so that a
	// recursive call adds its inclusive time once.
	depth int

	// callerDepth is the number of callers to record for each call, 0 for
	// none.
	callerDepth int
}

type frame struct {
	stats    *FuncStats
	start    time.Duration // since the profiler's epoch
	children time.Duration
	counted  bool
}

// New returns a disabled profiler.
func New() *Profiler {
	return &Profiler{epoch: time.Now(), watched: map[string]int{}, callers: map[string]int64{}}
}

// Only limits the profiler to the functions named, which makes the rest of
// the module run at its normal speed. The self time of a recorded function
// then includes the functions it calls. Call it before the module is
// compiled.
func (p *Profiler) Only(names ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.only = map[string]bool{}
	for _, name := range names {
		p.only[name] = true
	}
}

// WatchCallers records, for each call of the function name, the chain of
// its depth nearest callers, which Callers returns. Call it before the
// module is compiled.
func (p *Profiler) WatchCallers(name string, depth int) {
	p.mu.Lock()
	p.watched[name] = depth
	p.mu.Unlock()
}

// Callers returns how often each chain of callers called the functions
// named to WatchCallers, keyed by the chain: "f < caller < its caller".
func (p *Profiler) Callers() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.callers)
}

// Context returns ctx with p as wazero's function listener factory. Pass
// it to wazero's CompileModule (for testing/host, to host.New), and do not
// share a compilation cache with modules compiled without it.
func (p *Profiler) Context(ctx context.Context) context.Context {
	return experimental.WithFunctionListenerFactory(ctx, p)
}

// NewFunctionListener implements experimental.FunctionListenerFactory.
func (p *Profiler) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	name := def.Name()
	if name == "" {
		name = def.DebugName()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.only != nil && !p.only[name] {
		return nil
	}
	stats := &FuncStats{Name: name, callerDepth: p.watched[name]}
	p.stats = append(p.stats, stats)
	return &listener{p: p, stats: stats}
}

// Enable starts recording. Calls already on the stack are not counted.
func (p *Profiler) Enable() {
	p.mu.Lock()
	p.enabled = true
	p.mu.Unlock()
}

// Disable stops recording. Calls that return later still add their time.
func (p *Profiler) Disable() {
	p.mu.Lock()
	p.enabled = false
	p.mu.Unlock()
}

// Reset clears every function's record.
func (p *Profiler) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()

	for _, s := range p.stats {
		s.Calls, s.Inclusive, s.Self = 0, 0, 0
	}
	for i := range p.stack {
		p.stack[i].counted = false
	}
	clear(p.callers)
}

// Snapshot returns a copy of the records of the functions called since the
// last Reset, merged by name, so that the same function of two module
// instances counts once.
func (p *Profiler) Snapshot() Profile {
	p.mu.Lock()
	defer p.mu.Unlock()

	byName := map[string]*FuncStats{}
	for _, s := range p.stats {
		if s.Calls == 0 && s.Inclusive == 0 {
			continue
		}
		merged, ok := byName[s.Name]
		if !ok {
			merged = &FuncStats{Name: s.Name}
			byName[s.Name] = merged
		}
		merged.Calls += s.Calls
		merged.Inclusive += s.Inclusive
		merged.Self += s.Self
	}

	profile := make(Profile, 0, len(byName))
	for _, s := range byName {
		profile = append(profile, *s)
	}
	return profile
}

func (p *Profiler) enter(stats *FuncStats) {
	now := time.Since(p.epoch)
	p.mu.Lock()
	defer p.mu.Unlock()

	counted := p.enabled
	if counted {
		stats.Calls++
		if stats.callerDepth > 0 {
			p.countCallers(stats)
		}
	}
	stats.depth++
	p.stack = append(p.stack, frame{stats: stats, start: now, counted: counted})
}

func (p *Profiler) leave(stats *FuncStats) {
	now := time.Since(p.epoch)
	p.mu.Lock()
	defer p.mu.Unlock()

	n := len(p.stack)
	if n == 0 || p.stack[n-1].stats != stats {
		// NOTE: a return that does not match the top of the stack means
		// two VMs ran at once; the record is dropped rather than guessed.
		return
	}
	f := p.stack[n-1]
	p.stack = p.stack[:n-1]
	stats.depth--

	elapsed := now - f.start
	if f.counted {
		stats.Self += elapsed - f.children
		if stats.depth == 0 {
			stats.Inclusive += elapsed
		}
	}
	if n > 1 {
		p.stack[n-2].children += elapsed
	}
}

func (p *Profiler) countCallers(stats *FuncStats) {
	var chain strings.Builder
	chain.WriteString(stats.Name)
	for i := len(p.stack) - 1; i >= max(len(p.stack)-stats.callerDepth, 0); i-- {
		chain.WriteString(" < ")
		chain.WriteString(p.stack[i].stats.Name)
	}
	p.callers[chain.String()]++
}

// listener reports one function's calls to its profiler.
type listener struct {
	p     *Profiler
	stats *FuncStats
}

func (l *listener) Before(context.Context, api.Module, api.FunctionDefinition, []uint64, experimental.StackIterator) {
	l.p.enter(l.stats)
}

func (l *listener) After(context.Context, api.Module, api.FunctionDefinition, []uint64) {
	l.p.leave(l.stats)
}

func (l *listener) Abort(context.Context, api.Module, api.FunctionDefinition, error) {
	l.p.leave(l.stats)
}
