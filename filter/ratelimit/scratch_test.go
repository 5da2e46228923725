package ratelimit

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fixedStore returns one stored state for every key and accepts every
// write without copying, so that allocations it would cause do not hide
// the limiter's own.
type fixedStore struct{ state []byte }

func (s *fixedStore) Get(string) ([]byte, uint32, error) { return s.state, 1, nil }
func (s *fixedStore) Set(string, []byte, uint32) error   { return nil }

func TestAllowedCheckDoesNotAllocate(t *testing.T) {
	cfg := benchConfig()
	cfg.Rules[0].Key = []KeyPart{{Kind: KeyCaller}, {Kind: KeyHeader, Name: "x-tenant"}}
	cfg.Rules[2].Key = []KeyPart{{Kind: KeyQuery, Name: "team"}, {Kind: KeyRoute}}
	l := New(cfg, &fixedStore{state: unusedSlot}, func() time.Time { return t0 })
	req := &Request{
		SourceAddress: "[2001:db8::1]:4000", Path: "/orders?team=blue",
		Headers: [][2]string{{"x-tenant", "a"}, {"x-tenant", "b"}},
	}
	require.True(t, l.Check(req).Allow)

	allocs := testing.AllocsPerRun(100, func() { l.Check(req) })
	require.Zero(t, allocs, "an allowed request without response headers allocates")
}

// TestCheckKeepsRequestOnStack checks that Check does not move its
// caller's Request to the heap: in wasm, each heap allocation costs about
// as much as a hostcall.
func TestCheckKeepsRequestOnStack(t *testing.T) {
	l := New(benchConfig(), &fixedStore{state: unusedSlot}, func() time.Time { return t0 })

	allocs := testing.AllocsPerRun(100, func() {
		req := Request{Identity: "reader", SourceAddress: "192.0.2.1:4000", Path: "/orders"}
		l.Check(&req)
	})
	require.Zero(t, allocs, "Check moved its Request to the heap")
}

// TestAllowedHeadersAllocateTwice pins the response headers of an allowed
// request, in a tier, to two allocations: the values and the slice.
func TestAllowedHeadersAllocateTwice(t *testing.T) {
	cfg := benchConfig()
	cfg.Headers = Headers{RateLimit: true, XRateLimit: true, OnAllowed: true}
	cfg.Rules[0].Tiers = map[string]Limit{"gold": {Quota: 2_000_000, RefillMilli: 1_000_000_000}}
	l := New(cfg, &fixedStore{state: unusedSlot}, func() time.Time { return t0 })
	req := &Request{Identity: "reader", Tier: "gold", SourceAddress: "192.0.2.1:4000", Path: "/orders"}
	require.Len(t, l.Check(req).ResponseHeaders, 5)

	allocs := testing.AllocsPerRun(100, func() { l.Check(req) })
	require.Equal(t, 2.0, allocs)
}

// TestParseAddrForms pins parseAddr to the rule it replaced: try the bare
// address, then the address with a port.
func TestParseAddrForms(t *testing.T) {
	reference := func(s string) (netip.Addr, bool) {
		addr, err := netip.ParseAddr(s)
		if err != nil {
			addrPort, err := netip.ParseAddrPort(s)
			if err != nil {
				return netip.Addr{}, false
			}
			addr = addrPort.Addr()
		}
		return addr.WithZone("").Unmap(), true
	}
	for _, s := range []string{
		"", ":", "::", "::1", "[::1]:80", "[::1]", "::1:80", "1.2.3.4", "1.2.3.4:80",
		"1.2.3.4:", ":80", "[1.2.3.4]:80", "fe80::1%eth0", "[fe80::1%eth0]:443",
		"::ffff:192.0.2.1", "[::ffff:192.0.2.1]:1", "host:80", "1.2.3.4:80:90",
		"[::1]:80:90", "2001:db8::1", "2001:db8::1:8080", " 1.2.3.4", "[", "1.2.3.4:99999",
	} {
		want, wantOK := reference(s)
		got, ok := parseAddr(s)
		require.Equal(t, wantOK, ok, "%q", s)
		require.Equal(t, want, got, "%q", s)
	}
}

