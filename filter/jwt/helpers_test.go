package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
)

// testNow is the fixed time every test verifies at.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const testIssuer = "https://issuer.test"

// signer is a private key with the public Key that verifies it.
type signer struct {
	alg     string
	private any
	key     *Key
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSAKey generates one 2048-bit key per test binary, because generation
// takes a noticeable fraction of a second.
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		rsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
	})
	return rsaKey
}

// newSigner returns a signer for alg whose key has the given kid.
func newSigner(t testing.TB, alg, kid string) signer {
	t.Helper()
	var private any
	var public any
	switch alg[:2] {
	case "HS":
		secret := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
		key, err := NewHMACKey(kid, secret)
		require.NoError(t, err)
		return signer{alg: alg, private: secret, key: key}
	case "RS", "PS":
		k := testRSAKey(t)
		private, public = k, &k.PublicKey
	case "ES":
		curve := elliptic.P256()
		if alg == "ES384" {
			curve = elliptic.P384()
		}
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		require.NoError(t, err)
		private, public = k, &k.PublicKey
	case "Ed":
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		private, public = priv, pub
	}
	key, err := newPublicKey(kid, "", public)
	require.NoError(t, err)
	return signer{alg: alg, private: private, key: key}
}

// sign mints a compact JWS over claims with go-jose.
func (s signer) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if s.key.ID != "" {
		opts = opts.WithHeader("kid", s.key.ID)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(s.alg), Key: s.private}, opts.WithType("JWT"))
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	obj, err := sig.Sign(payload)
	require.NoError(t, err)
	token, err := obj.CompactSerialize()
	require.NoError(t, err)
	return token
}

// validClaims returns claims that testProvider accepts at testNow.
func validClaims() map[string]any {
	return map[string]any{
		"iss":   testIssuer,
		"aud":   "api",
		"sub":   "user-1",
		"exp":   testNow.Add(time.Hour).Unix(),
		"iat":   testNow.Add(-time.Minute).Unix(),
		"scope": "read write",
		"jti":   "id-1",
	}
}

func testProvider(keys ...*Key) *Provider {
	return &Provider{
		Name:          "test",
		Issuer:        testIssuer,
		Audiences:     []string{"api"},
		Algorithms:    Algorithms,
		Keys:          keys,
		ClockSkew:     DefaultClockSkew,
		MaxTokenBytes: DefaultMaxTokenBytes,
		IdentityClaim: DefaultIdentityClaim,
		RevokedIDs:    map[string]struct{}{"revoked-1": {}},
	}
}

func testVerifier(native NativeVerifier, providers ...*Provider) *Verifier {
	cfg := &Config{CacheEntries: 16, CacheBytes: 1 << 16, Providers: providers}
	return NewVerifier(cfg, func() time.Time { return testNow }, native)
}

// forge builds a compact token from raw header and claims JSON and a
// signature, without any check.
func forge(header, claims string, signature []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString(signature)
}

// hmacSign signs a forged token the way an attacker who holds secret would.
func hmacSign(t testing.TB, header, claims string, hash crypto.Hash, secret []byte) string {
	t.Helper()
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	mac := hmacSum(hash, secret, []byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac)
}
