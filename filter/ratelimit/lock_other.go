//go:build !wasm

package ratelimit

import "sync"

// spareLock guards a Limiter's spare scratch against concurrent native
// callers.
type spareLock struct{ mu sync.Mutex }

// tryLock takes the lock and reports whether it was free.
func (m *spareLock) tryLock() bool { return m.mu.TryLock() }

// unlock frees the lock.
func (m *spareLock) unlock() { m.mu.Unlock() }
