package host

import (
	"sync"
	"time"
)

// eventQueue holds work posted to a worker from other goroutines or from
// its own callbacks: callout responses and queue notifications. The
// worker's loop runs each under the worker lock, in order.
type eventQueue struct {
	mu     sync.Mutex
	items  []func()
	notify chan struct{}
}

// post queues fn for the worker's loop; Host.WaitIdle waits for it.
func (w *worker) post(fn func()) {
	w.host.pending.add()
	q := &w.events
	q.mu.Lock()
	q.items = append(q.items, fn)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// loop runs posted events and, with the real clock, the tick timer until the
// Host closes. Events posted after Close are dropped.
func (w *worker) loop() {
	defer w.host.loops.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-w.host.closing:
			w.dropEvents()
			return
		case <-w.events.notify:
			w.runEvents()
		case <-w.tickChanged:
			w.armTimer(timer)
		case <-timer.C:
			w.mu.Lock()
			w.tickIfDue()
			w.mu.Unlock()
			w.armTimer(timer)
		}
	}
}

func (w *worker) runEvents() {
	for {
		q := &w.events
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		if len(items) == 0 {
			return
		}
		for _, fn := range items {
			w.mu.Lock()
			fn()
			w.mu.Unlock()
			w.host.pending.done()
		}
	}
}

func (w *worker) dropEvents() {
	q := &w.events
	q.mu.Lock()
	n := len(q.items)
	q.items = nil
	q.mu.Unlock()
	for range n {
		w.host.pending.done()
	}
}

// armTimer sets the real-clock timer to the next tick; the manual clock
// fires ticks only from Host.Advance.
func (w *worker) armTimer(timer *time.Timer) {
	timer.Stop()
	if w.host.manual != nil {
		return
	}
	w.mu.Lock()
	period, next := w.tickPeriod, w.nextTick
	w.mu.Unlock()
	if period <= 0 {
		return
	}
	timer.Reset(max(next-w.host.clock.Monotonic(), 0))
}

func hostSetTickPeriod(w *worker, p []uint64) Status {
	ms := u32(p[0])
	if w.tracing() {
		w.note("ms=%d", ms)
	}
	w.tickPeriod = time.Duration(ms) * time.Millisecond
	w.nextTick = w.host.clock.Monotonic() + w.tickPeriod
	select {
	case w.tickChanged <- struct{}{}:
	default:
	}
	return StatusOK
}

// tickIfDue calls proxy_on_tick when the period has elapsed and re-arms the
// timer from the end of the tick, as Envoy does.
func (w *worker) tickIfDue() {
	now := w.host.clock.Monotonic()
	if w.tickPeriod <= 0 || w.failed || w.rootDeleted || now < w.nextTick {
		return
	}
	w.invoke(w.fn.tick, "proxy_on_tick", w.rootID, uint64(w.rootID))
	w.runAfterCall()
	if w.tickPeriod > 0 {
		w.nextTick = w.host.clock.Monotonic() + w.tickPeriod
	}
}

// Advance moves the ManualClock forward by d and fires every tick that
// falls due, on every worker, in time order (ties by worker index), with
// the clock set to each tick's time. It returns errHostClosed after Close
// and an error when the Host does not use a ManualClock.
func (h *Host) Advance(d time.Duration) error {
	if h.manual == nil {
		return errNotManual
	}
	select {
	case <-h.closing:
		return errHostClosed
	default:
	}
	h.advanceMu.Lock()
	defer h.advanceMu.Unlock()
	target := h.manual.Monotonic() + max(d, 0)
	for {
		w, at := h.nextDueTick(target)
		if w == nil {
			break
		}
		h.manual.Advance(at - h.manual.Monotonic())
		w.mu.Lock()
		w.tickIfDue()
		w.mu.Unlock()
	}
	h.manual.Advance(target - h.manual.Monotonic())
	return nil
}

// nextDueTick returns the worker whose tick is due first, at or before
// target.
func (h *Host) nextDueTick(target time.Duration) (*worker, time.Duration) {
	var best *worker
	var bestAt time.Duration
	for _, w := range h.workers {
		w.mu.Lock()
		due := w.tickPeriod > 0 && !w.failed && !w.rootDeleted && w.nextTick <= target
		at := w.nextTick
		w.mu.Unlock()
		if due && (best == nil || at < bestAt) {
			best, bestAt = w, at
		}
	}
	return best, bestAt
}
