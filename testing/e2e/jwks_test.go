package e2e

import (
	"context"
	"crypto/rand"
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

// jwksServer is a loopback JWKS endpoint whose keys, status and delay the
// test changes, and which counts its requests.
type jwksServer struct {
	mu       sync.Mutex
	keys     []jose.JSONWebKey
	status   int
	requests int
	gate     chan struct{} // when set, each request waits for it to close
	srv      *httptest.Server
}

func newJWKSServer(t *testing.T, keys ...*rsa.PrivateKey) *jwksServer {
	s := &jwksServer{status: 200}
	s.set(keys...)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	require.True(t, strings.HasPrefix(s.srv.URL, "http://127.0.0.1:"), "the JWKS server must be on loopback")
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	gate, status := s.gate, s.status
	body, _ := json.Marshal(jose.JSONWebKeySet{Keys: s.keys})
	s.mu.Unlock()

	if gate != nil {
		<-gate
	}
	if r.URL.Path != "/jwks" {
		status = 404
	}
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	if status == 200 {
		w.Write(body)
	}
}

// set publishes the public halves of keys, each with its kid.
func (s *jwksServer) set(keys ...*rsa.PrivateKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = nil
	for _, k := range keys {
		s.keys = append(s.keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kidOf(k), Algorithm: "RS256", Use: "sig"})
	}
}

func (s *jwksServer) setStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *jwksServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// rotationKeys are three RSA keys, generated once for the file's tests.
var rotationKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

func kidOf(k *rsa.PrivateKey) string {
	for i, key := range rotationKeys() {
		if key == k {
			return "key-" + string(rune('a'+i))
		}
	}
	return "unknown"
}

// remoteConfig is a plugin configuration with one remote JWKS provider.
func remoteConfig(wait string) string {
	return `{"routes":[{"name":"orders","match":{"prefix":"/orders"},"auth":"jwt"}],
		"jwt":{"providers":[{"name":"idp","issuer":"https://idp.test","audiences":["api"],"algorithms":["RS256"],
		"remote_jwks":{"cluster":"idp","path":"/jwks","refresh_interval":"10m","fetch_timeout":"5s","wait_for_first_fetch":"` + wait + `"}}]}}`
}

func startRemoteHost(t *testing.T, server *jwksServer, wait string) *host.Host {
	t.Helper()
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          2,
		PluginConfig:     []byte(remoteConfig(wait)),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		Clusters:         map[string]string{"idp": server.srv.URL},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	return h
}

// remoteToken signs a valid token with k, valid for two hours of test time.
func remoteToken(t *testing.T, k *rsa.PrivateKey) string {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kidOf(k))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k}, opts)
	require.NoError(t, err)
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://idp.test", "aud": "api", "sub": "user-" + kidOf(k), "exp": testNow.Add(2 * time.Hour).Unix(),
	})
	obj, err := signer.Sign(claims)
	require.NoError(t, err)
	token, err := obj.CompactSerialize()
	require.NoError(t, err)
	return token
}

// getOn sends a token to /orders on one worker and returns the status and
// the reply's code.
func getOn(t *testing.T, h *host.Host, worker int, token string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := host.NewRequest("GET", "/orders")
	req.Worker = worker
	req.Headers = [][2]string{{"authorization", "Bearer " + token}}
	res, err := h.Do(ctx, req, nil)
	require.NoError(t, err)
	if res.LocalReply == nil {
		return 200, ""
	}
	return res.LocalReply.Status, decodeError(t, res).Code
}

func waitIdle(t *testing.T, h *host.Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.WaitIdle(ctx))
}

// advance moves the clock in steps of a second and lets every callout that
// a tick started complete before the next step.
func advance(t *testing.T, h *host.Host, d time.Duration) {
	t.Helper()
	for ; d > 0; d -= time.Second {
		require.NoError(t, h.Advance(min(d, time.Second)))
		waitIdle(t, h)
	}
}

func fetchWarnings(h *host.Host) int {
	n := 0
	for _, entry := range h.LogsAt(host.LogWarn) {
		if strings.Contains(entry.Message, "fetching the JWKS failed") {
			n++
		}
	}
	return n
}

