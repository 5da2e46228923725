package jwt

import (
	"crypto"
	_ "crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerifyEveryAlgorithm(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(alg, func(t *testing.T) {
			s := newSigner(t, alg, "k1")
			v := testVerifier(nil, testProvider(s.key))

			r, err := v.Verify(s.sign(t, validClaims()))
			require.NoError(t, err)
			assert.Equal(t, "user-1", r.Identity)
			assert.Equal(t, []string{"read", "write"}, r.Scopes)
			assert.Equal(t, "id-1", r.JTI)
		})
	}
}

func TestVerifyNativeVerifier(t *testing.T) {
	for _, alg := range []string{"RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA", "HS256"} {
		t.Run(alg, func(t *testing.T) {
			s := newSigner(t, alg, "k1")
			calls := 0
			native := func(hash string, der, signature, text []byte) (bool, error) {
				calls++
				return goVerify(hash, der, signature, text), nil
			}
			v := testVerifier(native, testProvider(s.key))

			token := s.sign(t, validClaims())
			_, err := v.Verify(token)
			require.NoError(t, err)

			wantNative := alg[:2] == "RS" || alg[:2] == "ES"
			assert.Equal(t, wantNative, calls == 1, "native calls: %d", calls)

			// A tampered signature fails through either path.
			v = testVerifier(native, testProvider(s.key))
			_, err = v.Verify(tamper(token))
			assert.ErrorIs(t, err, ErrSignature)
		})
	}
}

func TestVerifyNativeFailureFallsBack(t *testing.T) {
	s := newSigner(t, "RS256", "k1")
	native := func(string, []byte, []byte, []byte) (bool, error) { return false, errors.New("host failed") }
	v := testVerifier(native, testProvider(s.key))

	_, err := v.Verify(s.sign(t, validClaims()))
	assert.NoError(t, err)
}

// tamper flips one bit of the signature's first byte.
func tamper(token string) string {
	i := strings.LastIndexByte(token, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(token[i+1:])
	sig[0] ^= 1
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyClaims(t *testing.T) {
	s := newSigner(t, "ES256", "k1")
	tests := []struct {
		name   string
		edit   func(c map[string]any)
		expect error
	}{
		{"expired", func(c map[string]any) { c["exp"] = testNow.Add(-2 * time.Minute).Unix() }, ErrExpired},
		{"expired within skew", func(c map[string]any) { c["exp"] = testNow.Add(-30 * time.Second).Unix() }, nil},
		{"expired exactly at skew", func(c map[string]any) { c["exp"] = testNow.Add(-60 * time.Second).Unix() }, ErrExpired},
		{"exp missing", func(c map[string]any) { delete(c, "exp") }, ErrMissingExpiration},
		{"exp a string", func(c map[string]any) { c["exp"] = "tomorrow" }, ErrBadClaimType},
		{"exp fractional", func(c map[string]any) { c["exp"] = float64(testNow.Unix()) + 30.5 }, nil},
		{"nbf in future", func(c map[string]any) { c["nbf"] = testNow.Add(2 * time.Minute).Unix() }, ErrNotYetValid},
		{"nbf within skew", func(c map[string]any) { c["nbf"] = testNow.Add(30 * time.Second).Unix() }, nil},
		{"iat in future", func(c map[string]any) { c["iat"] = testNow.Add(2 * time.Minute).Unix() }, ErrIssuedInFuture},
		{"wrong issuer", func(c map[string]any) { c["iss"] = "https://evil.test" }, ErrWrongIssuer},
		{"issuer case differs", func(c map[string]any) { c["iss"] = "https://ISSUER.test" }, ErrWrongIssuer},
		{"issuer missing", func(c map[string]any) { delete(c, "iss") }, ErrNoIssuer},
		{"wrong audience", func(c map[string]any) { c["aud"] = "other" }, ErrWrongAudience},
		{"audience array", func(c map[string]any) { c["aud"] = []string{"other", "api"} }, nil},
		{"audience array without match", func(c map[string]any) { c["aud"] = []string{"other"} }, ErrWrongAudience},
		{"audience missing", func(c map[string]any) { delete(c, "aud") }, ErrWrongAudience},
		{"revoked jti", func(c map[string]any) { c["jti"] = "revoked-1" }, ErrRevoked},
		{"jti not a string", func(c map[string]any) { c["jti"] = 7 }, ErrBadClaimType},
		{"sub missing", func(c map[string]any) { delete(c, "sub") }, ErrMissingClaim},
		{"sub with newline", func(c map[string]any) { c["sub"] = "a\nb" }, ErrBadIdentity},
		{"sub a number", func(c map[string]any) { c["sub"] = 1 }, ErrBadIdentity},
		{"scope a number", func(c map[string]any) { c["scope"] = 1 }, ErrBadClaimType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validClaims()
			tc.edit(c)
			_, err := testVerifier(nil, testProvider(s.key)).Verify(s.sign(t, c))
			if tc.expect == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.expect)
			}
		})
	}
}

