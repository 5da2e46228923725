package filter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkCheckJWTCacheHit is BenchmarkCheckAPIKey with a bearer token
// already in the verified-token cache: the decision of a JWT route without
// a signature check.
func BenchmarkCheckJWTCacheHit(b *testing.B) {
	engine := newTestEngine(b, jwtTestConfig(""))
	token := mintHS256(b, corpSecret, corpClaims("read"))
	req := &Request{Method: "GET", Path: "/jwt/items?page=2", Headers: typicalHeaders(header("authorization", "Bearer "+token))}
	require.True(b, engine.Check(req).Allow)

	b.ReportAllocs()
	for b.Loop() {
		engine.Check(req)
	}
}

// BenchmarkCheckJWTUncached checks the HS256 signature on each request.
func BenchmarkCheckJWTUncached(b *testing.B) {
	config := strings.Replace(jwtTestConfig(""), `"jwt": {`, `"jwt": {"cache_entries": 0,`, 1)
	require.NotEqual(b, jwtTestConfig(""), config, "cache_entries was not inserted")
	engine := newTestEngine(b, config)
	token := mintHS256(b, corpSecret, corpClaims("read"))
	req := &Request{Method: "GET", Path: "/jwt/items?page=2", Headers: typicalHeaders(header("authorization", "Bearer "+token))}
	require.True(b, engine.Check(req).Allow)

	b.ReportAllocs()
	for b.Loop() {
		engine.Check(req)
	}
}
