package clusterlimit

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// breakerKey holds the circuit breaker that every worker shares.
const breakerKey = KeyPrefix + "breaker"

// breakerState is the state of the circuit breaker.
type breakerState uint8

const (
	// closed lets callouts through and counts failures in a row.
	closed breakerState = iota

	// open skips callouts until the cool-down ends.
	open

	// probing lets one callout through after the cool-down; the others
	// wait for its outcome, until the probe's deadline.
	probing
)

// Transition is a change of the circuit breaker, reported once, by the
// worker that made it.
type Transition uint8

const (
	// NoTransition means the breaker did not change.
	NoTransition Transition = iota

	// Opened means failures in a row reached the threshold.
	Opened

	// Reopened means the probe after a cool-down failed.
	Reopened

	// Closed means the probe got a verdict.
	Closed
)

// String returns the transition's name for logs and metrics.
func (t Transition) String() string {
	switch t {
	case Opened:
		return "opened"
	case Reopened:
		return "reopened"
	case Closed:
		return "closed"
	}
	return "none"
}

// breaker is the shared state: [state][failures in a row, 4 bytes][until,
// 8 bytes][since, 8 bytes], times in Unix milliseconds. until is the end of
// the cool-down or of the probe, and since when the state began.
type breaker struct {
	state    breakerState
	failures uint32
	until    int64
	since    int64
}

const breakerSize = 1 + 4 + 8 + 8

func decodeBreaker(b []byte) breaker {
	if len(b) != breakerSize {
		return breaker{}
	}
	return breaker{
		state:    breakerState(b[0]),
		failures: binary.BigEndian.Uint32(b[1:]),
		until:    int64(binary.BigEndian.Uint64(b[5:])),
		since:    int64(binary.BigEndian.Uint64(b[13:])),
	}
}

func (b breaker) encode() []byte {
	out := make([]byte, breakerSize)
	out[0] = byte(b.state)
	binary.BigEndian.PutUint32(out[1:], b.failures)
	binary.BigEndian.PutUint64(out[5:], uint64(b.until))
	binary.BigEndian.PutUint64(out[13:], uint64(b.since))
	return out
}

// admit reports whether a callout may be made now, and makes this worker
// the prober when the cool-down is over (probe is then true). While ok is
// false, requests follow their rules' failure_mode, and retry is when
// callouts may resume.
func (l *Limiter) admit(now time.Time) (ok, probe bool, retry time.Duration) {
	value, _, err := l.store.Get(breakerKey)
	if err != nil && !errors.Is(err, ratelimit.ErrNotFound) {
		return true, false, 0
	}
	switch b := decodeBreaker(value); {
	case b.state == closed:
		return true, false, 0
	case now.UnixMilli() < b.until:
		return false, false, time.UnixMilli(b.until).Sub(now)
	}

	// The cool-down or an earlier probe's deadline is over: one worker
	// takes the probe, with the callout timeout as its deadline.
	won, closedMeanwhile := false, false
	_ = ratelimit.Update(l.store, breakerKey, func(old []byte) ([]byte, bool) {
		b := decodeBreaker(old)
		won, closedMeanwhile = false, b.state == closed
		if closedMeanwhile || now.UnixMilli() < b.until {
			return nil, false
		}
		b.state, b.since = probing, now.UnixMilli()
		b.until = now.Add(l.cfg.Service.Timeout + time.Second).UnixMilli()
		won = true
		return b.encode(), true
	})
	switch {
	case closedMeanwhile:
		return true, false, 0
	case !won:
		return false, false, l.cfg.Service.Timeout
	}
	return true, true, 0
}

// succeeded records a callout, started at started, that got a verdict. A
// callout that started before the breaker opened, or before the probe,
// changes nothing: only the probe closes the breaker.
func (l *Limiter) succeeded(started time.Time) Transition {
	value, _, err := l.store.Get(breakerKey)
	if err == nil && decodeBreaker(value) == (breaker{}) {
		return NoTransition
	}

	t := NoTransition
	_ = ratelimit.Update(l.store, breakerKey, func(old []byte) ([]byte, bool) {
		b := decodeBreaker(old)
		t = NoTransition
		switch {
		case b == (breaker{}), b.state == open, b.state == probing && started.UnixMilli() < b.since:
			return nil, false
		case b.state == probing:
			t = Closed
		}
		return breaker{}.encode(), true
	})
	return t
}

// failed records a callout, started at started, that got no verdict. It
// opens the breaker at the threshold, or again when the probe failed.
func (l *Limiter) failed(started, now time.Time) Transition {
	t := NoTransition
	err := ratelimit.Update(l.store, breakerKey, func(old []byte) ([]byte, bool) {
		b := decodeBreaker(old)
		t = NoTransition
		switch {
		case b.state == closed:
			b.failures++
			if int(b.failures) >= l.cfg.Breaker.Failures {
				b.state, t = open, Opened
				b.until, b.since = now.Add(l.cfg.Breaker.CoolDown).UnixMilli(), now.UnixMilli()
			}
		case b.state == probing && started.UnixMilli() >= b.since:
			b.failures++
			b.state, t = open, Reopened
			b.until, b.since = now.Add(l.cfg.Breaker.CoolDown).UnixMilli(), now.UnixMilli()
		default:
			// A callout that started before the breaker opened, or before
			// the probe, changes nothing.
			return nil, false
		}
		return b.encode(), true
	})
	if err != nil {
		return NoTransition
	}
	return t
}
