package jwt

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiscoveryPath(t *testing.T) {
	cases := []struct{ issuer, want string }{
		{"https://login.example.com", "/.well-known/openid-configuration"},
		{"https://login.example.com/", "/.well-known/openid-configuration"},
		{"https://login.example.com/tenant/7", "/tenant/7/.well-known/openid-configuration"},
		{"http://127.0.0.1:8080/realms/main/", "/realms/main/.well-known/openid-configuration"},
	}
	for _, tc := range cases {
		got, err := DiscoveryPath(tc.issuer)
		require.NoError(t, err, tc.issuer)
		assert.Equal(t, tc.want, got, tc.issuer)
	}
	for _, issuer := range []string{"corp-idp", "urn:example:idp", "ftp://idp.test/", "https://idp.test/?t=1", "https://idp.test/#x", "https:///path"} {
		_, err := DiscoveryPath(issuer)
		assert.Error(t, err, issuer)
	}
}

func TestParseDiscovery(t *testing.T) {
	good := []struct{ doc, want string }{
		{`{"issuer": "https://issuer.test", "jwks_uri": "https://issuer.test/keys"}`, "/keys"},
		{`{"issuer": "https://issuer.test", "jwks_uri": "http://keys.issuer.test/v1/jwks?tenant=7"}`, "/v1/jwks?tenant=7"},
	}
	for _, tc := range good {
		got, err := ParseDiscovery(testIssuer, []byte(tc.doc))
		require.NoError(t, err, tc.doc)
		assert.Equal(t, tc.want, got)
	}

	bad := []struct{ name, doc, err string }{
		{"not JSON", `<html>`, "jwt: the discovery document is not a JSON object"},
		{"array", `["https://issuer.test"]`, "jwt: the discovery document is not a JSON object"},
		{"issuer with slash", `{"issuer": "https://issuer.test/", "jwks_uri": "https://issuer.test/keys"}`,
			`jwt: the discovery document's issuer "https://issuer.test/" differs from the provider's issuer "https://issuer.test"; they must be equal exactly`},
		{"issuer missing", `{"jwks_uri": "https://issuer.test/keys"}`,
			`jwt: the discovery document's issuer (missing) differs from the provider's issuer "https://issuer.test"; they must be equal exactly`},
		{"jwks_uri missing", `{"issuer": "https://issuer.test"}`,
			"jwt: the discovery document's jwks_uri is missing or not a string; got (missing)"},
		{"jwks_uri number", `{"issuer": "https://issuer.test", "jwks_uri": 7}`,
			`jwt: the discovery document's jwks_uri is missing or not a string; got "7"`},
		{"relative jwks_uri", `{"issuer": "https://issuer.test", "jwks_uri": "/keys"}`,
			`jwt: the discovery document's jwks_uri "/keys" is not an https or http URL with a path`},
		{"jwks_uri without path", `{"issuer": "https://issuer.test", "jwks_uri": "https://issuer.test"}`,
			`jwt: the discovery document's jwks_uri "https://issuer.test" is not an https or http URL with a path`},
		{"file jwks_uri", `{"issuer": "https://issuer.test", "jwks_uri": "file:///etc/keys"}`,
			`jwt: the discovery document's jwks_uri "file:///etc/keys" is not an https or http URL with a path`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDiscovery(testIssuer, []byte(tc.doc))
			require.EqualError(t, err, tc.err)
		})
	}

	_, err := ParseDiscovery(testIssuer, make([]byte, MaxDiscoveryBytes+1))
	require.ErrorContains(t, err, "more than the maximum")
}

// discoveryWorker is a worker whose provider reads its JWKS path from the
// discovery document.
func discoveryWorker(store SharedStore) worker {
	p := remoteProvider()
	p.Remote.Path, p.Remote.DiscoveryPath = "", "/.well-known/openid-configuration"
	v := testVerifier(nil, p)
	return worker{v: v, s: NewRemoteSync(v, p, store, "test.")}
}

func discoveryDoc(jwksURI string) []byte {
	return []byte(`{"issuer": "` + testIssuer + `", "jwks_uri": "` + jwksURI + `"}`)
}

