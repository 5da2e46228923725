package jwt

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memoryStore is a SharedStore in memory, with CAS numbers like the proxy's.
type memoryStore struct {
	mu     sync.Mutex
	values map[string][]byte
	cas    map[string]uint32
	next   uint32
}

func newMemoryStore() *memoryStore {
	return &memoryStore{values: map[string][]byte{}, cas: map[string]uint32{}}
}

func (m *memoryStore) Get(key string) ([]byte, uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	if !ok {
		return nil, 0, nil
	}
	return append([]byte(nil), v...), m.cas[key], nil
}

func (m *memoryStore) Set(key string, value []byte, cas uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cas != 0 && m.cas[key] != cas {
		return ErrCASMismatch
	}
	m.next++
	m.values[key], m.cas[key] = append([]byte(nil), value...), m.next
	return nil
}

// remoteProvider returns a provider of ES256 and EdDSA keys fetched
// remotely.
func remoteProvider() *Provider {
	p := testProvider()
	p.Algorithms = []string{"ES256", "EdDSA"}
	p.Remote = &RemoteJWKS{
		Cluster: "idp", Path: "/jwks", RefreshInterval: 10 * time.Minute,
		FetchTimeout: 2 * time.Second, WaitForFirstFetch: time.Second,
	}
	return p
}

// jwksOf returns the JWKS of the signers' public keys.
func jwksOf(t *testing.T, signers ...signer) []byte {
	var set jose.JSONWebKeySet
	for _, s := range signers {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: s.key.public, KeyID: s.key.ID, Use: "sig"})
	}
	data, err := json.Marshal(set)
	require.NoError(t, err)
	return data
}

// worker is one VM: its verifier and its RemoteSync over a shared store.
type worker struct {
	v *Verifier
	s *RemoteSync
}

func newWorker(store SharedStore) worker {
	p := remoteProvider()
	v := testVerifier(nil, p)
	return worker{v: v, s: NewRemoteSync(v, p, store, "test.")}
}

func TestRemoteKeysBeforeFirstFetch(t *testing.T) {
	w := newWorker(newMemoryStore())
	token := newSigner(t, "ES256", "k1").sign(t, validClaims())

	_, err := w.v.Verify(token)
	require.ErrorIs(t, err, ErrKeysUnavailable)
	assert.Same(t, w.s.Provider(), w.v.TakeUnavailable())
	assert.Nil(t, w.v.TakeUnavailable(), "TakeUnavailable clears the report")
}

func TestRemoteSyncOneFetchForAllWorkers(t *testing.T) {
	store := newMemoryStore()
	a, b := newWorker(store), newWorker(store)
	es := newSigner(t, "ES256", "k1")

	leased, err := a.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, err)
	require.True(t, leased)
	leased, err = b.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, err)
	require.False(t, leased, "the lease is held by the first worker")

	res := a.s.Complete(testNow, 200, jwksOf(t, es))
	require.NoError(t, res.Err)
	assert.True(t, res.Changed)
	assert.Equal(t, uint64(1), res.Version)

	token := es.sign(t, validClaims())
	_, err = a.v.Verify(token)
	require.NoError(t, err)
	_, err = b.v.Verify(token)
	require.ErrorIs(t, err, ErrKeysUnavailable, "b has not synced yet")
	changed, err := b.s.Sync()
	require.NoError(t, err)
	require.True(t, changed)
	_, err = b.v.Verify(token)
	require.NoError(t, err)

	leased, _ = b.s.Acquire(testNow.Add(9*time.Minute), TriggerSchedule)
	assert.False(t, leased, "no fetch before the refresh interval")
	leased, _ = b.s.Acquire(testNow.Add(10*time.Minute), TriggerSchedule)
	assert.True(t, leased, "the refresh is due")
}

func TestRemoteSyncRotationDropsCachedTokens(t *testing.T) {
	w := newWorker(newMemoryStore())
	old, next := newSigner(t, "ES256", "old"), newSigner(t, "EdDSA", "new")
	oldToken := old.sign(t, validClaims())

	w.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, w.s.Complete(testNow, 200, jwksOf(t, old)).Err)
	_, err := w.v.Verify(oldToken)
	require.NoError(t, err)
	require.Equal(t, 1, w.v.cache.len())

	// The same set again keeps the version and the cache.
	w.s.Acquire(testNow.Add(10*time.Minute), TriggerSchedule)
	res := w.s.Complete(testNow.Add(10*time.Minute), 200, jwksOf(t, old))
	require.NoError(t, res.Err)
	assert.False(t, res.Changed)
	assert.Equal(t, 1, w.v.cache.len())

	w.s.Acquire(testNow.Add(20*time.Minute), TriggerSchedule)
	res = w.s.Complete(testNow.Add(20*time.Minute), 200, jwksOf(t, next))
	require.NoError(t, res.Err)
	assert.True(t, res.Changed)
	assert.Equal(t, uint64(2), res.Version)
	assert.Zero(t, w.v.cache.len(), "the cached token of the old key is dropped")

	_, err = w.v.Verify(oldToken)
	require.ErrorIs(t, err, ErrUnknownKID)
	_, err = w.v.Verify(next.sign(t, validClaims()))
	require.NoError(t, err)
}

