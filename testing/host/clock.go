package host

import (
	"sync"
	"time"
)

// Clock is the time source of a Host: the module's WASI clock_time_get,
// proxy_get_current_time_nanoseconds, request.time and the tick timers read
// it.
type Clock interface {
	// Now returns the wall-clock time (WASI realtime clock).
	Now() time.Time
	// Monotonic returns the time since an arbitrary fixed origin (WASI
	// monotonic clock). It never decreases and is never zero.
	Monotonic() time.Duration
}

// realClock reads the machine's clocks.
type realClock struct{ origin time.Time }

func newRealClock() *realClock { return &realClock{origin: time.Now()} }

func (c *realClock) Now() time.Time { return time.Now() }

// Monotonic starts at one second, because the Go runtime in the module stops
// with "nanotime returning zero" on a zero reading.
func (c *realClock) Monotonic() time.Duration { return time.Second + time.Since(c.origin) }

// ManualClock is a Clock that moves only through Set and Advance. With it,
// ticks fire only from Host.Advance, so tests decide when time passes.
type ManualClock struct {
	mu        sync.Mutex
	now       time.Time
	monotonic time.Duration
}

// NewManualClock returns a clock that reads start until it is moved.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, monotonic: time.Second}
}

// Now returns the current wall-clock reading.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Monotonic returns the current monotonic reading.
func (c *ManualClock) Monotonic() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.monotonic
}

// Set moves the wall clock to t, backwards too, like a clock step on the
// machine. The monotonic clock does not move, so no tick becomes due.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves both clocks forward by d; a negative d is treated as zero.
// It fires no tick: use Host.Advance for that.
func (c *ManualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.monotonic += d
}
