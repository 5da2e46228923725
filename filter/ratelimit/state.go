package ratelimit

import (
	"encoding/binary"
	"errors"
	"time"
)

// State encoding. Every value a rule stores in a slot is one of:
//
//	[0]                                   an unused slot (Prepare writes it)
//	[1] tokens:uint64 last:int64          a token bucket
//	[2] window:int64 previous:uint32 current:uint32   a sliding window
//
// Integers are big-endian. tokens counts token units (tokenUnit per token),
// last and window are Unix nanoseconds and window indexes. A value that
// matches none of these, such as the other algorithm's state, reads as an
// unused slot, except that the Limiter rejects a state of the wrong length
// as ErrMalformedState. Slot keys name the algorithm, so a rule only meets
// the other algorithm's state when its slot was written by hand.
const (
	stateUnused        byte = 0
	stateTokenBucket   byte = 1
	stateSlidingWindow byte = 2

	stateSize = 17
)

// unusedSlot is the value Prepare writes into every slot.
var unusedSlot = []byte{stateUnused}

// ErrMalformedState is the error of a rule whose slot read returned a
// token bucket or sliding window state of the wrong length, such as a
// truncated one. Reading it as an unused slot would hand the client a
// fresh counter and write it back over the real count.
var ErrMalformedState = errors.New("ratelimit: shared data value is a truncated or overlong rate limit state")

// malformed reports whether state starts like a token bucket or a sliding
// window but does not have the length of one. Other values that no rule
// writes read as an unused slot.
func malformed(state []byte) bool {
	return len(state) != stateSize && len(state) > 0 &&
		(state[0] == stateTokenBucket || state[0] == stateSlidingWindow)
}

// tokenUnit is one token in token units. The refill rate in thousandths of
// a token per second is then exactly the number of token units per
// nanosecond, so refilling is integer arithmetic without rounding.
const tokenUnit = 1_000_000_000_000

// outcome is a rule's verdict on one request at one instant.
type outcome struct {
	allowed bool

	// remaining is the quota left after this request (0 when denied).
	remaining int64

	// reset is the time until the whole quota is available again.
	reset time.Duration

	// retryAfter is, when denied, the time until one request would pass.
	retryAfter time.Duration

	// next is the state to store when the request passes.
	next []byte
}

// decide applies one request to the encoded state at now.
func decide(alg Algorithm, limit Limit, state []byte, now time.Time) outcome {
	return decideInto(new([stateSize]byte), alg, limit, state, now.UnixNano())
}

// decideInto is decide at the time unixNano, with the next state written
// to dst, which the caller keeps so that nothing is allocated.
func decideInto(dst *[stateSize]byte, alg Algorithm, limit Limit, state []byte, unixNano int64) outcome {
	if alg == SlidingWindow {
		return decodeWindow(state, limit, unixNano).take(dst, limit)
	}
	return decodeBucket(state, limit, unixNano).take(dst, limit)
}

// refund gives back the request that decide charged, for a request that a
// later rule denied after this one was already written.
func refund(alg Algorithm, limit Limit, state []byte, now time.Time) []byte {
	unixNano := now.UnixNano()
	if alg == SlidingWindow {
		w := decodeWindow(state, limit, unixNano)
		if w.current > 0 {
			w.current--
		}
		return w.put(new([stateSize]byte))
	}

	b := decodeBucket(state, limit, unixNano)
	b.tokens = min(b.tokens+tokenUnit, uint64(limit.Quota)*tokenUnit)
	return b.put(new([stateSize]byte))
}

func getUint64(src []byte) uint64 { return binary.BigEndian.Uint64(src) }

// ceilDiv returns ⌈a/b⌉ for b > 0.
func ceilDiv(a, b uint64) uint64 {
	return a/b + min(a%b, 1)
}
