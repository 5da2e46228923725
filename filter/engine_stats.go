package filter

// CacheStats counts the lookups of the engine's per-VM caches since it was
// made, for the plugin's metrics.
type CacheStats struct {
	// APIKeyHits and APIKeyMisses count the credentials that the API key
	// cache found or did not find.
	APIKeyHits, APIKeyMisses uint64

	// TokenHits and TokenMisses count the tokens that the verified-token
	// cache found or did not find; both are 0 without a jwt section.
	TokenHits, TokenMisses uint64
}

// CacheStats returns the cache counts so far. The counts only grow, so a
// caller that sends deltas keeps the previous value.
func (e *Engine) CacheStats() CacheStats {
	var s CacheStats
	s.APIKeyHits, s.APIKeyMisses = e.keys.Stats()
	if e.tokens != nil {
		s.TokenHits, s.TokenMisses = e.tokens.CacheStats()
	}
	return s
}
