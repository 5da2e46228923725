package apikey

import (
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustDigest(t *testing.T, s string) [32]byte {
	t.Helper()
	var d [32]byte
	_, err := hex.Decode(d[:], []byte(s))
	require.NoError(t, err)
	return d
}

// The expected digests come from sha256sum and from
// "openssl dgst -sha256 -mac HMAC -macopt hexkey:<pepper>".
func TestDigestKnownValues(t *testing.T) {
	pepper := []byte("pepper-for-tests-only-0123456789")

	require.Equal(t, mustDigest(t, "507636717dd889c4aca6e55fac6880c0e096f0160c1c940da0564f39301c6537"),
		Digest(HashSHA256, nil, "demo-key-0123456789"))
	require.Equal(t, mustDigest(t, "1b1deacc29756e61d7a685703aaa456f7c557441efef6f83ab1e1b0b415b6852"),
		Digest(HashHMACSHA256, pepper, "demo-key-0123456789"))
}

func TestStoreLookup(t *testing.T) {
	demo := &Key{ID: "demo"}
	other := &Key{ID: "other"}
	store, err := NewStore(HashSHA256, nil, []Entry{
		{Digest: Digest(HashSHA256, nil, "demo-secret"), Key: demo},
		{Digest: Digest(HashSHA256, nil, "other-secret"), Key: other},
	})
	require.NoError(t, err)

	require.Same(t, demo, store.Lookup("demo-secret"))
	require.Same(t, other, store.Lookup("other-secret"))
	require.Nil(t, store.Lookup("demo-secre"))
	require.Nil(t, store.Lookup(""))
	require.Equal(t, 2, store.Len())
	require.Equal(t, []*Key{demo, other}, store.Keys())
}

func TestStoreLookupHMAC(t *testing.T) {
	pepper := []byte("pepper-for-tests-only-0123456789")
	demo := &Key{ID: "demo"}
	store, err := NewStore(HashHMACSHA256, pepper, []Entry{{Digest: Digest(HashHMACSHA256, pepper, "demo-secret"), Key: demo}})
	require.NoError(t, err)

	pepper[0] = 'X' // The store keeps its own copy.
	require.Same(t, demo, store.Lookup("demo-secret"))

	plain, err := NewStore(HashHMACSHA256, []byte("another-pepper-0123456789"), []Entry{{Digest: Digest(HashHMACSHA256, []byte("pepper-for-tests-only-0123456789"), "demo-secret"), Key: demo}})
	require.NoError(t, err)
	require.Nil(t, plain.Lookup("demo-secret"), "a different pepper gives a different digest")
}

func TestNewStoreRejectsDuplicateDigest(t *testing.T) {
	d := Digest(HashSHA256, nil, "same")
	_, err := NewStore(HashSHA256, nil, []Entry{{Digest: d, Key: &Key{ID: "a"}}, {Digest: d, Key: &Key{ID: "b"}}})

	require.ErrorIs(t, err, ErrDuplicateDigest)
	require.EqualError(t, err, `apikey: two keys have the same digest: key "a" and key "b"`)
}

func TestStoreFormattingHidesSecrets(t *testing.T) {
	pepper := []byte("SECRET-MARKER-pepper-0123456789")
	store, err := NewStore(HashHMACSHA256, pepper, []Entry{{Digest: [32]byte{0xab, 0xcd}, Key: &Key{ID: "a"}}})
	require.NoError(t, err)

	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, store)
		require.Equal(t, "apikey.Store{1 keys}", out, verb)
	}
}

func TestKeyStatusAt(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	bounded := &Key{NotBefore: start, ExpiresAt: end}

	tests := []struct {
		name string
		key  *Key
		now  time.Time
		want Status
	}{
		{"inside period", bounded, start.Add(time.Hour), StatusValid},
		{"at not_before", bounded, start, StatusValid},
		{"just before not_before", bounded, start.Add(-time.Nanosecond), StatusNotYetValid},
		{"just before expiry", bounded, end.Add(-time.Nanosecond), StatusValid},
		{"at expiry", bounded, end, StatusExpired},
		{"unbounded", &Key{}, end.Add(1000 * time.Hour), StatusValid},
		{"disabled inside period", &Key{NotBefore: start, ExpiresAt: end, Disabled: true}, start.Add(time.Hour), StatusDisabled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.key.StatusAt(tc.now))
		})
	}

	require.True(t, bounded.HasValidityPeriod())
	require.False(t, (&Key{}).HasValidityPeriod())
}

func TestKeyScopes(t *testing.T) {
	key := &Key{Scopes: []string{"read", "write"}}

	require.True(t, key.HasScopes(nil))
	require.True(t, key.HasScopes([]string{"write", "read"}))
	require.False(t, key.HasScopes([]string{"read", "admin"}))
	require.Equal(t, []string{"admin", "billing"}, key.MissingScopes([]string{"admin", "read", "billing"}))
	require.Nil(t, key.MissingScopes([]string{"read"}))
}
