package jwt

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInspectUnverified(t *testing.T) {
	es := newSigner(t, "ES256", "key-2026")
	other := newSigner(t, "ES256", "stranger")
	v := testVerifier(nil, testProvider(es.key))

	claims := validClaims()
	claims["exp"] = testNow.Add(-2 * DefaultClockSkew).Unix()
	assert.Equal(t, TokenInfo{Provider: "test", KID: "key-2026", JTI: "id-1"}, v.InspectUnverified(es.sign(t, claims)))

	// A bad signature still names what the token claims to be.
	assert.Equal(t, TokenInfo{Provider: "test", KID: "stranger", JTI: "id-1"}, v.InspectUnverified(other.sign(t, validClaims())))

	claims = validClaims()
	claims["iss"] = "https://elsewhere.test"
	claims["jti"] = "line\nbreak"
	assert.Equal(t, TokenInfo{KID: "key-2026"}, v.InspectUnverified(es.sign(t, claims)), "an unknown issuer and an unprintable jti are left out")

	claims["jti"] = strings.Repeat("j", 129)
	assert.Empty(t, v.InspectUnverified(es.sign(t, claims)).JTI, "a jti over 128 bytes is left out")
	assert.Equal(t, TokenInfo{}, v.InspectUnverified("not-a-token"))
}