func TestRemoteSyncUnknownKIDRefetchIsRateLimited(t *testing.T) {
	store := newMemoryStore()
	a, b := newWorker(store), newWorker(store)
	a.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, a.s.Complete(testNow, 200, jwksOf(t, newSigner(t, "ES256", "k1"))).Err)

	_, err := a.v.Verify(newSigner(t, "ES256", "k2").sign(t, validClaims()))
	require.ErrorIs(t, err, ErrUnknownKID)
	require.True(t, a.v.TakeUnknownKID(a.s.Provider()))
	require.False(t, a.v.TakeUnknownKID(a.s.Provider()), "TakeUnknownKID clears the report")

	leased, _ := a.s.Acquire(testNow.Add(time.Second), TriggerUnknownKID)
	require.True(t, leased)
	require.NoError(t, a.s.Complete(testNow.Add(time.Second), 200, jwksOf(t, newSigner(t, "ES256", "k1"))).Err)
	leased, _ = b.s.Acquire(testNow.Add(20*time.Second), TriggerUnknownKID)
	assert.False(t, leased, "a second refetch within 30 s, from any worker, is refused")
	leased, _ = b.s.Acquire(testNow.Add(31*time.Second), TriggerUnknownKID)
	assert.True(t, leased)
}

func TestRemoteSyncFailureKeepsKeysAndWarnsOncePerStreak(t *testing.T) {
	store := newMemoryStore()
	w := newWorker(store)
	es := newSigner(t, "ES256", "k1")
	w.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, w.s.Complete(testNow, 200, jwksOf(t, es)).Err)

	bad := []struct {
		name   string
		status int
		body   []byte
	}{
		{"server error", 503, nil},
		{"reset", 0, nil},
		{"not JSON", 200, []byte("<html>")},
		{"empty set", 200, []byte(`{"keys":[]}`)},
		{"no key fits", 200, jwksOf(t, newSigner(t, "ES384", "k384"))},
		{"symmetric key", 200, []byte(`{"keys":[{"kty":"oct","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]}`)},
	}
	now := testNow.Add(10 * time.Minute)
	for i, tc := range bad {
		leased, err := w.s.Acquire(now, TriggerSchedule)
		require.NoError(t, err)
		require.True(t, leased, tc.name)
		res := w.s.Complete(now, tc.status, tc.body)
		require.Error(t, res.Err, tc.name)
		assert.Equal(t, i == 0, res.Warn, "%s: only the first failure of a streak warns", tc.name)
		assert.Equal(t, uint64(1), w.v.RemoteVersion(w.s.Provider()), tc.name)

		leased, _ = w.s.Acquire(now.Add(FailureRetryInterval-time.Second), TriggerSchedule)
		assert.False(t, leased, "%s: the retry waits", tc.name)
		now = now.Add(FailureRetryInterval)
	}
	_, err := w.v.Verify(es.sign(t, validClaims()))
	require.NoError(t, err, "the last good keys still verify")

	w.s.Acquire(now, TriggerSchedule)
	res := w.s.Complete(now, 200, jwksOf(t, es, newSigner(t, "EdDSA", "k2")))
	require.NoError(t, res.Err)
	assert.True(t, res.Recovered)
	assert.True(t, res.Changed)
}

func TestRemoteSyncLeaseExpires(t *testing.T) {
	store := newMemoryStore()
	a, b := newWorker(store), newWorker(store)
	leased, _ := a.s.Acquire(testNow, TriggerSchedule)
	require.True(t, leased)

	// a never completes, such as when its VM died mid-fetch.
	leased, _ = b.s.Acquire(testNow.Add(2*time.Second), TriggerSchedule)
	assert.False(t, leased)
	leased, _ = b.s.Acquire(testNow.Add(3*time.Second), TriggerSchedule)
	assert.True(t, leased, "the lease ends after the fetch timeout and a margin")
}

func TestRemoteSyncCASMismatchLosesTheRace(t *testing.T) {
	store := newMemoryStore()
	a := newWorker(store)
	_, _, err := a.s.load()
	require.NoError(t, err)

	racing := &racingStore{memoryStore: store}
	b := worker{v: a.v, s: NewRemoteSync(a.v, a.s.Provider(), racing, "test.")}
	leased, err := b.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, err)
	assert.False(t, leased, "the worker whose write lost sees the other's lease")
	assert.Equal(t, 1, racing.raced)
}

// racingStore takes the lease for another worker just before the first
// Set, so that Set meets a CAS mismatch.
type racingStore struct {
	*memoryStore
	raced int
}

func (r *racingStore) Set(key string, value []byte, cas uint32) error {
	if r.raced == 0 {
		r.raced++
		other := syncState{leaseUntil: testNow.Add(time.Minute).UnixNano()}
		if err := r.memoryStore.Set(key, other.encode(), 0); err != nil {
			return err
		}
	}
	return r.memoryStore.Set(key, value, cas)
}

func TestParseRemoteJWKSBounds(t *testing.T) {
	p := remoteProvider()
	_, err := ParseRemoteJWKS(p, make([]byte, MaxJWKSBytes+1))
	require.ErrorContains(t, err, "more than the maximum")

	var set jose.JSONWebKeySet
	es := newSigner(t, "ES256", "")
	for range MaxKeys + 1 {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: es.key.public})
	}
	data, _ := json.Marshal(set)
	_, err = ParseRemoteJWKS(p, data)
	require.ErrorContains(t, err, "65 signature keys")
}
