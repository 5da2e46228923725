package jwt

import (
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
