package jwt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestECDSASignatureDERMatchesSignASN1 converts signatures of
// ecdsa.SignASN1 to the JWS form r||s and back with
// appendECDSASignatureDER. The result must equal the signer's DER byte
// for byte, and ecdsa.VerifyASN1 must accept it. Random signatures include
// scalars with the high bit set and, on P-521, long-form lengths.
func TestECDSASignatureDERMatchesSignASN1(t *testing.T) {
	digest := sha256.Sum256([]byte("payload"))
	for _, tc := range []struct {
		curve      elliptic.Curve
		signatures int
	}{{elliptic.P256(), 600}, {elliptic.P384(), 200}, {elliptic.P521(), 40}} {
		key, err := ecdsa.GenerateKey(tc.curve, rand.Reader)
		require.NoError(t, err)
		size := curveScalarBytes(tc.curve)

		highBit, longForm := 0, 0
		for range tc.signatures {
			der, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
			require.NoError(t, err)
			jws := joseSignature(t, der, size)
			highBit += int(jws[0]>>7) + int(jws[size]>>7)
			longForm += int(der[1] >> 7)

			got, ok := appendECDSASignatureDER(nil, size, jws)
			require.True(t, ok)
			require.Equal(t, der, got, "%s r||s=%x", tc.curve.Params().Name, jws)
			require.True(t, ecdsa.VerifyASN1(&key.PublicKey, digest[:], got))
		}
		if size == maxECDSAScalarBytes {
			// A P-521 scalar's first byte is 0 or 1, so no high bit. Its
			// SEQUENCE content passes 127 bytes unless r and s are short.
			assert.Positive(t, longForm, "P-521: no signature had a long-form length")
		} else {
			assert.Positive(t, highBit, "%s: no scalar had its high bit set", tc.curve.Params().Name)
		}
	}
}

// TestVerifyESTokensWithShortScalars mints ES256 and ES384 tokens with
// go-jose until two have an r or s with a leading zero byte, which DER
// drops. Both must verify in Go and through the native verifier.
func TestVerifyESTokensWithShortScalars(t *testing.T) {
	native := func(hash string, der, signature, text []byte) (bool, error) {
		return goVerify(hash, der, signature, text), nil
	}
	for _, alg := range []string{"ES256", "ES384"} {
		s := newSigner(t, alg, "k1")
		size := esScalarBytes(alg)

		short := 0
		for i := 0; i < 5000 && short < 2; i++ {
			token := s.sign(t, validClaims())
			signature, err := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
			require.NoError(t, err)
			require.Len(t, signature, 2*size)
			if signature[0] != 0 && signature[size] != 0 {
				continue
			}
			short++

			_, err = testVerifier(nil, testProvider(s.key)).Verify(token)
			require.NoError(t, err, "%s in Go: r||s=%x", alg, signature)
			_, err = testVerifier(native, testProvider(s.key)).Verify(token)
			require.NoError(t, err, "%s native: r||s=%x", alg, signature)
		}
		require.Equal(t, 2, short, "%s: too few signatures with a leading zero byte", alg)
	}
}

// joseSignature turns a DER ECDSA signature into r||s of size bytes each.
func joseSignature(t *testing.T, der []byte, size int) []byte {
	t.Helper()
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	require.NoError(t, err)
	require.Empty(t, rest)
	return append(rs.R.FillBytes(make([]byte, size)), rs.S.FillBytes(make([]byte, size))...)
}

// TestVerifyESRejectsOutOfRangeScalars replaces the signature of a valid
// ES256 token with r or s outside [1, n-1] (n is the order of P-256), a
// wrong length, or r and s swapped. Each forgery must fail with
// ErrSignature in Go and natively, while the token itself passes.
func TestVerifyESRejectsOutOfRangeScalars(t *testing.T) {
	calls := 0
	native := func(hash string, der, signature, text []byte) (bool, error) {
		calls++
		return goVerify(hash, der, signature, text), nil
	}
	es := newSigner(t, "ES256", "k1")
	token := es.sign(t, validClaims())
	dot := strings.LastIndexByte(token, '.')
	valid, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	require.NoError(t, err)
	r, s := valid[:32], valid[32:]

	n := elliptic.P256().Params().N.FillBytes(make([]byte, 32))
	zero := make([]byte, 32)
	ones := bytes.Repeat([]byte{0xff}, 32)
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	tests := []struct {
		name      string
		signature []byte
	}{
		{"r zero", join(zero, s)},
		{"s zero", join(r, zero)},
		{"both zero", join(zero, zero)},
		{"r is n", join(n, s)},
		{"s is n", join(r, n)},
		{"all ones", join(ones, ones)},
		{"one byte short", valid[:63]},
		{"one byte long", join(valid, []byte{0})},
		{"r and s swapped", join(s, r)},
	}
	for _, tc := range tests {
		forged := token[:dot+1] + base64.RawURLEncoding.EncodeToString(tc.signature)
		for _, nv := range []NativeVerifier{nil, native} {
			_, err := testVerifier(nv, testProvider(es.key)).Verify(forged)
			assert.ErrorIs(t, err, ErrSignature, "%s, native %v", tc.name, nv != nil)
		}
	}

	for _, nv := range []NativeVerifier{nil, native} {
		_, err := testVerifier(nv, testProvider(es.key)).Verify(token)
		require.NoError(t, err, "native %v", nv != nil)
	}
	assert.Equal(t, len(tests)-2+1, calls, "every forgery of the right length and the token reach the native verifier")
}
