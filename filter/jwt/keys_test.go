package jwt

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Ed25519 example of RFC 8037 appendix A.4: a JWS over a sentence,
// verified with the public key of appendix A.2.
const (
	rfc8037JWKS  = `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
	rfc8037Token = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

func TestRFC8037Ed25519Vector(t *testing.T) {
	keys, err := ParseJWKS([]byte(rfc8037JWKS))
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.True(t, keys[0].Fits("EdDSA"))
	assert.False(t, keys[0].Fits("HS256"))

	// The payload is not a claims set, so ParseUnverified rejects the token;
	// the signature itself is checked on the token as split.
	_, err = ParseUnverified(rfc8037Token)
	assert.ErrorIs(t, err, ErrBadClaims)

	v := testVerifier(nil)
	assert.True(t, v.verifyWith(keys[0], splitToken(t, "EdDSA", rfc8037Token)))
	assert.False(t, v.verifyWith(keys[0], splitToken(t, "EdDSA", tamper(rfc8037Token))))
}

// splitToken splits a compact JWS without reading its payload, for a check
// of the signature alone.
func splitToken(t *testing.T, alg, token string) *Token {
	t.Helper()
	last := strings.LastIndexByte(token, '.')
	signature, err := base64.RawURLEncoding.DecodeString(token[last+1:])
	require.NoError(t, err)
	return &Token{Alg: alg, raw: token, input: []byte(token[:last]), Signature: signature}
}

func TestParseJWKS(t *testing.T) {
	tests := []struct {
		name, jwks, problem string
	}{
		{"empty", `{"keys":[]}`, `jwt: the JWKS has no keys; give at least one in "keys"`},
		{"not JSON", `{`, "jwt: invalid JWKS: unexpected end of JSON input"},
		{"encryption only", `{"keys":[{"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
			`jwt: the JWKS has no signature keys; every key has a "use" other than "sig"`},
		{"private key", `{"keys":[{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
			"jwt: keys[0]: is a private key; publish only the public part"},
		{"alg does not fit", `{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"RS256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
			`jwt: keys[0]: alg "RS256" does not fit a key of type OKP`},
		{"unknown alg", `{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"none","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
			`jwt: keys[0]: unsupported alg "none"`},
		{"short oct", `{"keys":[{"kty":"oct","k":"c2hvcnQ"}]}`, "jwt: keys[0]: jwt: HMAC secret of 5 bytes is shorter than the minimum of 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJWKS([]byte(tc.jwks))
			require.Error(t, err)
			assert.Equal(t, tc.problem, err.Error())
		})
	}
}

// TestECKeyFitsItsCurveOnly checks that an EC key serves the ES algorithm
// of its curve and no other, whether it comes from a PEM block or a JWK.
func TestECKeyFitsItsCurveOnly(t *testing.T) {
	for _, tc := range []struct{ alg, other string }{{"ES256", "ES384"}, {"ES384", "ES256"}} {
		signer := newSigner(t, tc.alg, "k")
		der, err := x509.MarshalPKIXPublicKey(signer.key.public)
		require.NoError(t, err)
		fromPEM, err := ParsePEM("k", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		require.NoError(t, err)
		jwk, err := json.Marshal(jose.JSONWebKey{Key: signer.key.public, KeyID: "k"})
		require.NoError(t, err)
		fromJWK, err := ParseJWKS([]byte(`{"keys":[` + string(jwk) + `]}`))
		require.NoError(t, err)

		for _, key := range []*Key{fromPEM, fromJWK[0]} {
			assert.True(t, key.Fits(tc.alg), "%s key", tc.alg)
			assert.False(t, key.Fits(tc.other), "%s key", tc.alg)
			assert.False(t, key.Fits("ES512"), "%s key", tc.alg)
			assert.False(t, key.Fits("RS256"), "%s key", tc.alg)
		}
	}
}

func TestParsePEM(t *testing.T) {
	der, err := x509.MarshalPKIXPublicKey(&testRSAKey(t).PublicKey)
	require.NoError(t, err)
	block := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	key, err := ParsePEM("r", block)
	require.NoError(t, err)
	assert.True(t, key.Fits("RS256"))
	assert.True(t, key.Fits("PS512"))
	assert.False(t, key.Fits("HS256"), "an RSA key is never an HMAC secret")
	assert.False(t, key.Fits("ES256"))

	_, err = ParsePEM("r", append(block, block...))
	assert.EqualError(t, err, "jwt: unexpected data after the PEM block; give one key per entry")
}

func TestParsePEMErrorsSayWhatToDo(t *testing.T) {
	blockOf := func(blockType string, body []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: body})
	}
	tests := []struct {
		name string
		pem  []byte
		want string
	}{
		{"no block", []byte("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"),
			`jwt: no PEM block found; expected "-----BEGIN PUBLIC KEY-----", a base64 body and "-----END PUBLIC KEY-----", with the line breaks written as \n in JSON`},
		{"PKCS #1", blockOf("RSA PUBLIC KEY", []byte{0}),
			`jwt: the PEM block has type "RSA PUBLIC KEY" (PKCS #1); convert it with "openssl rsa -RSAPublicKey_in -in key.pem -pubout" to a "PUBLIC KEY" block`},
		{"private key", blockOf("EC PRIVATE KEY", []byte{0}),
			`jwt: the PEM block has type "EC PRIVATE KEY"; give the public key only, from "openssl pkey -in key.pem -pubout", and keep the private key out of the configuration`},
		{"certificate", blockOf("CERTIFICATE", []byte{0}),
			`jwt: the PEM block has type "CERTIFICATE"; extract its key with "openssl x509 -in cert.pem -pubkey -noout"`},
		{"other type", blockOf("SSH KEY", []byte{0}), `jwt: the PEM block has type "SSH KEY"; expected one block of type "PUBLIC KEY"`},
		{"bad DER", blockOf("PUBLIC KEY", []byte{0x30, 0x03, 0x02, 0x01}),
			`jwt: the "PUBLIC KEY" block does not contain a valid DER SubjectPublicKeyInfo (RFC 5280); export the key again with "openssl pkey -pubin -in key.pem -pubout" and paste the whole output`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePEM("k", tc.pem)
			require.EqualError(t, err, tc.want)
			assert.NotContains(t, err.Error(), "asn1", "the ASN.1 parser's detail does not help an operator")
		})
	}
}

func TestCacheServesUntilExpiry(t *testing.T) {
	s := newSigner(t, "ES256", "k1")
	now := testNow
	v := NewVerifier(&Config{CacheEntries: 2, CacheBytes: 1 << 16, Providers: []*Provider{testProvider(s.key)}},
		func() time.Time { return now }, nil)

	claims := validClaims()
	claims["exp"] = testNow.Add(10 * time.Second).Unix()
	token := s.sign(t, claims)
	first, err := v.Verify(token)
	require.NoError(t, err)
	second, err := v.Verify(token)
	require.NoError(t, err)
	assert.Same(t, first, second, "the second call is a cache hit")

	// At exp the cache no longer serves the token; verification then
	// still accepts it within the clock skew, and rejects it after.
	now = testNow.Add(10 * time.Second)
	third, err := v.Verify(token)
	require.NoError(t, err)
	assert.NotSame(t, first, third)
	now = testNow.Add(80 * time.Second)
	_, err = v.Verify(token)
	assert.ErrorIs(t, err, ErrExpired)
}

func TestCacheBounds(t *testing.T) {
	c := newCache(3, 1000)
	for i := range 10 {
		c.put(string(rune('a'+i)), &Result{size: 100})
	}
	assert.Equal(t, 3, c.len())
	assert.NotNil(t, c.get("j", testNow))
	assert.Nil(t, c.get("a", testNow))

	c = newCache(100, 250)
	for i := range 10 {
		c.put(string(rune('a'+i)), &Result{size: 100})
	}
	assert.Equal(t, 2, c.len())
	assert.Equal(t, 200, c.bytes)
	c.put("big", &Result{size: 300})
	assert.Nil(t, c.get("big", testNow), "an entry larger than the byte bound is not cached")

	disabled := newCache(0, 0)
	disabled.put("a", &Result{size: 1})
	assert.Equal(t, 0, disabled.len())
}
