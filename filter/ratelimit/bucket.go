package ratelimit

import (
	"encoding/binary"
	"time"
)

// bucket is a token bucket at an instant.
type bucket struct {
	tokens uint64 // token units
	last   int64  // Unix nanoseconds of the last refill
}

// decodeBucket reads a stored bucket and refills it up to the time
// unixNano. An unused or unreadable slot is a full bucket.
func decodeBucket(state []byte, limit Limit, unixNano int64) bucket {
	capacity := uint64(limit.Quota) * tokenUnit
	if len(state) != stateSize || state[0] != stateTokenBucket {
		return bucket{tokens: capacity, last: unixNano}
	}

	b := bucket{tokens: getUint64(state[1:9]), last: int64(getUint64(state[9:17]))}
	b.tokens = min(b.tokens, capacity) // the capacity may have shrunk
	if unixNano <= b.last {
		// The clock went back, or another worker refilled later than this
		// reading: keep the later instant so that no time counts twice.
		return b
	}

	missing := capacity - b.tokens
	elapsed := uint64(unixNano - b.last)
	rate := uint64(limit.RefillMilli)
	if elapsed >= ceilDiv(missing, rate) {
		b.tokens = capacity
	} else {
		b.tokens += elapsed * rate // < missing, so no overflow
	}
	b.last = unixNano
	return b
}

// take charges one token when the bucket has one; the next state is
// written to dst.
func (b bucket) take(dst *[stateSize]byte, limit Limit) outcome {
	capacity := uint64(limit.Quota) * tokenUnit
	rate := uint64(limit.RefillMilli)

	if b.tokens < tokenUnit {
		return outcome{
			reset:      time.Duration(ceilDiv(capacity-b.tokens, rate)),
			retryAfter: time.Duration(ceilDiv(tokenUnit-b.tokens, rate)),
		}
	}

	// put's work, written out: this is the hot path of every request.
	b.tokens -= tokenUnit
	dst[0] = stateTokenBucket
	binary.BigEndian.PutUint64(dst[1:9], b.tokens)
	binary.BigEndian.PutUint64(dst[9:17], uint64(b.last))
	return outcome{
		allowed:   true,
		remaining: int64(b.tokens / tokenUnit),
		reset:     time.Duration(ceilDiv(capacity-b.tokens, rate)),
		next:      dst[:],
	}
}

// put encodes the bucket into dst and returns it as a slice.
func (b bucket) put(dst *[stateSize]byte) []byte {
	dst[0] = stateTokenBucket
	binary.BigEndian.PutUint64(dst[1:9], b.tokens)
	binary.BigEndian.PutUint64(dst[9:17], uint64(b.last))
	return dst[:]
}
