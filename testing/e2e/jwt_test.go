package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// jwtKeys are the signing keys of one end-to-end run.
type jwtKeys struct {
	hmac []byte
	ec   *ecdsa.PrivateKey
	rsa  *rsa.PrivateKey
}

func newJWTKeys(t testing.TB) jwtKeys {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return jwtKeys{hmac: []byte(secretMarker + "-hmac-secret-0123456789abcdef0123"), ec: ec, rsa: rk}
}

// config returns a plugin configuration with one provider per family.
func (k jwtKeys) config(t testing.TB) string {
	der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	require.NoError(t, err)
	jwk, err := json.Marshal(jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"})
	require.NoError(t, err)
	provider := func(name, algs, keys string) string {
		return `{"name":"` + name + `","issuer":"https://` + name + `.test","audiences":["api"],"algorithms":[` + algs + `],` +
			keys + `,"claim_headers":[{"claim":"email","header":"x-user-email"}]}`
	}
	pemJSON, _ := json.Marshal(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	return `{"routes":[{"name":"orders","match":{"prefix":"/orders"},"auth":"jwt","scopes":["orders:read"]}],
		"jwt":{"providers":[` +
		provider("hs", `"HS256"`, `"hmac_secrets":[{"secret":"`+base64.StdEncoding.EncodeToString(k.hmac)+`"}]`) + "," +
		provider("es", `"ES256"`, `"jwks":{"keys":[`+string(jwk)+`]}`) + "," +
		provider("rs", `"RS256","PS256"`, `"public_keys":[{"kid":"rs-1","pem":`+string(pemJSON)+`}]`) + `]}}`
}

func (k jwtKeys) mint(t testing.TB, alg string, claims map[string]any) string {
	var key any
	kid := ""
	switch alg[:2] {
	case "HS":
		key = k.hmac
	case "ES":
		key, kid = k.ec, "ec-1"
	default:
		key, kid = k.rsa, "rs-1"
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	require.NoError(t, err)
	return signClaims(t, signer, claims)
}

// signClaims returns the compact JWT of claims signed by signer.
func signClaims(t testing.TB, signer jose.Signer, claims map[string]any) string {
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	obj, err := signer.Sign(payload)
	require.NoError(t, err)
	token, err := obj.CompactSerialize()
	require.NoError(t, err)
	return token
}

func startJWTHost(t testing.TB, config string, native host.ForeignFunc) *host.Host {
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          1,
		PluginConfig:     []byte(config),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		ForeignFunctions: map[string]host.ForeignFunc{"verify_signature": native},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	return h
}

func TestJWTEveryFamilyNativeOnAndOff(t *testing.T) {
	keys := newJWTKeys(t)
	config := keys.config(t)

	for _, native := range []bool{true, false} {
		var calls atomic.Int32
		var fn host.ForeignFunc
		if native {
			fn = func(args []byte) ([]byte, error) {
				calls.Add(1)
				return host.VerifySignature(args)
			}
		}
		h := startJWTHost(t, config, fn)

		for _, alg := range []string{"HS256", "ES256", "RS256", "PS256"} {
			issuer := map[string]string{"HS": "hs", "ES": "es", "RS": "rs", "PS": "rs"}[alg[:2]]
			claims := map[string]any{
				"iss": "https://" + issuer + ".test", "aud": "api", "sub": "user-" + alg,
				"exp": testNow.Add(time.Hour).Unix(), "scope": "orders:read", "email": "a@example.test",
			}
			token := keys.mint(t, alg, claims)

			res := get(t, h, "/orders", [2]string{"authorization", "Bearer " + token}, [2]string{"x-user-email", "spoofed"})
			require.NotNil(t, res.Upstream, "%s native=%v: %+v", alg, native, res.LocalReply)
			assert.Equal(t, "user-"+alg, res.Upstream.Header("x-bulwark-client-id"))
			assert.Equal(t, "a@example.test", res.Upstream.Header("x-user-email"))
			assert.Empty(t, res.Upstream.Header("authorization"), "the token is stripped")

			res = get(t, h, "/orders", [2]string{"authorization", "Bearer " + token[:len(token)-4] + "AAAA"})
			require.NotNil(t, res.LocalReply)
			assert.Equal(t, 401, res.LocalReply.Status)
			assert.Contains(t, string(res.LocalReply.Body), `"code":"bad_signature"`)
		}
		if native {
			assert.Positive(t, calls.Load(), "ES256 and RS256 go through verify_signature")
		}
		requireNoSecretLogged(t, h)
		for _, entry := range h.Logs() {
			assert.NotContains(t, entry.Message, "eyJ", "a log line contains a token")
		}
	}
}

func TestJWTReplies(t *testing.T) {
	keys := newJWTKeys(t)
	h := startJWTHost(t, keys.config(t), nil)
	claims := map[string]any{"iss": "https://hs.test", "aud": "api", "sub": "u", "exp": testNow.Add(-time.Hour).Unix()}

	res := get(t, h, "/orders")
	require.NotNil(t, res.LocalReply)
	assert.Equal(t, 401, res.LocalReply.Status)
	assert.Contains(t, string(res.LocalReply.Body), `"code":"missing_token"`)

	res = get(t, h, "/orders", [2]string{"authorization", "Bearer " + keys.mint(t, "HS256", claims)})
	require.NotNil(t, res.LocalReply)
	assert.Contains(t, string(res.LocalReply.Body), `"code":"expired"`)
	assert.Contains(t, headerValue(res.LocalReply.Headers, "www-authenticate"), `error="invalid_token"`)

	claims["exp"] = testNow.Add(time.Hour).Unix()
	res = get(t, h, "/orders", [2]string{"authorization", "Bearer " + keys.mint(t, "HS256", claims)})
	require.NotNil(t, res.LocalReply)
	assert.Equal(t, 403, res.LocalReply.Status)
	assert.Contains(t, headerValue(res.LocalReply.Headers, "www-authenticate"), `error="insufficient_scope"`)
}

func headerValue(headers [][2]string, name string) string {
	for _, h := range headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}
