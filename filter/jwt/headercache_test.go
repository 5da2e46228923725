package jwt

import (
	"crypto"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeaderCacheKeepsDecisions runs the same tokens through a Verifier
// whose header cache fills with the first, valid token, and through fresh
// Verifiers: every result must be the same.
func TestHeaderCacheKeepsDecisions(t *testing.T) {
	s := newSigner(t, "HS256", "k1")
	secret := s.private.([]byte)
	good := s.sign(t, validClaims())
	header := good[:strings.IndexByte(good, '.')]
	parts := strings.Split(good, ".")
	claims := `{"iss":"https://issuer.test","aud":"api","sub":"u","exp":` + itoa(testNow.Add(time.Hour).Unix()) + `}`

	tokens := map[string]string{
		"valid":                      good,
		"same header, bad signature": parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])-1) + "A",
		"same header, other claims":  header + "." + strings.Split(hmacSign(t, `{"alg":"HS256"}`, claims, crypto.SHA256, secret), ".")[1] + "." + parts[2],
		"alg none":                   forge(`{"alg":"none","kid":"k1"}`, claims, []byte("x")),
		"crit":                       hmacSign(t, `{"alg":"HS256","kid":"k1","crit":["exp"]}`, claims, crypto.SHA256, secret),
		"duplicate alg":              hmacSign(t, `{"alg":"HS256","kid":"k1","alg":"none"}`, claims, crypto.SHA256, secret),
		"other kid":                  hmacSign(t, `{"alg":"HS256","kid":"k2"}`, claims, crypto.SHA256, secret),
	}

	cached := testVerifier(nil, testProvider(s.key))
	_, err := cached.Verify(good)
	require.NoError(t, err)
	require.Contains(t, cached.headers.entries, header, "the valid token's header was not cached")

	for name, token := range tokens {
		for range 2 {
			_, want := testVerifier(nil, testProvider(s.key)).Verify(token)
			_, got := cached.Verify(token)
			assert.Equal(t, want, got, name)
		}
	}
}

func TestHeaderCacheTakesOnlyVerifiedTokens(t *testing.T) {
	s := newSigner(t, "HS256", "k1")
	v := testVerifier(nil, testProvider(s.key))

	for i := range 5 {
		claims := validClaims()
		claims["jti"] = fmt.Sprintf("id-%d", i)
		token := s.sign(t, claims)
		_, err := v.Verify(token[:len(token)-2] + "AA")
		require.Error(t, err)
	}
	assert.Empty(t, v.headers.entries, "a token with a bad signature added its header")
}

func TestHeaderCacheIsBounded(t *testing.T) {
	var keys []*Key
	var signers []signer
	for i := range 2*maxCachedHeaders + 3 {
		s := newSigner(t, "HS256", fmt.Sprintf("kid-%d", i))
		signers = append(signers, s)
		keys = append(keys, s.key)
	}
	v := testVerifier(nil, testProvider(keys...))

	for i, s := range signers {
		_, err := v.Verify(s.sign(t, validClaims()))
		require.NoError(t, err, "kid-%d", i)
		assert.LessOrEqual(t, len(v.headers.entries), maxCachedHeaders)
	}
	assert.NotEmpty(t, v.headers.entries, "a full cache did not start again")
}
