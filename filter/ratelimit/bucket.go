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

// decodeBucket reads a stored bucket and refills it up to now. An unused or
// unreadable slot is a full bucket.
func decodeBucket(state []byte, limit Limit, now time.Time) bucket {
	capacity := uint64(limit.Quota) * tokenUnit
	at := now.UnixNano()
	if len(state) != stateSize || state[0] != stateTokenBucket {
		return bucket{tokens: capacity, last: at}
	}

	b := bucket{tokens: getUint64(state[1:9]), last: int64(getUint64(state[9:17]))}
	b.tokens = min(b.tokens, capacity) // the capacity may have shrunk
	if at <= b.last {
		// The clock went back, or another worker refilled later than this
		// reading: keep the later instant so that no time counts twice.
		return b
	}

	missing := capacity - b.tokens
	elapsed := uint64(at - b.last)
	rate := uint64(limit.RefillMilli)
	if elapsed >= ceilDiv(missing, rate) {
		b.tokens = capacity
	} else {
		b.tokens += elapsed * rate // < missing, so no overflow
	}
	b.last = at
	return b
}

// take charges one token when the bucket has one; the next state is
// appended to dst.
func (b bucket) take(dst []byte, limit Limit) outcome {
	capacity := uint64(limit.Quota) * tokenUnit
	rate := uint64(limit.RefillMilli)

	if b.tokens < tokenUnit {
		return outcome{
			reset:      time.Duration(ceilDiv(capacity-b.tokens, rate)),
			retryAfter: time.Duration(ceilDiv(tokenUnit-b.tokens, rate)),
		}
	}

	b.tokens -= tokenUnit
	return outcome{
		allowed:   true,
		remaining: int64(b.tokens / tokenUnit),
		reset:     time.Duration(ceilDiv(capacity-b.tokens, rate)),
		next:      b.appendTo(dst),
	}
}

func (b bucket) appendTo(dst []byte) []byte {
	dst = append(dst, stateTokenBucket)
	dst = binary.BigEndian.AppendUint64(dst, b.tokens)
	return binary.BigEndian.AppendUint64(dst, uint64(b.last))
}
