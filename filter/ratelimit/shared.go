package ratelimit

import "net/netip"

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
