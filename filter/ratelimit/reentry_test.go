package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// reentrantStore runs a nested Check of its limiter inside its first read,
// as a store that calls back into the filter would.
type reentrantStore struct {
	*MemoryStore
	limiter *Limiter
	inner   *Request
	started bool
	result  *Result
}

func (s *reentrantStore) GetInto(key string, dst []byte) ([]byte, uint32, error) {
	if !s.started {
		s.started = true
		res := s.limiter.Check(s.inner)
		s.result = &res
	}
	return s.MemoryStore.GetInto(key, dst)
}

// TestNestedCheckUsesItsOwnScratch checks that a Check that starts while
// another holds the spare scratch works in a scratch of its own, and that
// both count exactly. In wasm a plain flag guards the spare, and this test
// fails if tryLock lets a second holder in (run it with GOOS=js
// GOARCH=wasm and go_js_wasm_exec).
func TestNestedCheckUsesItsOwnScratch(t *testing.T) {
	cfg := &Config{Rules: []Rule{bucketRule("per-caller", 2, byIdentity), bucketRule("global", 3, global)}}
	store := &reentrantStore{MemoryStore: NewMemoryStore(), inner: caller("inner")}
	l := New(cfg, store, func() time.Time { return t0 })
	store.limiter = l

	outer := l.Check(caller("outer"))
	require.NotNil(t, store.result, "the store did not run the nested Check")
	require.True(t, store.result.Allow, "the nested Check was denied")
	require.True(t, outer.Allow, "the outer Check was denied")

	// The global rule has one request left, and each caller one more.
	require.True(t, l.Check(caller("outer")).Allow)
	denied := l.Check(caller("inner"))
	require.False(t, denied.Allow)
	require.Equal(t, "global", denied.Rule)

	// The outer Check returned the spare scratch, so later Checks reuse it.
	require.True(t, l.spareTaken.tryLock(), "the spare scratch is still taken")
	l.spareTaken.unlock()
}
