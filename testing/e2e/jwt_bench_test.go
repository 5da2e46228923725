package e2e

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bulwark-dev/bulwark/testing/host"
)

var (
	benchKeysOnce sync.Once
	benchKeys     jwtKeys
)

// sharedJWTKeys generates the keys once per test binary, because a 2048-bit
// RSA key takes a noticeable fraction of a second.
func sharedJWTKeys(b testing.TB) jwtKeys {
	benchKeysOnce.Do(func() { benchKeys = newJWTKeys(b) })
	return benchKeys
}

// benchToken mints a token that the jwtKeys configuration accepts at
// testNow on the orders route.
func benchToken(b testing.TB, keys jwtKeys, alg string) string {
	issuer := map[string]string{"HS": "hs", "ES": "es", "RS": "rs"}[alg[:2]]
	return keys.mint(b, alg, map[string]any{
		"iss": "https://" + issuer + ".test", "aud": "api", "sub": "user-1", "jti": "bench-1",
		"exp": testNow.Add(time.Hour).Unix(), "scope": "orders:read",
	})
}

// BenchmarkHostJWT runs an authenticated JWT request through the ABI, as
// BenchmarkHostAPIKey does for an API key. Every case but cache_hit runs
// with the verified-token cache disabled, so that each request parses the
// token and checks its signature: in Go inside wasm, or through the host's
// verify_signature. In this host verify_signature is the Go implementation
// of testing/host (crypto/rsa, crypto/ecdsa), not Envoy's BoringSSL.
func BenchmarkHostJWT(b *testing.B) {
	keys := sharedJWTKeys(b)
	uncached := strings.Replace(keys.config(b), `"jwt":{`, `"jwt":{"cache_entries":0,`, 1)
	require.NotEqual(b, keys.config(b), uncached, "cache_entries was not inserted")
	hostVerify := host.ForeignFunc(host.VerifySignature)

	cases := []struct {
		name   string
		alg    string
		config string
		native host.ForeignFunc
	}{
		{"HS256", "HS256", uncached, nil},
		{"RS256", "RS256", uncached, nil},
		{"ES256", "ES256", uncached, nil},
		{"RS256_verify_signature", "RS256", uncached, hostVerify},
		{"ES256_verify_signature", "ES256", uncached, hostVerify},
		{"cache_hit", "RS256", keys.config(b), nil},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			h := startJWTHost(b, tc.config, tc.native)
			token := benchToken(b, keys, tc.alg)
			req := benchRequest("/orders", benchHeaders([2]string{"authorization", "Bearer " + token}))
			benchmarkHost(b, h, req, 200)
		})
	}
}

// BenchmarkGoJoseVerify is the reference: go-jose parses and verifies the
// same tokens natively, without wasm, the ABI or the claim checks.
func BenchmarkGoJoseVerify(b *testing.B) {
	keys := sharedJWTKeys(b)
	cases := []struct {
		alg jose.SignatureAlgorithm
		key any
	}{
		{jose.HS256, keys.hmac},
		{jose.RS256, &keys.rsa.PublicKey},
		{jose.ES256, &keys.ec.PublicKey},
	}
	for _, tc := range cases {
		b.Run(string(tc.alg), func(b *testing.B) {
			token := benchToken(b, keys, string(tc.alg))
			algs := []jose.SignatureAlgorithm{tc.alg}

			b.ReportAllocs()
			for b.Loop() {
				obj, err := jose.ParseSigned(token, algs)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := obj.Verify(tc.key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHostVerifySignature is the host's share of the verify_signature
// cases: the Go verify_signature of testing/host, called natively with the
// arguments that the filter sends for the same tokens. Like Envoy, it parses
// the DER public key on every call.
func BenchmarkHostVerifySignature(b *testing.B) {
	keys := sharedJWTKeys(b)
	cases := []struct {
		alg string
		key any
	}{
		{"RS256", &keys.rsa.PublicKey},
		{"ES256", &keys.ec.PublicKey},
	}
	for _, tc := range cases {
		b.Run(tc.alg, func(b *testing.B) {
			args := verifyArguments(b, benchToken(b, keys, tc.alg), tc.key)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := host.VerifySignature(args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// verifyArguments encodes a VerifySignatureArguments message for token as
// the filter does: sha256, the DER key, a DER ECDSA signature.
func verifyArguments(b *testing.B, token string, key any) []byte {
	der, err := x509.MarshalPKIXPublicKey(key)
	require.NoError(b, err)
	last := strings.LastIndexByte(token, '.')
	signature, err := base64.RawURLEncoding.DecodeString(token[last+1:])
	require.NoError(b, err)
	if _, isEC := key.(*ecdsa.PublicKey); isEC {
		r, s := new(big.Int).SetBytes(signature[:32]), new(big.Int).SetBytes(signature[32:])
		signature, err = asn1.Marshal(struct{ R, S *big.Int }{r, s})
		require.NoError(b, err)
	}

	var args []byte
	for _, field := range []struct {
		num   protowire.Number
		value []byte
	}{{1, []byte("sha256")}, {2, der}, {3, signature}, {4, []byte(token[:last])}} {
		args = protowire.AppendTag(args, field.num, protowire.BytesType)
		args = protowire.AppendBytes(args, field.value)
	}
	result, err := host.VerifySignature(args)
	require.NoError(b, err)
	require.Equal(b, []byte{0x08, 0x01}, result[:2], "the signature must verify")
	return args
}
