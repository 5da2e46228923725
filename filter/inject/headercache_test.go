package inject

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cacheHeaders are header sets of clean and attack values, some sharing
// values, that TestHeaderCacheKeepsFindings scans in turn.
var cacheHeaders = [][][2]string{
	{{"user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15"}, {"referer", "https://app.example.com/orders?page=2"}},
	{{"user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15"}, {"referer", "https://app.example.com/'; DROP TABLE users--"}},
	{{"user-agent", "() { :; }; /bin/bash -c 'cat /etc/passwd'"}, {"cookie", "theme=dark; locale=en-GB"}},
	{{"cookie", "theme=dark; locale=en-GB"}, {"x-note", "<script>alert(1)</script>"}},
	{{"cookie", "theme=<svg onload=alert(1)>"}, {"x-note", "plain words"}, {"referer", "https://app.example.com/orders?page=2"}},
	{{"user-agent", "curl/8.5.0"}, {"x-note", "plain words"}, {"x-forwarded-for", "1' or '1'='1"}},
	{{"referer", strings.Repeat("a", maxCachedValueBytes+1)}, {"user-agent", "sqlmap/1.8 ' or 1=1--"}},
}

// TestHeaderCacheKeepsFindings requires ScanHeadersCached to return what
// ScanHeaders returns, over repeated rounds that hit the cache, with a
// cache of one slot whose values keep replacing each other, and for two
// policies sharing a cache.
func TestHeaderCacheKeepsFindings(t *testing.T) {
	strict := DefaultPolicy()
	strict.Sensitivity = Low
	policies := []*Policy{DefaultPolicy(), strict}

	for _, slots := range []int{1, 64} {
		cache := NewHeaderCache(slots)
		for round := range 3 {
			for i, headers := range cacheHeaders {
				for _, p := range policies {
					want := p.ScanHeaders(headers)
					got := p.ScanHeadersCached(headers, cache)
					require.Equal(t, want, got, "slots %d, round %d, header set %d", slots, round, i)
				}
			}
		}
	}
}

func TestHeaderCacheRemembersCleanValues(t *testing.T) {
	p := DefaultPolicy()
	cache := NewHeaderCache(64)
	ua := "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
	attack := "<script>alert(1)</script>"
	long := strings.Repeat("a b ", maxCachedValueBytes)

	p.ScanHeadersCached([][2]string{{"user-agent", ua}, {"referer", attack}, {"x-note", long}}, cache)

	require.True(t, cache.clean(p, "user-agent", ua), "a clean value is remembered")
	require.False(t, cache.clean(p, "referer", attack), "a value with a finding is not remembered")
	require.False(t, cache.clean(p, "x-note", long), "a value over maxCachedValueBytes is not remembered")
	require.False(t, cache.clean(p, "referer", ua), "the header name is part of the key")
	require.False(t, cache.clean(DefaultPolicy(), "user-agent", ua), "the policy is part of the key")
}

func TestHeaderCacheSlotsRoundUp(t *testing.T) {
	require.Len(t, NewHeaderCache(100).slots, 128)
	require.Len(t, NewHeaderCache(1).slots, 1)
}
