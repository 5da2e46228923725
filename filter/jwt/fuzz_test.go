package jwt

import (
	"testing"
	"time"
)

// FuzzParseUnverified checks that no input panics the token parser and that
// a parsed token always has an alg other than none.
func FuzzParseUnverified(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("..")
	f.Add(rfc8037Token)
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := ParseUnverified(token)
		if err == nil && (tok.Alg == "" || tok.Alg == "none") {
			t.Fatalf("parsed a token with alg %q", tok.Alg)
		}

		v := NewVerifier(&Config{Providers: []*Provider{testProvider()}}, func() time.Time { return testNow }, nil)
		if _, err := v.Verify(token); err == nil {
			t.Fatal("a provider without keys verified a token")
		}
	})
}

// FuzzParseJWKS checks that no input panics the JWKS parser and that every
// key it returns fits at least one algorithm.
func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(rfc8037JWKS))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseJWKS(data)
		if err != nil {
			return
		}
		for _, key := range keys {
			fits := false
			for _, alg := range Algorithms {
				fits = fits || key.Fits(alg)
			}
			if !fits {
				t.Fatalf("key %s fits no algorithm", key)
			}
		}
	})
}
