package jwt

import (
	"crypto"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerifyGoMatchesGoJose checks that verifyGo, which replaced go-jose's
// ParseSigned and Verify, agrees with go-jose for every algorithm, on a good
// signature, a tampered one, and a key of each other family.
func TestVerifyGoMatchesGoJose(t *testing.T) {
	signers := make(map[string]signer, len(Algorithms))
	for _, alg := range Algorithms {
		signers[alg] = newSigner(t, alg, "")
	}

	for _, alg := range Algorithms {
		t.Run(alg, func(t *testing.T) {
			good := signers[alg].sign(t, validClaims())
			for _, token := range []string{good, tamper(good)} {
				for _, keyAlg := range Algorithms {
					key := signers[keyAlg].key
					parsed, err := ParseUnverified(token)
					require.NoError(t, err)

					want := goJoseVerifies(token, alg, key)
					got := verifyGo(key, alg, parsed.input, parsed.Signature)
					assert.Equal(t, want, got, "token signed with %s, key for %s", alg, keyAlg)
					if keyAlg == alg && token == good {
						assert.True(t, got, "own key")
					}
				}
			}
		})
	}
}

func goJoseVerifies(token, alg string, key *Key) bool {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return false
	}
	_, err = jws.Verify(key.public)
	return err == nil
}

// TestVerifyGoRejectsShortHMACSecret checks RFC 7518 §3.2: HS384 and HS512
// need a secret at least as long as their hash output, even when the
// signature matches.
func TestVerifyGoRejectsShortHMACSecret(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef") // 32 bytes
	key, err := NewHMACKey("", secret)
	require.NoError(t, err)

	tests := []struct {
		alg  string
		hash crypto.Hash
		ok   bool
	}{
		{"HS256", crypto.SHA256, true},
		{"HS384", crypto.SHA384, false},
		{"HS512", crypto.SHA512, false},
	}
	for _, tc := range tests {
		header := `{"alg":"` + tc.alg + `"}`
		parsed, err := ParseUnverified(hmacSign(t, header, `{"iss":"x"}`, tc.hash, secret))
		require.NoError(t, err)
		assert.Equal(t, tc.ok, verifyGo(key, tc.alg, parsed.input, parsed.Signature), tc.alg)
	}
}