func TestRemoteSyncDiscoversThenFetches(t *testing.T) {
	store := newMemoryStore()
	a, b := discoveryWorker(store), discoveryWorker(store)
	es := newSigner(t, "ES256", "k1")

	leased, err := a.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, err)
	require.True(t, leased)
	assert.Equal(t, "/.well-known/openid-configuration", a.s.Request().Path)
	assert.Equal(t, MaxDiscoveryBytes, a.s.Request().MaxBytes)
	res := a.s.Complete(testNow, 200, discoveryDoc("https://issuer.test/keys/v2"))
	require.NoError(t, res.Err)
	require.True(t, res.Next, "the JWKS fetch follows the discovery document")
	assert.Equal(t, "/keys/v2", a.s.Request().Path)

	res = a.s.Complete(testNow, 200, jwksOf(t, es))
	require.NoError(t, res.Err)
	assert.False(t, res.Next)
	assert.True(t, res.Changed)

	// The other worker takes over the keys and the discovered path, so its
	// next scheduled fetch goes to the JWKS directly.
	changed, err := b.s.Sync()
	require.NoError(t, err)
	require.True(t, changed)
	_, err = b.v.Verify(es.sign(t, validClaims()))
	require.NoError(t, err)
	leased, _ = b.s.Acquire(testNow.Add(10*time.Minute), TriggerSchedule)
	require.True(t, leased)
	assert.Equal(t, "/keys/v2", b.s.Request().Path)
}

func TestRemoteSyncRediscoversAfterFailure(t *testing.T) {
	w := discoveryWorker(newMemoryStore())
	es := newSigner(t, "ES256", "k1")
	w.s.Acquire(testNow, TriggerSchedule)
	require.True(t, w.s.Complete(testNow, 200, discoveryDoc("https://issuer.test/old")).Next)
	require.NoError(t, w.s.Complete(testNow, 200, jwksOf(t, es)).Err)

	// The JWKS moved: the old path answers 404, and the next attempt
	// starts from the discovery document again.
	now := testNow.Add(10 * time.Minute)
	w.s.Acquire(now, TriggerSchedule)
	assert.Equal(t, "/old", w.s.Request().Path)
	res := w.s.Complete(now, 404, nil)
	require.EqualError(t, res.Err, "jwt: the JWKS server returned status 404; expected 200")

	now = now.Add(FailureRetryInterval)
	leased, _ := w.s.Acquire(now, TriggerSchedule)
	require.True(t, leased)
	assert.Equal(t, "/.well-known/openid-configuration", w.s.Request().Path)
	require.True(t, w.s.Complete(now, 200, discoveryDoc("https://issuer.test/new")).Next)
	assert.Equal(t, "/new", w.s.Request().Path)
	res = w.s.Complete(now, 200, jwksOf(t, es))
	require.NoError(t, res.Err)
	assert.True(t, res.Recovered)
	_, err := w.v.Verify(es.sign(t, validClaims()))
	require.NoError(t, err, "the key set stayed in use throughout")
}

func TestRemoteSyncBadDiscoveryKeepsKeys(t *testing.T) {
	w := discoveryWorker(newMemoryStore())
	w.s.Acquire(testNow, TriggerSchedule)
	res := w.s.Complete(testNow, 200, []byte(`{"issuer": "https://evil.test", "jwks_uri": "https://evil.test/keys"}`))
	require.ErrorContains(t, res.Err, "differs from the provider's issuer")
	assert.True(t, res.Warn)
	assert.False(t, res.Next)

	leased, _ := w.s.Acquire(testNow.Add(FailureRetryInterval), TriggerSchedule)
	require.True(t, leased)
	assert.Equal(t, "/.well-known/openid-configuration", w.s.Request().Path)
}

func TestDiscoveryLeaseCoversTwoCallouts(t *testing.T) {
	store := newMemoryStore()
	a, b := discoveryWorker(store), discoveryWorker(store)
	a.s.Acquire(testNow, TriggerSchedule)
	leased, _ := b.s.Acquire(testNow.Add(2*a.s.Provider().Remote.FetchTimeout), TriggerSchedule)
	assert.False(t, leased, "the lease lasts two fetch timeouts and a margin")
	leased, _ = b.s.Acquire(testNow.Add(2*a.s.Provider().Remote.FetchTimeout+leaseMargin), TriggerSchedule)
	assert.True(t, leased)
}

func TestCalloutErrorNamesTheCause(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{0, "", `jwt: the JWKS callout to cluster "idp" was reset before a response`},
		{504, "upstream request timeout", `jwt: the JWKS callout to cluster "idp" timed out after 2s; raise fetch_timeout if the server is slow`},
		{503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
			`jwt: the JWKS callout could not connect to cluster "idp" (status 503 from the proxy); check the cluster's address`},
		{503, "no healthy upstream", `jwt: cluster "idp" has no healthy host for the JWKS callout (status 503 from the proxy)`},
		{504, "gateway timeout from the server", "jwt: the JWKS server returned status 504; expected 200"},
		{503, "", "jwt: the JWKS server returned status 503; expected 200"},
	}
	for _, tc := range cases {
		assert.EqualError(t, calloutError("JWKS", "idp", 2*time.Second, tc.status, []byte(tc.body)), tc.want)
	}
}
