package jwt

// CacheStats returns the number of tokens that the verified-token cache
// found and of those it did not, since the Verifier was made. A disabled
// cache counts none.
func (v *Verifier) CacheStats() (hits, misses uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cache.hits, v.cache.misses
}
