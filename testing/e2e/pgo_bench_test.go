package e2e

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
)

// BenchmarkNativeJWTVerifySignature runs natively the module's part of
// BenchmarkHostJWT/RS256_verify_signature: Engine.Check of an uncached RS256
// token. A stand-in for the host's verify_signature accepts the signature by
// comparing it with the token's own, so the RSA check that the host makes is
// left out. `make pgo` profiles this benchmark.
func BenchmarkNativeJWTVerifySignature(b *testing.B) {
	keys := sharedJWTKeys(b)
	uncached := strings.Replace(keys.config(b), `"jwt":{`, `"jwt":{"cache_entries":0,`, 1)
	require.NotEqual(b, keys.config(b), uncached, "cache_entries was not inserted")
	cfg, err := config.Parse([]byte(uncached))
	require.NoError(b, err)

	token := benchToken(b, keys, "RS256")
	signature, err := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
	require.NoError(b, err)
	calls := 0
	hostCheck := func(hash string, publicKey, sig, text []byte) (bool, error) {
		calls++
		return hash == "sha256" && len(publicKey) > 0 && len(text) > 0 && bytes.Equal(sig, signature), nil
	}
	engine := filter.New(cfg, filter.WithClock(func() time.Time { return testNow }), filter.WithSignatureVerifier(hostCheck))
	req := &filter.Request{Method: "GET", Path: "/orders", Headers: benchHeaders([2]string{"authorization", "Bearer " + token})}
	require.True(b, engine.Check(req).Allow)
	require.Equal(b, 1, calls, "the signature was not checked through the stand-in")

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		engine.Check(req)
	}
}
