package e2e

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// idpServer is a loopback identity provider: an OpenID Connect discovery
// document, the JWKS at the path that it names, and a revocation list. The
// test changes each of them and counts the requests per path.
type idpServer struct {
	mu       sync.Mutex
	issuer   string
	jwksPath string
	keys     []*rsa.PrivateKey
	revoked  string
	status   int
	requests map[string]int
	srv      *httptest.Server
}

func newIDPServer(t *testing.T, keys ...*rsa.PrivateKey) *idpServer {
	s := &idpServer{issuer: "https://idp.test", jwksPath: "/keys/v1", keys: keys, revoked: `[]`, status: 200, requests: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	require.True(t, strings.HasPrefix(s.srv.URL, "http://127.0.0.1:"), "the identity provider must be on loopback")
	return s
}

func (s *idpServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.URL.Path]++

	var body []byte
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		body, _ = json.Marshal(map[string]string{"issuer": s.issuer, "jwks_uri": "https://idp.test" + s.jwksPath})
	case s.jwksPath:
		var set jose.JSONWebKeySet
		for _, k := range s.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kidOf(k), Algorithm: "RS256", Use: "sig"})
		}
		body, _ = json.Marshal(set)
	case "/revoked":
		if s.status != 200 {
			w.WriteHeader(s.status)
			return
		}
		body = []byte(s.revoked)
	default:
		w.WriteHeader(404)
		return
	}
	w.Header().Set("content-type", "application/json")
	w.Write(body)
}

// change runs edit with the server's state locked.
func (s *idpServer) change(edit func(s *idpServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	edit(s)
}

func (s *idpServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func startIDPHost(t *testing.T, server *idpServer, provider string) *host.Host {
	t.Helper()
	config := `{"routes":[{"name":"orders","match":{"prefix":"/orders"},"auth":"jwt"}],
		"jwt":{"providers":[{"name":"idp","issuer":"https://idp.test","audiences":["api"],"algorithms":["RS256"],` + provider + `}]}}`
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          2,
		PluginConfig:     []byte(config),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		Clusters:         map[string]string{"idp": server.srv.URL},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	return h
}

const discoveryProvider = `"remote_jwks":{"cluster":"idp","authority":"idp.test","discovery":true,"wait_for_first_fetch":"2s"}`

func warnings(h *host.Host, part string) []string {
	var found []string
	for _, entry := range h.LogsAt(host.LogWarn) {
		if strings.Contains(entry.Message, part) {
			found = append(found, entry.Message)
		}
	}
	return found
}

func TestJWKSDiscoveryRotationThroughLiveServer(t *testing.T) {
	keys := rotationKeys()
	a, b, c := keys[0], keys[1], keys[2]
	server := newIDPServer(t, a)
	h := startIDPHost(t, server, discoveryProvider)
	waitIdle(t, h)
	require.Equal(t, 1, server.count("/.well-known/openid-configuration"), "one discovery for both workers")
	require.Equal(t, 1, server.count("/keys/v1"), "one JWKS fetch for both workers")
	for worker := range 2 {
		status, code := getOn(t, h, worker, remoteToken(t, a))
		require.Equal(t, 200, status, "worker %d: %s", worker, code)
	}

	// A new key: the unknown kid refetches the JWKS at the cached path,
	// without a second discovery.
	server.change(func(s *idpServer) { s.keys = []*rsa.PrivateKey{a, b} })
	status, code := getOn(t, h, 1, remoteToken(t, b))
	assert.Equal(t, 401, status)
	assert.Equal(t, "unknown_kid", code)
	advance(t, h, time.Second)
	assert.Equal(t, 2, server.count("/keys/v1"))
	assert.Equal(t, 1, server.count("/.well-known/openid-configuration"))
	for worker := range 2 {
		status, code := getOn(t, h, worker, remoteToken(t, b))
		require.Equal(t, 200, status, "worker %d: %s", worker, code)
	}

	// The JWKS moves to another path with another key: the scheduled fetch
	// gets 404, the keys stay, and the retry rediscovers the new path.
	server.change(func(s *idpServer) { s.jwksPath, s.keys = "/keys/v2", []*rsa.PrivateKey{b, c} })
	advance(t, h, 10*time.Minute)
	assert.Equal(t, 3, server.count("/keys/v1"), "the cached path is fetched first")
	require.Len(t, warnings(h, "fetching the JWKS failed"), 1)
	assert.Contains(t, warnings(h, "fetching the JWKS failed")[0], "status 404")
	status, _ = getOn(t, h, 0, remoteToken(t, a))
	assert.Equal(t, 200, status, "the last good key set stays in use")

	advance(t, h, 10*time.Second)
	assert.Equal(t, 2, server.count("/.well-known/openid-configuration"), "a failure rediscovers")
	assert.Equal(t, 1, server.count("/keys/v2"))
	for worker := range 2 {
		status, code := getOn(t, h, worker, remoteToken(t, c))
		assert.Equal(t, 200, status, "worker %d: %s", worker, code)
		status, _ = getOn(t, h, worker, remoteToken(t, a))
		assert.Equal(t, 401, status, "worker %d: the removed key still verifies", worker)
	}
	requireNoSecretLogged(t, h)
}

func TestJWKSDiscoveryRejectsAnotherIssuer(t *testing.T) {
	keys := rotationKeys()
	server := newIDPServer(t, keys[0])
	server.change(func(s *idpServer) { s.issuer = "https://idp.test/" })
	h := startIDPHost(t, server, discoveryProvider)
	waitIdle(t, h)

	found := warnings(h, "fetching the JWKS failed")
	require.Len(t, found, 1)
	assert.Contains(t, found[0], `the discovery document's issuer "https://idp.test/" differs from the provider's issuer "https://idp.test"`)
	assert.Zero(t, server.count("/keys/v1"), "no key set is fetched from an untrusted document")

	advance(t, h, 3*time.Second)
	status, code := getOn(t, h, 0, remoteToken(t, keys[0]))
	assert.Equal(t, 401, status)
	assert.Equal(t, "keys_unavailable", code)
}

func TestJWKSFetchTimeoutIsLoggedAsTimeout(t *testing.T) {
	keys := rotationKeys()
	server := newJWKSServer(t, keys[0])
	gate := make(chan struct{})
	server.gate = gate
	t.Cleanup(func() { close(gate) })
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          1,
		PluginConfig:     []byte(strings.Replace(remoteConfig("0s"), `"fetch_timeout":"5s"`, `"fetch_timeout":"200ms"`, 1)),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		Clusters:         map[string]string{"idp": server.srv.URL},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	waitIdle(t, h)

	found := warnings(h, "fetching the JWKS failed")
	require.Len(t, found, 1)
	assert.Contains(t, found[0], `the JWKS callout to cluster "idp" timed out after 200ms`)
	assert.NotContains(t, found[0], "status 504")
}
