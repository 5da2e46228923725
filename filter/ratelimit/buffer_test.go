package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// plainStore is a MemoryStore without GetInto, so that the Limiter reads
// through Get.
type plainStore struct{ *MemoryStore }

func (s plainStore) Get(key string) ([]byte, uint32, error) { return s.MemoryStore.Get(key) }
func (s plainStore) Set(key string, value []byte, cas uint32) error {
	return s.MemoryStore.Set(key, value, cas)
}

// countingStore counts the reads of each kind of a MemoryStore.
type countingStore struct {
	*MemoryStore
	gets, getIntos int
}

func (s *countingStore) Get(key string) ([]byte, uint32, error) {
	s.gets++
	return s.MemoryStore.Get(key)
}

func (s *countingStore) GetInto(key string, dst []byte) ([]byte, uint32, error) {
	s.getIntos++
	return s.MemoryStore.GetInto(key, dst)
}

func TestMemoryStoreGetInto(t *testing.T) {
	store := NewMemoryStore()
	require.NoError(t, store.Set("short", []byte("abc"), 0))
	require.NoError(t, store.Set("long", []byte("0123456789"), 0))
	dst := make([]byte, 4)

	value, cas, err := store.GetInto("short", dst)
	require.NoError(t, err)
	require.Equal(t, "abc", string(value))
	require.Equal(t, uint32(1), cas)
	require.Same(t, &dst[0], &value[0], "a value that fits is read into dst")

	value, cas, err = store.GetInto("long", dst)
	require.NoError(t, err)
	require.Equal(t, "0123456789", string(value))
	require.Equal(t, uint32(2), cas)
	require.Equal(t, "abc", string(dst[:3]), "a longer value left dst alone")

	_, _, err = store.GetInto("missing", dst)
	require.ErrorIs(t, err, ErrNotFound)
}

// TestLimiterReadsIntoItsBuffer checks that a Limiter on a BufferStore reads
// every slot through GetInto, and decides as one on a plain Store does.
func TestLimiterReadsIntoItsBuffer(t *testing.T) {
	cfg := benchConfig()
	for i := range cfg.Rules {
		cfg.Rules[i].Default.Quota = 3
	}
	now := func() time.Time { return t0 }
	buffered := &countingStore{MemoryStore: NewMemoryStore()}
	plain := plainStore{NewMemoryStore()}
	withBuffer, without := New(cfg, buffered, now), New(cfg, plain, now)

	for i := range 5 {
		req := caller("reader")
		got, want := withBuffer.Check(req), without.Check(req)
		require.Equal(t, want.Allow, got.Allow, "request %d", i)
		require.Equal(t, want.Rule, got.Rule, "request %d", i)
		require.Equal(t, i < 3, got.Allow, "request %d", i)
	}
	require.Zero(t, buffered.gets, "the limiter read through Get")
	require.Equal(t, 5*3, buffered.getIntos)
	require.Equal(t, plain.Len(), buffered.Len())
	for _, key := range []string{"per-caller", "per-ip", "global"} {
		require.Equal(t, storedStates(t, plain.MemoryStore, key), storedStates(t, buffered.MemoryStore, key), key)
	}
}

// storedStates returns the states of the slots of rule that s holds, by
// slot key.
func storedStates(t *testing.T, s *MemoryStore, rule string) map[string]string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	states := map[string]string{}
	for key, e := range s.entries {
		if len(key) > len(SlotKeyPrefix)+len(rule) && key[len(SlotKeyPrefix):len(SlotKeyPrefix)+len(rule)+1] == rule+"/" {
			states[key] = string(e.value)
		}
	}
	require.NotEmpty(t, states, rule)
	return states
}

// TestCheckOnMemoryStoreDoesNotAllocate checks that an allowed request
// allocates nothing when the store reads into the limiter's buffers: the
// wasm module's shared-data store reads the same way.
func TestCheckOnMemoryStoreDoesNotAllocate(t *testing.T) {
	l, _, _ := newTestLimiter(t, benchConfig())
	req := caller("reader")
	require.True(t, l.Check(req).Allow)

	allocs := testing.AllocsPerRun(100, func() { l.Check(req) })
	require.Zero(t, allocs)
}
