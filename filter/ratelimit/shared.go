package ratelimit

import (
	"errors"
	"net/netip"
)

// Hash returns the 64-bit FNV-1a hash of data, the hash that rules use to
// pick a slot, for other packages that keep bounded tables in the same
// Store.
func Hash(data []byte) uint64 { return fnv1a(data) }

// AppendClientKey appends the binary form of a grouped client network, as
// Group returns it: the address bytes (4 for IPv4, 16 for IPv6), then the
// prefix length. Rules key a client by these bytes.
func AppendClientKey(dst []byte, prefix netip.Prefix) []byte {
	dst = appendAddr(dst, prefix.Addr())
	return append(dst, byte(prefix.Bits()))
}

// Update reads key, applies change and writes the result back with
// compare-and-swap, reading again after a conflict, up to MaxAttempts
// times; then it returns ErrContention. change returns false to leave the
// value as it is. A missing key reads as nil.
func Update(store Store, key string, change func(old []byte) (next []byte, write bool)) error {
	for range MaxAttempts {
		old, cas, err := store.Get(key)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		next, write := change(old)
		if !write {
			return nil
		}
		err = store.Set(key, next, cas)
		if !errors.Is(err, ErrCASMismatch) {
			return err
		}
	}
	return ErrContention
}
