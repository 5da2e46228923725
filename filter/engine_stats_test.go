package filter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCacheStatsCountLookups(t *testing.T) {
	engine := newTestEngine(t, jwtTestConfig(""))
	token := mintHS256(t, corpSecret, corpClaims("read"))
	require.Equal(t, CacheStats{}, engine.CacheStats())

	// The first use of a key and a token misses; the second hits.
	for range 2 {
		require.True(t, engine.Check(get("/either/a", header("x-api-key", demoKey))).Allow)
		require.True(t, engine.Check(get("/jwt/a", header("authorization", "Bearer "+token))).Allow)
	}
	// An unknown key is looked up and misses.
	require.False(t, engine.Check(get("/either/a", header("x-api-key", unusedKey))).Allow)

	require.Equal(t, CacheStats{APIKeyHits: 1, APIKeyMisses: 2, TokenHits: 1, TokenMisses: 1}, engine.CacheStats())
}

func TestCacheStatsWithoutJWT(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))
	require.True(t, engine.Check(get("/v1/items", header("x-api-key", demoKey))).Allow)
	require.Equal(t, CacheStats{APIKeyMisses: 1}, engine.CacheStats())
}
