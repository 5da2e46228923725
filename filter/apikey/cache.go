package apikey

import (
	"crypto/subtle"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Cache remembers credentials that matched a key, so that a repeated
// credential is found without computing its digest. Inside wasm, SHA-256 of
// a 50-byte key costs about 1.6 µs and HMAC-SHA-256 about four times that,
// which is most of an authenticated request's cost.
//
// Only credentials that matched a key are stored, so random credentials
// cannot fill the cache. The cached key's validity period and disabled flag
// are checked by the caller on every request, as for a Store lookup.
//
// The cache holds credentials, which are secrets: it is bounded, never
// printed, and compares a stored credential with subtle.ConstantTimeCompare.
// It is safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	seed    maphash.Seed
	max     int
	entries map[uint64]cacheEntry

	// hits and misses count the lookups of an enabled cache.
	hits, misses atomic.Uint64
}

type cacheEntry struct {
	credential string
	key        *Key
}

// NewCache returns a cache of at most maxEntries credentials. When it is
// full, the next insertion empties it. A maxEntries of 0 disables it.
func NewCache(maxEntries int) *Cache {
	return &Cache{
		seed:    maphash.MakeSeed(),
		max:     maxEntries,
		entries: make(map[uint64]cacheEntry),
	}
}

// Get returns the key that credential matched before, or nil.
func (c *Cache) Get(credential string) *Key {
	if c.max == 0 {
		return nil
	}

	// The map key is a hash with a random seed, so a client cannot choose
	// credentials that collide; a collision only costs a miss.
	h := maphash.String(c.seed, credential)
	c.mu.Lock()
	entry, ok := c.entries[h]
	c.mu.Unlock()

	if ok && subtle.ConstantTimeCompare(stringBytes(entry.credential), stringBytes(credential)) == 1 {
		c.hits.Add(1)
		return entry.key
	}
	c.misses.Add(1)
	return nil
}

// Stats returns the number of lookups that found a credential and of those
// that did not, since the cache was made. A disabled cache counts none.
func (c *Cache) Stats() (hits, misses uint64) {
	return c.hits.Load(), c.misses.Load()
}

// Put remembers that credential matched key.
func (c *Cache) Put(credential string, key *Key) {
	if c.max == 0 {
		return
	}

	h := maphash.String(c.seed, credential)
	// The credential may point into a larger buffer, such as the host's
	// header map; a copy keeps only the credential alive.
	entry := cacheEntry{credential: strings.Clone(credential), key: key}

	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[h] = entry
}

// Len returns the number of cached credentials.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// stringBytes returns the bytes of s without copying; they must not be
// modified.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
