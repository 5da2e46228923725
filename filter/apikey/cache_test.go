package apikey

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCacheReturnsStoredKey(t *testing.T) {
	c := NewCache(4)
	key := &Key{ID: "demo"}

	require.Nil(t, c.Get("bwk_demo"))
	c.Put("bwk_demo", key)

	require.Same(t, key, c.Get("bwk_demo"))
	require.Nil(t, c.Get("bwk_demx"), "a different credential must miss")
	require.Nil(t, c.Get("bwk_dem"), "a prefix must miss")
}

func TestCacheBounded(t *testing.T) {
	c := NewCache(3)
	for i := range 10 {
		c.Put("bwk_"+strconv.Itoa(i), &Key{ID: strconv.Itoa(i)})
		require.LessOrEqual(t, c.Len(), 3)
	}

	require.NotNil(t, c.Get("bwk_9"), "the newest entry must survive")
}

func TestCacheDisabled(t *testing.T) {
	c := NewCache(0)
	c.Put("bwk_demo", &Key{ID: "demo"})

	require.Nil(t, c.Get("bwk_demo"))
	require.Zero(t, c.Len())
}

// TestCacheCopiesCredential checks that the cache keeps its own copy, so a
// credential that points into a reused buffer stays correct.
func TestCacheCopiesCredential(t *testing.T) {
	c := NewCache(4)
	buf := []byte("bwk_demo")
	c.Put(string(buf), &Key{ID: "demo"})
	copy(buf, "bwk_xxxx")

	require.NotNil(t, c.Get("bwk_demo"))
}

func TestCacheStats(t *testing.T) {
	c := NewCache(4)
	c.Get("bwk_demo")
	c.Put("bwk_demo", &Key{ID: "demo"})
	c.Get("bwk_demo")
	c.Get("bwk_demo")
	hits, misses := c.Stats()
	require.Equal(t, uint64(2), hits)
	require.Equal(t, uint64(1), misses)

	disabled := NewCache(0)
	disabled.Get("bwk_demo")
	hits, misses = disabled.Stats()
	require.Zero(t, hits+misses, "a disabled cache counts nothing")
}