func TestVerifyRequiredClaimsAndHeaders(t *testing.T) {
	s := newSigner(t, "HS256", "")
	p := testProvider(s.key)
	p.RequiredClaims = []string{"email"}
	p.ClaimHeaders = []ClaimHeader{{"email", "x-email"}, {"groups", "x-groups"}, {"bad", "x-bad"}, {"absent", "x-absent"}}
	p.ScopeClaim = "permissions"

	c := validClaims()
	_, err := testVerifier(nil, p).Verify(s.sign(t, c))
	assert.ErrorIs(t, err, ErrMissingClaim)

	c["email"] = "a@example.test"
	c["groups"] = []string{"x", "y"}
	c["bad"] = "line\r\nx-admin: 1"
	c["permissions"] = []string{"admin"}
	r, err := testVerifier(nil, p).Verify(s.sign(t, c))
	require.NoError(t, err)
	assert.Equal(t, [][2]string{{"x-email", "a@example.test"}, {"x-groups", `["x","y"]`}}, r.Headers)
	assert.Equal(t, []string{"admin"}, r.Scopes)
	assert.True(t, r.HasScopes([]string{"admin"}))
	assert.Equal(t, []string{"read"}, r.MissingScopes([]string{"admin", "read"}))
}

func TestVerifyScpClaim(t *testing.T) {
	s := newSigner(t, "HS256", "")
	c := validClaims()
	delete(c, "scope")
	c["scp"] = []string{"a", "b"}
	r, err := testVerifier(nil, testProvider(s.key)).Verify(s.sign(t, c))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, r.Scopes)
}

func TestVerifySelectsProviderByIssuer(t *testing.T) {
	a := newSigner(t, "ES256", "a")
	b := newSigner(t, "EdDSA", "b")
	pa, pb := testProvider(a.key), testProvider(b.key)
	pb.Issuer = "https://other.test"
	v := testVerifier(nil, pa, pb)

	c := validClaims()
	c["iss"] = "https://other.test"
	r, err := v.Verify(b.sign(t, c))
	require.NoError(t, err)
	assert.Same(t, pb, r.Provider)

	// A token of issuer A signed with B's key fails: A does not hold it.
	_, err = v.Verify(b.sign(t, validClaims()))
	assert.ErrorIs(t, err, ErrUnknownKID)
}

func TestVerifyKeySelection(t *testing.T) {
	s := newSigner(t, "ES256", "k1")
	other := newSigner(t, "ES256", "k2")
	v := testVerifier(nil, testProvider(s.key, other.key))

	_, err := v.Verify(newSignerWithKey(s, "k2").sign(t, validClaims()))
	assert.ErrorIs(t, err, ErrSignature, "a kid selects a key but never vouches for a signature")

	_, err = v.Verify(newSignerWithKey(s, "nope").sign(t, validClaims()))
	assert.ErrorIs(t, err, ErrUnknownKID)

	_, err = v.Verify(newSignerWithKey(s, "").sign(t, validClaims()))
	assert.NoError(t, err, "without kid every fitting key is tried")
}

// newSignerWithKey returns s with another kid in its header.
func newSignerWithKey(s signer, kid string) signer {
	key := *s.key
	key.ID = kid
	s.key = &key
	return s
}

func TestVerifyAlgorithmAllowList(t *testing.T) {
	s := newSigner(t, "RS256", "k1")
	p := testProvider(s.key)
	p.Algorithms = []string{"PS256"}

	_, err := testVerifier(nil, p).Verify(s.sign(t, validClaims()))
	assert.ErrorIs(t, err, ErrAlgNotAllowed)
}

func TestVerifyJWKAlgBindsKey(t *testing.T) {
	s := newSigner(t, "RS256", "k1")
	key := *s.key
	key.Algorithm = "PS256"

	_, err := testVerifier(nil, testProvider(&key)).Verify(s.sign(t, validClaims()))
	assert.ErrorIs(t, err, ErrAlgKeyMismatch)
}

