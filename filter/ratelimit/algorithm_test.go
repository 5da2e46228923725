package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// drain takes from state until denied and returns the count and the state.
func drain(alg Algorithm, limit Limit, state []byte, now time.Time) (int, []byte, outcome) {
	n := 0
	for {
		o := decide(alg, limit, state, now)
		if !o.allowed {
			return n, state, o
		}
		n++
		state = o.next
	}
}

func TestTokenBucketRefillExact(t *testing.T) {
	limit := Limit{Quota: 5, RefillMilli: 2000} // 2 tokens per second
	n, state, denied := drain(TokenBucket, limit, unusedSlot, t0)
	require.Equal(t, 5, n)
	require.Equal(t, 500*time.Millisecond, denied.retryAfter)
	require.Equal(t, 2500*time.Millisecond, denied.reset)

	// 499 ms refills 0.998 of a token: still denied.
	require.False(t, decide(TokenBucket, limit, state, t0.Add(499*time.Millisecond)).allowed)

	n, _, _ = drain(TokenBucket, limit, state, t0.Add(500*time.Millisecond))
	require.Equal(t, 1, n)
	n, _, _ = drain(TokenBucket, limit, state, t0.Add(2*time.Second))
	require.Equal(t, 4, n)
	n, _, _ = drain(TokenBucket, limit, state, t0.Add(time.Hour))
	require.Equal(t, 5, n, "refill stops at the capacity")
}

func TestTokenBucketFractionalRate(t *testing.T) {
	limit := Limit{Quota: 1, RefillMilli: 1} // one token per 1000 s
	_, state, denied := drain(TokenBucket, limit, unusedSlot, t0)
	require.Equal(t, 1000*time.Second, denied.retryAfter)
	require.False(t, decide(TokenBucket, limit, state, t0.Add(999999*time.Millisecond)).allowed)
	require.True(t, decide(TokenBucket, limit, state, t0.Add(1000*time.Second)).allowed)
}

func TestTokenBucketClockBack(t *testing.T) {
	limit := Limit{Quota: 2, RefillMilli: 1000}
	_, state, _ := drain(TokenBucket, limit, unusedSlot, t0)
	require.False(t, decide(TokenBucket, limit, state, t0.Add(-time.Hour)).allowed)
	// The stored instant stays, so the refill counts from t0.
	require.True(t, decide(TokenBucket, limit, state, t0.Add(time.Second)).allowed)
}

func TestTokenBucketRemaining(t *testing.T) {
	limit := Limit{Quota: 3, RefillMilli: 1000}
	o := decide(TokenBucket, limit, unusedSlot, t0)
	require.True(t, o.allowed)
	require.EqualValues(t, 2, o.remaining)
	require.Equal(t, time.Second, o.reset)
	require.Len(t, o.next, stateSize)
}

func TestSlidingWindowBoundaries(t *testing.T) {
	limit := Limit{Quota: 4, Window: 10 * time.Second}
	start := t0.Truncate(10 * time.Second)

	// Fill the window at its last instant.
	end := start.Add(10*time.Second - time.Microsecond)
	n, state, denied := drain(SlidingWindow, limit, unusedSlot, end)
	require.Equal(t, 4, n)
	require.Equal(t, time.Microsecond+10*time.Second*1/4, denied.retryAfter,
		"the previous window must fade to 3 of 4 first")

	// At the boundary the previous window weighs fully: still denied.
	next := start.Add(10 * time.Second)
	require.False(t, decide(SlidingWindow, limit, state, next).allowed)

	// A quarter into the next window, 4×0.75 = 3 leaves room for one.
	n, state, _ = drain(SlidingWindow, limit, state, next.Add(2500*time.Millisecond))
	require.Equal(t, 1, n)

	// Half-way, 4×0.5 + 1 = 3: one more.
	n, _, _ = drain(SlidingWindow, limit, state, next.Add(5*time.Second))
	require.Equal(t, 1, n)

	// Two windows later nothing weighs any more.
	n, _, _ = drain(SlidingWindow, limit, state, next.Add(20*time.Second))
	require.Equal(t, 4, n)
}

func TestSlidingWindowNeverExceedsFixedWindow(t *testing.T) {
	limit := Limit{Quota: 10, Window: time.Second}
	state := unusedSlot
	perWindow := map[int64]int{}
	for ms := int64(0); ms < 5000; ms += 7 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		if o := decide(SlidingWindow, limit, state, now); o.allowed {
			state = o.next
			perWindow[now.UnixNano()/int64(time.Second)]++
		}
	}
	for window, n := range perWindow {
		require.LessOrEqual(t, n, 10, "window %d", window)
	}
}

func TestRefundGivesBackOne(t *testing.T) {
	bucketLimit := Limit{Quota: 2, RefillMilli: 1}
	_, state, _ := drain(TokenBucket, bucketLimit, unusedSlot, t0)
	state = refund(TokenBucket, bucketLimit, state, t0)
	n, _, _ := drain(TokenBucket, bucketLimit, state, t0)
	require.Equal(t, 1, n)

	windowLimit := Limit{Quota: 2, Window: time.Minute}
	_, state, _ = drain(SlidingWindow, windowLimit, unusedSlot, t0)
	state = refund(SlidingWindow, windowLimit, state, t0)
	n, _, _ = drain(SlidingWindow, windowLimit, state, t0)
	require.Equal(t, 1, n)
}

func TestForeignStateReadsAsUnused(t *testing.T) {
	limit := Limit{Quota: 3, RefillMilli: 1000}
	window := decide(SlidingWindow, Limit{Quota: 1, Window: time.Second}, unusedSlot, t0).next
	n, _, _ := drain(TokenBucket, limit, window, t0)
	require.Equal(t, 3, n)
	n, _, _ = drain(TokenBucket, limit, []byte{1, 2, 3}, t0)
	require.Equal(t, 3, n)
}

// TestWindowIndexMatchesSignedDivision checks that decodeWindow's unsigned
// division for times after 1970 picks the window that the signed division
// picks, and that times before 1970 still divide signed.
func TestWindowIndexMatchesSignedDivision(t *testing.T) {
	for _, window := range []time.Duration{time.Second, 7 * time.Second, time.Hour, 24 * time.Hour} {
		limit := Limit{Quota: 10, Window: window}
		for _, unixNano := range []int64{
			0, 1, int64(window) - 1, int64(window), t0.UnixNano(), 1<<63 - 1,
			-1, -int64(window), -int64(window) - 1, -1 << 63,
		} {
			w := decodeWindow(unusedSlot, limit, unixNano)
			require.Equal(t, unixNano/int64(window), w.index, "window %v, time %d", window, unixNano)
		}
	}
}
