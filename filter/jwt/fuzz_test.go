package jwt

import (
	"strings"
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

// FuzzParseDiscovery checks that no OpenID discovery document panics the
// parser and that an accepted one gives a path to fetch through the
// cluster.
func FuzzParseDiscovery(f *testing.F) {
	const issuer = "https://login.example.com"
	f.Add([]byte(`{"issuer":"https://login.example.com","jwks_uri":"https://login.example.com/keys"}`))
	f.Add([]byte(`{"issuer":"https://evil.example","jwks_uri":"https://login.example.com/keys"}`))
	f.Add([]byte(`{"issuer":"https://login.example.com","jwks_uri":"ftp://x/keys?a=1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		path, err := ParseDiscovery(issuer, body)
		if err != nil {
			return
		}
		if !strings.HasPrefix(path, "/") {
			t.Fatalf("accepted a jwks_uri whose path %q does not start with /", path)
		}
	})
}

// FuzzParseRevocationList checks that no list panics the parser and that
// an accepted one stays within its bound and holds no empty jti.
func FuzzParseRevocationList(f *testing.F) {
	f.Add([]byte(`["a","b"]`), 10)
	f.Add([]byte(`{"jti":["a"]}`), 1)
	f.Add([]byte(`{"jti":[1]}`), 5)
	f.Add([]byte(`["a","a","b"]`), 2)
	f.Fuzz(func(t *testing.T, data []byte, maxEntries int) {
		if maxEntries < 1 || maxEntries > 1000 {
			return
		}
		ids, err := ParseRevocationList(data, maxEntries)
		if err != nil {
			return
		}
		if len(ids) > maxEntries {
			t.Fatalf("accepted %d entries over a bound of %d", len(ids), maxEntries)
		}
		if _, ok := ids[""]; ok {
			t.Fatal("accepted an empty jti")
		}
	})
}