// TestAlgorithmConfusion signs HS256 with the RSA public key, PEM and DER,
// as the secret: the classic attack on verifiers that take alg from the
// token (RFC 8725 §2.1).
func TestAlgorithmConfusion(t *testing.T) {
	s := newSigner(t, "RS256", "k1")
	v := testVerifier(nil, testProvider(s.key))
	der, err := x509.MarshalPKIXPublicKey(&testRSAKey(t).PublicKey)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	claims := `{"iss":"https://issuer.test","aud":"api","sub":"attacker","exp":` + itoa(testNow.Add(time.Hour).Unix()) + `}`
	for name, secret := range map[string][]byte{"pem": pemKey, "der": der} {
		token := hmacSign(t, `{"alg":"HS256","kid":"k1"}`, claims, crypto.SHA256, secret)
		_, err := v.Verify(token)
		assert.ErrorIs(t, err, ErrAlgKeyMismatch, name)
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	s := newSigner(t, "HS256", "k1")
	good := s.sign(t, validClaims())
	parts := strings.Split(good, ".")
	claims := `{"iss":"https://issuer.test","aud":"api","sub":"u","exp":` + itoa(testNow.Add(time.Hour).Unix()) + `}`
	secret := s.private.([]byte)

	tests := []struct {
		name   string
		token  string
		expect error
	}{
		{"two segments", parts[0] + "." + parts[1], ErrNotCompact},
		{"four segments", good + ".x", ErrNotCompact},
		{"empty header", "." + parts[1] + "." + parts[2], ErrNotCompact},
		{"empty signature", parts[0] + "." + parts[1] + ".", ErrNotCompact},
		{"padding", parts[0] + "=." + parts[1] + "." + parts[2], ErrBadEncoding},
		{"standard alphabet", parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+", ErrBadEncoding},
		{"line break", parts[0] + "\n." + parts[1] + "." + parts[2], ErrBadEncoding},
		{"non-canonical trailing bits", parts[0] + "." + parts[1] + "." + nonCanonical(parts[2]), ErrBadEncoding},
		{"alg none", forge(`{"alg":"none"}`, claims, []byte("x")), ErrAlgNone},
		{"alg None", forge(`{"alg":"None"}`, claims, []byte("x")), ErrAlgNone},
		{"alg missing", forge(`{"typ":"JWT"}`, claims, []byte("x")), ErrBadHeader},
		{"header not object", forge(`["HS256"]`, claims, []byte("x")), ErrBadHeader},
		{"header invalid JSON", forge(`{"alg":"HS256"`, claims, []byte("x")), ErrBadHeader},
		{"claims not object", forge(`{"alg":"HS256"}`, `"x"`, []byte("x")), ErrBadClaims},
		{"crit", hmacSign(t, `{"alg":"HS256","crit":["exp"],"exp":1}`, claims, crypto.SHA256, secret), ErrCritical},
		{"duplicate alg", hmacSign(t, `{"alg":"HS256","alg":"none"}`, claims, crypto.SHA256, secret), ErrDuplicateMember},
		{"escaped duplicate alg", hmacSign(t, `{"alg":"HS256","\u0061lg":"HS512"}`, claims, crypto.SHA256, secret), ErrDuplicateMember},
		{"duplicate sub", hmacSign(t, `{"alg":"HS256"}`, claims[:len(claims)-1]+`,"sub":"admin"}`, crypto.SHA256, secret), ErrDuplicateMember},
		{"oversized", good + strings.Repeat("A", DefaultMaxTokenBytes), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testVerifier(nil, testProvider(s.key)).Verify(tc.token)
			assert.ErrorIs(t, err, tc.expect)
		})
	}

	// The forged tokens above are otherwise valid: the same bytes without
	// the defect verify.
	_, err := testVerifier(nil, testProvider(s.key)).Verify(hmacSign(t, `{"alg":"HS256"}`, claims, crypto.SHA256, secret))
	assert.NoError(t, err)
}

// nonCanonical changes the unused low bits of the last character, which
// a lenient decoder ignores.
func nonCanonical(segment string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, segment[len(segment)-1])
	return segment[:len(segment)-1] + string(alphabet[last|1])
}

func itoa(n int64) string {
	return formatInt(n)
}
