package e2e

import (
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// revocableToken signs a valid token with k and the given jti.
func revocableToken(t *testing.T, k *rsa.PrivateKey, jti string) string {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kidOf(k))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k}, opts)
	require.NoError(t, err)
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://idp.test", "aud": "api", "sub": "user-" + jti, "jti": jti, "exp": testNow.Add(2 * time.Hour).Unix(),
	})
	obj, err := signer.Sign(claims)
	require.NoError(t, err)
	token, err := obj.CompactSerialize()
	require.NoError(t, err)
	return token
}

func TestRevocationListThroughLiveServer(t *testing.T) {
	key := rotationKeys()[0]
	server := newIDPServer(t, key)
	h := startIDPHost(t, server, `"remote_jwks":{"cluster":"idp","path":"/keys/v1"},"revoked_jti":["from-config"],
		"revocation_list":{"cluster":"idp","path":"/revoked","refresh_interval":"30s","max_entries":3}`)
	waitIdle(t, h)
	require.Equal(t, 1, server.count("/revoked"), "one fetch for both workers")

	stolen := revocableToken(t, key, "stolen-1")
	for worker := range 2 {
		status, code := getOn(t, h, worker, stolen)
		require.Equal(t, 200, status, "worker %d: %s", worker, code)
		status, code = getOn(t, h, worker, revocableToken(t, key, "from-config"))
		assert.Equal(t, 401, status, "worker %d: the configured deny-list applies", worker)
		assert.Equal(t, "revoked", code)
	}

	// The list names the stolen token: both workers reject it after the
	// next refresh, though they cached it as verified. The worker that did
	// not fetch takes the list over at its next tick, a second later.
	server.change(func(s *idpServer) { s.revoked = `{"jti": ["stolen-1"]}` })
	advance(t, h, 31*time.Second)
	assert.Equal(t, 2, server.count("/revoked"))
	for worker := range 2 {
		status, code := getOn(t, h, worker, stolen)
		assert.Equal(t, 401, status, "worker %d", worker)
		assert.Equal(t, "revoked", code)
		status, _ = getOn(t, h, worker, revocableToken(t, key, "fresh-1"))
		assert.Equal(t, 200, status, "worker %d", worker)
	}

	denied := 0
	for _, entry := range h.Logs() {
		if strings.Contains(entry.Message, "denied status=401 code=revoked") && strings.Contains(entry.Message, "stolen-1") {
			denied++
			assert.Contains(t, entry.Message, `provider="idp" kid="key-a" jti="stolen-1"`)
			assert.NotContains(t, entry.Message, stolen)
		}
	}
	assert.Positive(t, denied, "the denial is logged at debug level")

	// The server fails, then serves a list over max_entries: the last good
	// list stays in use.
	server.change(func(s *idpServer) { s.status = 500 })
	advance(t, h, 30*time.Second)
	server.change(func(s *idpServer) { s.status, s.revoked = 200, `["a", "b", "c", "d"]` })
	advance(t, h, 10*time.Second)
	assert.Equal(t, 4, server.count("/revoked"))
	found := warnings(h, "fetching the revocation list failed")
	require.Len(t, found, 1, "one warning per failure streak")
	assert.Contains(t, found[0], "status 500")
	for worker := range 2 {
		status, code := getOn(t, h, worker, stolen)
		assert.Equal(t, 401, status, "worker %d keeps the last good list", worker)
		assert.Equal(t, "revoked", code)
	}

	// The token is taken off the list.
	server.change(func(s *idpServer) { s.revoked = `[]` })
	advance(t, h, 11*time.Second)
	for worker := range 2 {
		status, code := getOn(t, h, worker, stolen)
		assert.Equal(t, 200, status, "worker %d: %s", worker, code)
	}
	requireNoSecretLogged(t, h)
}