// TestSlotKeysFollowTheSlot alternates clients so that each request needs a
// different slot key than the one before, from several goroutines at once
// (only one of them uses the limiter's spare scratch at a time).
func TestSlotKeysFollowTheSlot(t *testing.T) {
	cfg := &Config{Rules: []Rule{bucketRule("per-caller", 1_000, byIdentity)}}
	cfg.Rules[0].MaxKeys = 1 << 16
	l, store, _ := newTestLimiter(t, cfg)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				require.True(t, l.Check(caller([]string{"a", "b", "c"}[i%3])).Allow)
			}
		})
	}
	wg.Wait()

	for _, id := range []string{"a", "b", "c"} {
		var k keyer
		k.reset(caller(id), &cfg.ClientIP)
		slot, ok := k.slot(&cfg.Rules[0])
		require.True(t, ok)
		state, _, err := store.Get(slotKey("per-caller", TokenBucket, slot))
		require.NoError(t, err)
		left := decodeBucket(state, cfg.Rules[0].Default, t0.UnixNano()).tokens / tokenUnit
		// Per goroutine, 200 requests in turn: 67 for a and b, 66 for c.
		require.EqualValues(t, 1_000-4*map[string]int{"a": 67, "b": 67, "c": 66}[id], left, id)
	}
}

// TestSlotHashesTheEncodedKey checks that keyer.slot, which hashes each
// part where it is, picks the slot of the FNV-1a hash of the whole encoded
// key (kind, uvarint length, value per part), so that slots do not move
// between module versions that share shared data.
func TestSlotHashesTheEncodedKey(t *testing.T) {
	long := strings.Repeat("v", 300) // a two-byte uvarint length
	req := &Request{
		Identity: "key-1", Route: "orders", SourceAddress: "192.0.2.7:4000",
		Path: "/orders?team=blue%20sky", Headers: [][2]string{{"x-tenant", "a"}, {"x-tenant", long}},
	}
	encode := func(dst []byte, kind KeyKind, value string) []byte {
		dst = append(dst, byte(kind))
		dst = binary.AppendUvarint(dst, uint64(len(value)))
		return append(dst, value...)
	}
	ip := string([]byte{192, 0, 2, 7, 32})
	cases := []struct {
		key  []KeyPart
		want []byte
	}{
		{[]KeyPart{{Kind: KeyGlobal}}, encode(nil, KeyGlobal, "")},
		{[]KeyPart{{Kind: KeyIdentity}, {Kind: KeyRoute}}, encode(encode(nil, KeyIdentity, "key-1"), KeyRoute, "orders")},
		{[]KeyPart{{Kind: KeyCaller}}, encode(nil, KeyCaller, "id:key-1")},
		{[]KeyPart{{Kind: KeyClientIP}}, encode(nil, KeyClientIP, ip)},
		{[]KeyPart{{Kind: KeyHeader, Name: "x-tenant"}}, encode(nil, KeyHeader, "a,"+long)},
		{[]KeyPart{{Kind: KeyQuery, Name: "team"}}, encode(nil, KeyQuery, "blue sky")},
	}
	for _, c := range cases {
		r := &Rule{Key: c.key, MaxKeys: 1 << 24}
		var k keyer
		k.reset(req, &ClientIP{})
		slot, ok := k.slot(r)
		require.True(t, ok, "%v", c.key)
		require.Equal(t, fnv1a(c.want)%(1<<24), slot, "%v", c.key)
	}

	var k keyer
	k.reset(&Request{SourceAddress: "192.0.2.7:4000"}, &ClientIP{})
	slot, ok := k.slot(&Rule{Key: []KeyPart{{Kind: KeyCaller}}, MaxKeys: 1 << 24})
	require.True(t, ok)
	require.Equal(t, fnv1a(encode(nil, KeyCaller, "ip:"+ip))%(1<<24), slot)
}

// panickingStore panics on its first read, as a bug in a store would, and
// then behaves as the MemoryStore it wraps.
type panickingStore struct {
	*MemoryStore
	panicked bool
}

func (s *panickingStore) GetInto(key string, dst []byte) ([]byte, uint32, error) {
	if !s.panicked {
		s.panicked = true
		panic("BUG: test store")
	}
	return s.MemoryStore.GetInto(key, dst)
}

// TestCheckAfterPanicStillCounts checks that a Check that panics, which
// leaves the spare scratch taken (Check releases it without a defer), does
// not break the Checks after it: they work in scratches of their own and
// count exactly.
func TestCheckAfterPanicStillCounts(t *testing.T) {
	cfg := &Config{Rules: []Rule{bucketRule("per-caller", 2, byIdentity), bucketRule("global", 100, global)}}
	store := &panickingStore{MemoryStore: NewMemoryStore()}
	l := New(cfg, store, func() time.Time { return t0 })

	require.Panics(t, func() { l.Check(caller("reader")) })
	require.True(t, l.Check(caller("reader")).Allow)
	require.True(t, l.Check(caller("reader")).Allow)
	denied := l.Check(caller("reader"))
	require.False(t, denied.Allow)
	require.Equal(t, "per-caller", denied.Rule)
	require.True(t, l.Check(caller("writer")).Allow)
}
