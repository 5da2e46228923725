package ratelimit

import (
	"errors"
	"sync"
)

// Errors of a Store.
var (
	// ErrNotFound is returned by Get for a key that was never set.
	ErrNotFound = errors.New("ratelimit: shared data key not found")

	// ErrCASMismatch is returned by Set when the key changed since the
	// version passed as cas was read.
	ErrCASMismatch = errors.New("ratelimit: shared data key changed since it was read")
)

// Store is the shared data of all worker VMs, with Envoy's semantics: Get
// returns a value and its version (cas); Set stores a value when cas is 0
// or equals the key's current version, and fails with ErrCASMismatch
// otherwise. Set creates an absent key whatever cas is. Nothing is ever
// deleted.
type Store interface {
	Get(key string) (value []byte, cas uint32, err error)
	Set(key string, value []byte, cas uint32) error
}

// BufferStore is a Store that can read a value into the caller's memory.
// The Limiter uses GetInto when its store has it.
type BufferStore interface {
	Store

	// GetInto is Get with the value in dst when it fits. A longer value
	// is returned in memory of its own. The caller must not reuse dst
	// while it uses the value.
	GetInto(key string, dst []byte) (value []byte, cas uint32, err error)
}

// MemoryStore is a Store in memory for native tests and benchmarks. It is
// safe for concurrent use.
type MemoryStore struct {
	mu      sync.Mutex
	entries map[string]memoryEntry
	lastCas uint32
}

type memoryEntry struct {
	value []byte
	cas   uint32
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{entries: map[string]memoryEntry{}}
}

// Get returns a copy of the value of key and its version.
func (s *MemoryStore) Get(key string) ([]byte, uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok {
		return nil, 0, ErrNotFound
	}
	return append([]byte(nil), e.value...), e.cas, nil
}

// GetInto is Get with the copy in dst when it fits.
func (s *MemoryStore) GetInto(key string, dst []byte) ([]byte, uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok {
		return nil, 0, ErrNotFound
	}
	if len(e.value) > len(dst) {
		return append([]byte(nil), e.value...), e.cas, nil
	}
	return dst[:copy(dst, e.value)], e.cas, nil
}

// Set stores a copy of value as Envoy's shared data does.
func (s *MemoryStore) Set(key string, value []byte, cas uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if ok && cas != 0 && cas != e.cas {
		return ErrCASMismatch
	}
	s.lastCas++
	if s.lastCas == 0 {
		s.lastCas = 1
	}
	if ok && len(e.value) == len(value) {
		// Get hands out copies, so the stored value is private.
		copy(e.value, value)
	} else {
		e.value = append([]byte(nil), value...)
	}
	e.cas = s.lastCas
	s.entries[key] = e
	return nil
}

// Len returns the number of keys.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Bytes returns the total size of keys and values, as the test host's
// Host.SharedDataBytes counts them.
func (s *MemoryStore) Bytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, e := range s.entries {
		n += len(k) + len(e.value)
	}
	return n
}
