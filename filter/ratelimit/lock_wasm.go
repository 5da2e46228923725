//go:build wasm

package ratelimit

// spareLock guards a Limiter's spare scratch. Go's wasm ports run on one
// thread and switch goroutines only at function calls, and tryLock makes
// none between its test and its set, so a flag is a lock here. It spares
// the request the sync.Mutex and atomic calls, which cost in wasm.
type spareLock struct{ locked bool }

// tryLock takes the lock and reports whether it was free.
func (m *spareLock) tryLock() bool {
	if m.locked {
		return false
	}
	m.locked = true
	return true
}

// unlock frees the lock.
func (m *spareLock) unlock() { m.locked = false }
