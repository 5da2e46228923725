package ratelimit

import (
	"encoding/binary"
	"time"
)

// window is a sliding window counter: the counts of the current fixed
// window and of the one before it.
//
// The estimate of the requests in the last Limit.Window is
// previous×(1−f) + current, where f is the elapsed fraction of the current
// window. It assumes the previous window's requests were spread evenly. So
// it never admits more than Quota requests in one fixed window, and never
// more than 2×Quota in any interval of one window's length (when the
// previous window's requests all came at its end).
type window struct {
	index    int64 // Unix nanoseconds / window length
	previous uint32
	current  uint32

	// elapsed is the time since the current window started, in
	// microseconds; it is not stored.
	elapsed uint64
}

// decodeWindow reads a stored window and moves it to the fixed window that
// contains the time unixNano. An unused or unreadable slot has no requests.
func decodeWindow(state []byte, limit Limit, unixNano int64) window {
	length := limit.Window.Nanoseconds() // at least a second
	var w window
	if unixNano >= 0 {
		// The quotient without runtime.wasmDiv, which Go compiled for wasm
		// calls for every signed 64-bit division.
		w.index = int64(uint64(unixNano) / uint64(length))
	} else {
		w.index = unixNano / length
	}

	if len(state) == stateSize && state[0] == stateSlidingWindow {
		stored := window{
			index:    int64(binary.BigEndian.Uint64(state[1:9])),
			previous: binary.BigEndian.Uint32(state[9:13]),
			current:  binary.BigEndian.Uint32(state[13:17]),
		}
		switch {
		case stored.index == w.index:
			w.previous, w.current = stored.previous, stored.current
		case stored.index == w.index-1:
			w.previous = stored.current
		case stored.index > w.index:
			// The clock went back: count in the stored window, as if it
			// had just started, which weighs the previous window fully.
			return stored
		}
	}

	// Counts never exceed the quota, except after the quota shrank; the
	// clamp also keeps the weighted sums within uint64.
	w.previous = min(w.previous, uint32(limit.Quota))
	w.current = min(w.current, uint32(limit.Quota))
	w.elapsed = uint64(unixNano-w.index*length) / 1000
	return w
}

// take counts one request when the estimate leaves room for it; the next
// state is written to dst. Weights are in microseconds, which keeps
// Quota × window length within uint64.
func (w window) take(dst *[stateSize]byte, limit Limit) outcome {
	length := uint64(limit.Window.Microseconds())
	quota := uint64(limit.Quota)
	used := uint64(w.previous)*(length-w.elapsed) + uint64(w.current)*length // × length

	if used+length > quota*length {
		return outcome{reset: w.reset(length), retryAfter: w.retryAfter(quota, length)}
	}

	// put's work, written out: this is the hot path of every request.
	w.current++
	used += length
	dst[0] = stateSlidingWindow
	binary.BigEndian.PutUint64(dst[1:9], uint64(w.index))
	binary.BigEndian.PutUint32(dst[9:13], w.previous)
	binary.BigEndian.PutUint32(dst[13:17], w.current)
	return outcome{
		allowed:   true,
		remaining: int64((quota*length - used) / length),
		reset:     w.reset(length),
		next:      dst[:],
	}
}

// reset is the time until no counted request weighs on the estimate.
func (w window) reset(length uint64) time.Duration {
	left := length - w.elapsed
	switch {
	case w.current > 0:
		return time.Duration(left+length) * time.Microsecond
	case w.previous > 0:
		return time.Duration(left) * time.Microsecond
	}
	return 0
}

// retryAfter is the time until the estimate falls to Quota−1 or less.
func (w window) retryAfter(quota, length uint64) time.Duration {
	room := (quota - 1) * length // the estimate that admits one more request
	left := length - w.elapsed

	if uint64(w.current)*length <= room {
		// Within this window, once previous×(length−elapsed) fits in what
		// current leaves.
		free := room - uint64(w.current)*length
		needed := length - free/uint64(w.previous) // elapsed needed
		return time.Duration(needed-w.elapsed) * time.Microsecond
	}

	// In the next window, current becomes previous and must fade until
	// current×(length−elapsed') ≤ room.
	needed := length - room/uint64(w.current)
	return time.Duration(left+needed) * time.Microsecond
}

// put encodes the window into dst and returns it as a slice.
func (w window) put(dst *[stateSize]byte) []byte {
	dst[0] = stateSlidingWindow
	binary.BigEndian.PutUint64(dst[1:9], uint64(w.index))
	binary.BigEndian.PutUint32(dst[9:13], w.previous)
	binary.BigEndian.PutUint32(dst[13:17], w.current)
	return dst[:]
}