func TestJWKSRotationThroughLiveServer(t *testing.T) {
	keys := rotationKeys()
	a, b, c := keys[0], keys[1], keys[2]
	server := newJWKSServer(t, a)
	h := startRemoteHost(t, server, "5s")
	waitIdle(t, h)
	require.Equal(t, 1, server.count(), "the first fetch happens once for both workers")

	for worker := range 2 {
		status, code := getOn(t, h, worker, remoteToken(t, a))
		require.Equal(t, 200, status, "worker %d: %s", worker, code)
	}

	// A new key appears: its first token misses, triggers one refetch, and
	// the next one passes on both workers.
	server.set(a, b)
	status, code := getOn(t, h, 0, remoteToken(t, b))
	assert.Equal(t, 401, status)
	assert.Equal(t, "unknown_kid", code)
	advance(t, h, time.Second)
	require.Equal(t, 2, server.count(), "an unknown kid refetches once, at the next tick")
	for worker := range 2 {
		status, code := getOn(t, h, worker, remoteToken(t, b))
		require.Equal(t, 200, status, "worker %d: %s", worker, code)
	}

	// Another unknown kid within 30 s does not refetch; after 30 s it does.
	status, _ = getOn(t, h, 1, remoteToken(t, c))
	assert.Equal(t, 401, status)
	advance(t, h, time.Second)
	assert.Equal(t, 2, server.count(), "an unknown kid refetches at most once per 30 s")
	advance(t, h, 30*time.Second)
	getOn(t, h, 1, remoteToken(t, c))
	advance(t, h, time.Second)
	assert.Equal(t, 3, server.count())

	// The old key leaves: after the scheduled refresh its tokens, though
	// cached as verified, are rejected, and the new key's still pass.
	// The other worker takes the new set over at its next tick, within a
	// second.
	server.set(b)
	advance(t, h, 10*time.Minute+time.Second)
	assert.Equal(t, 4, server.count(), "one scheduled refresh for both workers")
	for worker := range 2 {
		status, code := getOn(t, h, worker, remoteToken(t, a))
		assert.Equal(t, 401, status, "worker %d: the removed key still verifies", worker)
		assert.Equal(t, "unknown_kid", code)
		status, _ = getOn(t, h, worker, remoteToken(t, b))
		assert.Equal(t, 200, status)
	}
	requireNoSecretLogged(t, h)
}

func TestJWKSServerDownKeepsLastGoodKeys(t *testing.T) {
	keys := rotationKeys()
	server := newJWKSServer(t, keys[0])
	h := startRemoteHost(t, server, "5s")
	waitIdle(t, h)
	token := remoteToken(t, keys[0])

	server.setStatus(503)
	advance(t, h, 10*time.Minute)
	advance(t, h, 25*time.Second)
	require.GreaterOrEqual(t, server.count(), 4, "failed fetches are retried")
	assert.Equal(t, 1, fetchWarnings(h), "one warning per failure streak")
	for worker := range 2 {
		status, code := getOn(t, h, worker, token)
		assert.Equal(t, 200, status, "worker %d keeps the last good keys: %s", worker, code)
	}

	// The server comes back with a new key set.
	server.setStatus(200)
	server.set(keys[0], keys[1])
	advance(t, h, 10*time.Second)
	status, code := getOn(t, h, 1, remoteToken(t, keys[1]))
	assert.Equal(t, 200, status, code)
	recovered := false
	for _, entry := range h.LogsAt(host.LogInfo) {
		recovered = recovered || strings.Contains(entry.Message, "fetching the JWKS works again")
	}
	assert.True(t, recovered, "the recovery is logged")

	// A new failure streak warns again.
	server.setStatus(500)
	advance(t, h, 10*time.Minute)
	assert.Equal(t, 2, fetchWarnings(h))
	for _, entry := range h.Logs() {
		assert.NotContains(t, entry.Message, "eyJ", "a log line contains a token")
	}
}

func TestJWKSRequestsWaitForFirstFetch(t *testing.T) {
	keys := rotationKeys()
	server := newJWKSServer(t, keys[0])
	gate := make(chan struct{})
	server.gate = gate
	h := startRemoteHost(t, server, "5s")

	// The first fetch hangs: requests pause on both workers. Worker 0,
	// which fetches, resumes its request when the response arrives; worker 1
	// takes the keys over at its next tick.
	done := make(chan [2]any, 2)
	for worker := range 2 {
		go func() {
			status, code := getOn(t, h, worker, remoteToken(t, keys[0]))
			done <- [2]any{status, code}
		}()
	}
	select {
	case got := <-done:
		t.Fatalf("a request was answered before the first fetch: %v", got)
	case <-time.After(300 * time.Millisecond):
	}
	close(gate)
	waitIdle(t, h)
	select {
	case got := <-done:
		assert.Equal(t, 200, got[0], "the fetching worker resumes its request: %v", got[1])
	case <-time.After(10 * time.Second):
		t.Fatal("the paused request was not resumed")
	}
	advance(t, h, time.Second)
	select {
	case got := <-done:
		assert.Equal(t, 200, got[0], "the other worker resumes its request at its tick: %v", got[1])
	case <-time.After(10 * time.Second):
		t.Fatal("the paused request was not resumed")
	}
	assert.Equal(t, 1, server.count())
}

func TestJWKSWaitEndsWith401(t *testing.T) {
	keys := rotationKeys()
	server := newJWKSServer(t, keys[0])
	server.setStatus(503)
	h := startRemoteHost(t, server, "2s")
	waitIdle(t, h)

	done := make(chan [2]any, 1)
	go func() {
		status, code := getOn(t, h, 0, remoteToken(t, keys[0]))
		done <- [2]any{status, code}
	}()
	time.Sleep(100 * time.Millisecond)
	advance(t, h, 3*time.Second)
	select {
	case got := <-done:
		assert.Equal(t, 401, got[0])
		assert.Equal(t, "keys_unavailable", got[1])
	case <-time.After(10 * time.Second):
		t.Fatal("the paused request got no answer after wait_for_first_fetch")
	}

	// Past the wait, requests get the 401 at once.
	status, code := getOn(t, h, 1, remoteToken(t, keys[0]))
	assert.Equal(t, 401, status)
	assert.Equal(t, "keys_unavailable", code)
	assert.Equal(t, 1, fetchWarnings(h))
}
