package jwt

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRevocationList(t *testing.T) {
	ids, err := ParseRevocationList([]byte(`["a", "b", "a"]`), 2)
	require.NoError(t, err)
	assert.Equal(t, map[string]struct{}{"a": {}, "b": {}}, ids)

	ids, err = ParseRevocationList([]byte(`{"jti": ["c"], "updated_at": "2026-06-01T12:00:00Z"}`), 10)
	require.NoError(t, err)
	assert.Equal(t, map[string]struct{}{"c": {}}, ids)

	ids, err = ParseRevocationList([]byte(`[]`), 10)
	require.NoError(t, err)
	assert.Empty(t, ids, "an empty list is valid: nothing is revoked")

	bad := []struct{ name, doc, err string }{
		{"not JSON", `jti-1`, `jwt: the revocation list is not valid JSON; expected an array of jti strings or {"jti": [...]}`},
		{"string", `"jti-1"`, `jwt: the revocation list is neither an array of jti strings nor an object with a "jti" array`},
		{"object without jti", `{"revoked": []}`, `jwt: the revocation list is neither an array of jti strings nor an object with a "jti" array`},
		{"number entry", `["a", 7]`, "jwt: the revocation list has an entry that is not a string of 1 to 256 bytes"},
		{"empty entry", `[""]`, "jwt: the revocation list has an entry that is not a string of 1 to 256 bytes"},
		{"long entry", `["` + strings.Repeat("x", 257) + `"]`, "jwt: the revocation list has an entry that is not a string of 1 to 256 bytes"},
		{"too many", `["a", "b", "c"]`, "jwt: the revocation list has more than the maximum of 2 entries (max_entries)"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRevocationList([]byte(tc.doc), 2)
			require.EqualError(t, err, tc.err)
		})
	}
}

type revocationWorker struct {
	v *Verifier
	s *RevocationSync
	p *Provider
}

func newRevocationWorker(store SharedStore, keys ...*Key) revocationWorker {
	p := testProvider(keys...)
	p.Revocation = &RevocationList{
		Cluster: "idp", Path: "/revoked", Authority: "idp",
		RefreshInterval: time.Minute, FetchTimeout: time.Second, MaxEntries: 100,
	}
	v := testVerifier(nil, p)
	return revocationWorker{v: v, s: NewRevocationSync(v, p, store, "test."), p: p}
}

func TestRevocationSyncSharedAndMerged(t *testing.T) {
	store := newMemoryStore()
	es := newSigner(t, "ES256", "k1")
	a, b := newRevocationWorker(store, es.key), newRevocationWorker(store, es.key)
	claims := validClaims()
	claims["jti"] = "stolen-1"
	stolen := es.sign(t, claims)
	_, err := a.v.Verify(stolen)
	require.NoError(t, err, "no list fetched yet: only revoked_jti applies")
	require.Equal(t, 1, a.v.cache.len())

	leased, err := a.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, err)
	require.True(t, leased)
	leased, _ = b.s.Acquire(testNow, TriggerSchedule)
	require.False(t, leased, "one fetch for all workers")
	assert.Equal(t, FetchRequest{Cluster: "idp", Path: "/revoked", Authority: "idp", Timeout: time.Second, MaxBytes: MaxRevocationListBytes}, a.s.Request())

	res := a.s.Complete(testNow, 200, []byte(`["stolen-1"]`))
	require.NoError(t, res.Err)
	assert.True(t, res.Changed)
	assert.Equal(t, 1, res.Items)
	_, err = a.v.Verify(stolen)
	require.ErrorIs(t, err, ErrRevoked, "the cached verified token is dropped with the new list")

	changed, err := b.s.Sync()
	require.NoError(t, err)
	require.True(t, changed)
	_, err = b.v.Verify(stolen)
	require.ErrorIs(t, err, ErrRevoked)

	// The configured deny-list still applies beside the fetched one.
	claims["jti"] = "revoked-1"
	_, err = b.v.Verify(es.sign(t, claims))
	require.ErrorIs(t, err, ErrRevoked)
	claims["jti"] = "fine"
	_, err = b.v.Verify(es.sign(t, claims))
	require.NoError(t, err)
}

func TestRevocationSyncFailureKeepsLastList(t *testing.T) {
	es := newSigner(t, "ES256", "k1")
	w := newRevocationWorker(newMemoryStore(), es.key)
	claims := validClaims()
	claims["jti"] = "stolen-1"
	stolen := es.sign(t, claims)
	w.s.Acquire(testNow, TriggerSchedule)
	require.NoError(t, w.s.Complete(testNow, 200, []byte(`{"jti": ["stolen-1"]}`)).Err)

	now := testNow.Add(time.Minute)
	for i, body := range []string{`not json`, `[1]`, `["a","b"]`} {
		if i == 2 {
			w.p.Revocation.MaxEntries = 1
		}
		leased, _ := w.s.Acquire(now, TriggerSchedule)
		require.True(t, leased, body)
		res := w.s.Complete(now, 200, []byte(body))
		require.Error(t, res.Err, body)
		assert.Equal(t, i == 0, res.Warn, body)
		_, err := w.v.Verify(stolen)
		require.ErrorIs(t, err, ErrRevoked, "%s: the last good list stays", body)
		now = now.Add(FailureRetryInterval)
	}

	leased, _ := w.s.Acquire(now, TriggerSchedule)
	require.True(t, leased)
	res := w.s.Complete(now, 504, []byte("upstream request timeout"))
	require.ErrorContains(t, res.Err, "timed out after 1s")

	leased, _ = w.s.Acquire(now, TriggerUnknownKID)
	assert.False(t, leased, "an unknown kid never fetches a revocation list")
}
