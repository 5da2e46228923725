package jwt

import (
	"testing"
	"time"
)

// BenchmarkVerify measures Verifier.Verify without the cache, so that each
// iteration parses the token, checks its signature and its claims. The
// native cases check RSA and ECDSA through goVerify, like a host's
// verify_signature. Run it inside wasm to see the cost the filter pays
// there; the command is in BENCHMARKS.md.
func BenchmarkVerify(b *testing.B) {
	native := func(hash string, der, signature, text []byte) (bool, error) {
		return goVerify(hash, der, signature, text), nil
	}
	cases := []struct {
		name   string
		alg    string
		native NativeVerifier
	}{
		{"HS256", "HS256", nil},
		{"RS256", "RS256", nil},
		{"ES256", "ES256", nil},
		{"RS256_native", "RS256", native},
		{"ES256_native", "ES256", native},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			s := newSigner(b, tc.alg, "k1")
			v := NewVerifier(&Config{Providers: []*Provider{testProvider(s.key)}},
				func() time.Time { return testNow }, tc.native)
			token := s.sign(b, validClaims())

			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyCacheHit measures Verify on a token already in the cache.
func BenchmarkVerifyCacheHit(b *testing.B) {
	s := newSigner(b, "RS256", "k1")
	v := testVerifier(nil, testProvider(s.key))
	token := s.sign(b, validClaims())
	if _, err := v.Verify(token); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseUnverified measures the parse alone: the split, the
// base64url decoding and the JSON checks of the header and the claims.
func BenchmarkParseUnverified(b *testing.B) {
	token := newSigner(b, "HS256", "k1").sign(b, validClaims())

	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseUnverified(token); err != nil {
			b.Fatal(err)
		}
	}
}
