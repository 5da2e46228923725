package jwt

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signatureVector is one published JWS of testdata/ietf_signature_vectors.json.
type signatureVector struct {
	Section string          `json:"section"`
	Alg     string          `json:"alg"`
	JWK     json.RawMessage `json:"jwk"`
	Compact string          `json:"compact"`
}

func loadSignatureVectors(t *testing.T) []signatureVector {
	data, err := os.ReadFile("testdata/ietf_signature_vectors.json")
	require.NoError(t, err)
	var doc struct {
		Vectors []signatureVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.Len(t, doc.Vectors, 5)
	return doc.Vectors
}

// splitVector returns the signing input and the decoded signature of a
// compact JWS.
func splitVector(t *testing.T, compact string) (input, signature []byte) {
	last := strings.LastIndexByte(compact, '.')
	signature, err := base64.RawURLEncoding.DecodeString(compact[last+1:])
	require.NoError(t, err)
	return []byte(compact[:last]), signature
}

// The published examples check the signature layer alone: their payload is
// a quotation (RFC 7520) or a sentence (RFC 8037), not a claims object.
func TestIETFVectorsVerify(t *testing.T) {
	for _, vec := range loadSignatureVectors(t) {
		t.Run(vec.Alg, func(t *testing.T) {
			keys, err := ParseJWKS([]byte(`{"keys":[` + string(vec.JWK) + `]}`))
			if vec.Alg == "ES512" {
				// P-521 serves ES512 only, which is not in the allow-list of
				// any provider, so the key itself is rejected at load.
				require.EqualError(t, err, "jwt: keys[0]: EC curve P-521 is not supported; use P-256 or P-384", vec.Section)
				assert.NotContains(t, Algorithms, "ES512")
				input, signature := splitVector(t, vec.Compact)
				p256 := newSigner(t, "ES256", "").key
				assert.False(t, p256.Fits("ES512"))
				assert.False(t, verifyGo(p256, "ES512", input, signature), "ES512 never verifies, even with a key forced on it")
				return
			}
			require.NoError(t, err, vec.Section)
			require.Len(t, keys, 1)
			key := keys[0]
			require.True(t, key.Fits(vec.Alg), vec.Section)

			input, signature := splitVector(t, vec.Compact)
			assert.True(t, verifyGo(key, vec.Alg, input, signature), "%s: the published signature verifies", vec.Section)

			tampered := append([]byte(nil), input...)
			tampered[len(tampered)-1] ^= 1
			assert.False(t, verifyGo(key, vec.Alg, tampered, signature), "%s: a changed payload fails", vec.Section)
			bad := append([]byte(nil), signature...)
			bad[len(bad)/2] ^= 0x80
			assert.False(t, verifyGo(key, vec.Alg, input, bad), "%s: a changed signature fails", vec.Section)
		})
	}
}

// RS256 goes through the host's verify_signature when it is there; the
// published signature must verify on that path too.
func TestIETFVectorRS256ThroughNative(t *testing.T) {
	vec := loadSignatureVectors(t)[0]
	require.Equal(t, "RS256", vec.Alg)
	keys, err := ParseJWKS([]byte(`{"keys":[` + string(vec.JWK) + `]}`))
	require.NoError(t, err)
	input, signature := splitVector(t, vec.Compact)

	calls := 0
	v := testVerifier(func(hash string, der, sig, text []byte) (bool, error) {
		calls++
		return goVerify(hash, der, sig, text), nil
	}, testProvider(keys[0]))
	token := &Token{Alg: "RS256", input: input, Signature: signature}
	ok, handled := v.verifyNative(keys[0], token)
	assert.True(t, handled)
	assert.True(t, ok)
	assert.Equal(t, 1, calls)
}

// A whole token is checked by the claim layer as well, which needs a JSON
// object as payload: the published examples are rejected as malformed
// before any key is looked up, whatever their signature.
func TestIETFVectorsAreNotJWTs(t *testing.T) {
	for _, vec := range loadSignatureVectors(t) {
		_, err := ParseUnverified(vec.Compact)
		assert.ErrorIs(t, err, ErrBadClaims, vec.Section)
	}
}
