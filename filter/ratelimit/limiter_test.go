package ratelimit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func bucketRule(name string, capacity int64, key ...KeyPart) Rule {
	return Rule{Name: name, Algorithm: TokenBucket, Default: Limit{Quota: capacity, RefillMilli: 1000}, Key: key, MaxKeys: 64}
}

var (
	byIdentity = KeyPart{Kind: KeyIdentity}
	byIP       = KeyPart{Kind: KeyClientIP}
	global     = KeyPart{Kind: KeyGlobal}
)

// newTestLimiter returns a prepared limiter on a memory store with a fixed
// clock that the returned pointer moves.
func newTestLimiter(t testing.TB, cfg *Config) (*Limiter, *MemoryStore, *time.Time) {
	t.Helper()
	store := NewMemoryStore()
	now := t0
	l := New(cfg, store, func() time.Time { return now })
	require.NoError(t, l.Prepare())
	return l, store, &now
}

func caller(id string) *Request {
	return &Request{Identity: id, SourceAddress: "192.0.2.1:4000", Path: "/orders"}
}

func TestPrepareFillsTheBound(t *testing.T) {
	cfg := &Config{Rules: []Rule{bucketRule("a", 1, byIP), bucketRule("bb", 1, byIP)}}
	_, store, _ := newTestLimiter(t, cfg)
	require.Equal(t, 128, store.Len())
	require.Less(t, store.Bytes(), cfg.MaxBytes())
}

func TestMultiRuleChargesOnlyWhenAllPass(t *testing.T) {
	cfg := &Config{Headers: Headers{RateLimit: true}, Rules: []Rule{
		bucketRule("per-caller", 1, byIdentity),
		bucketRule("everyone", 3, global),
	}}
	l, _, _ := newTestLimiter(t, cfg)

	require.True(t, l.Check(caller("alice")).Allow)
	for range 5 {
		res := l.Check(caller("alice"))
		require.False(t, res.Allow)
		require.Equal(t, "per-caller", res.Rule)
	}

	// alice's denials took nothing from "everyone": two tokens are left.
	require.True(t, l.Check(caller("bob")).Allow)
	require.True(t, l.Check(caller("carol")).Allow)
	res := l.Check(caller("dave"))
	require.False(t, res.Allow)
	require.Equal(t, "everyone", res.Rule)
}

func TestMostRestrictiveDenialReported(t *testing.T) {
	slow := Rule{Name: "slow", Algorithm: TokenBucket, Default: Limit{Quota: 1, RefillMilli: 100}, Key: []KeyPart{global}, MaxKeys: 1}
	fast := bucketRule("fast", 1, global)
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{fast, slow}})

	require.True(t, l.Check(caller("a")).Allow)
	res := l.Check(caller("a"))
	require.Equal(t, "slow", res.Rule)
	require.Contains(t, res.ReplyHeaders, [2]string{HeaderRetryAfter, "10"})
}

func TestTierLimits(t *testing.T) {
	rule := bucketRule("per-caller", 1, byIdentity)
	rule.Tiers = map[string]Limit{"gold": {Quota: 3, RefillMilli: 1000}}
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{rule}})

	count := func(id, tier string) int {
		n := 0
		for range 10 {
			req := caller(id)
			req.Tier = tier
			if l.Check(req).Allow {
				n++
			}
		}
		return n
	}
	require.Equal(t, 3, count("g", "gold"))
	require.Equal(t, 1, count("s", "silver"), "an unknown tier gets the default")
	require.Equal(t, 1, count("n", ""))
}

func TestShadowNeverBlocks(t *testing.T) {
	shadow := bucketRule("trial", 1, global)
	shadow.Shadow = true
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{shadow}})

	require.True(t, l.Check(caller("a")).Allow)
	res := l.Check(caller("a"))
	require.True(t, res.Allow)
	require.Equal(t, []string{"trial"}, res.ShadowExceeded)
	require.Empty(t, res.Rule)
}

func TestReplyAndHeaders(t *testing.T) {
	rule := Rule{Name: "per-ip", Algorithm: SlidingWindow, Default: Limit{Quota: 2, Window: time.Minute}, Key: []KeyPart{byIP}, MaxKeys: 8}
	cfg := &Config{Headers: Headers{RateLimit: true, XRateLimit: true, OnAllowed: true}, Rules: []Rule{rule}}
	l, _, now := newTestLimiter(t, cfg)
	*now = t0.Truncate(time.Minute).Add(15 * time.Second)

	res := l.Check(caller(""))
	require.True(t, res.Allow)
	require.Equal(t, [][2]string{
		{"ratelimit-policy", `"per-ip";q=2;w=60`},
		{"ratelimit", `"per-ip";r=1;t=105`},
		{"x-ratelimit-limit", "2"},
		{"x-ratelimit-remaining", "1"},
		{"x-ratelimit-reset", "105"},
	}, res.ResponseHeaders)

	require.True(t, l.Check(caller("")).Allow)
	req := caller("")
	req.RequestID = "req-1"
	res = l.Check(req)
	require.False(t, res.Allow)
	require.Equal(t, 429, res.Status)
	require.Equal(t, [][2]string{
		{"content-type", "application/json"},
		{"retry-after", "75"}, // 45 s to the next window, then 30 s for 2 to fade to 1
		{"ratelimit-policy", `"per-ip";q=2;w=60`},
		{"ratelimit", `"per-ip";r=0;t=105`},
		{"x-ratelimit-limit", "2"},
		{"x-ratelimit-remaining", "0"},
		{"x-ratelimit-reset", "105"},
	}, res.ReplyHeaders)

	var body map[string]string
	require.NoError(t, json.Unmarshal(res.Body, &body))
	require.Equal(t, map[string]string{"code": CodeRateLimited, "message": MessageRateLimited, "rule": "per-ip", "request_id": "req-1"}, body)
}

func TestRetryAfterNeverZero(t *testing.T) {
	rule := Rule{Name: "fast", Algorithm: TokenBucket, Default: Limit{Quota: 1, RefillMilli: 1_000_000}, Key: []KeyPart{global}, MaxKeys: 1}
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{rule}})
	l.Check(caller(""))
	res := l.Check(caller(""))
	require.False(t, res.Allow)
	require.Contains(t, res.ReplyHeaders, [2]string{HeaderRetryAfter, "1"})
}

func TestRuleSkippedWithoutKeyValue(t *testing.T) {
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{
		bucketRule("per-caller", 1, byIdentity),
		bucketRule("per-tenant", 1, KeyPart{Kind: KeyHeader, Name: "x-tenant"}),
		Rule{Name: "orders", Algorithm: TokenBucket, Default: Limit{Quota: 1, RefillMilli: 1}, Key: []KeyPart{global}, Routes: []string{"orders"}, MaxKeys: 1},
	}})
	for range 3 {
		require.True(t, l.Check(caller("")).Allow)
	}
}

func TestQueryKeyDecoded(t *testing.T) {
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{bucketRule("tenant", 1, KeyPart{Kind: KeyQuery, Name: "t"})}})
	require.True(t, l.Check(&Request{Path: "/x?a=1&t=acme"}).Allow)
	require.False(t, l.Check(&Request{Path: "/x?t=%61cme"}).Allow)
	require.True(t, l.Check(&Request{Path: "/x?t=other"}).Allow)
}

// TestEmptyKeyValueIsAValue checks that a header or query parameter that
// is present but empty counts under one key of its own, which every such
// request shares, while a request without it skips the rule.
func TestEmptyKeyValueIsAValue(t *testing.T) {
	header := KeyPart{Kind: KeyHeader, Name: "x-tenant"}
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{bucketRule("tenant", 1, header)}})
	empty := &Request{Path: "/x", Headers: [][2]string{{"x-tenant", ""}}}
	require.True(t, l.Check(empty).Allow)
	require.False(t, l.Check(empty).Allow, "a second empty value shares the first one's counter")
	require.True(t, l.Check(&Request{Path: "/x", Headers: [][2]string{{"x-tenant", "acme"}}}).Allow)
	require.True(t, l.Check(&Request{Path: "/x"}).Allow, "no header: the rule is skipped")

	query := KeyPart{Kind: KeyQuery, Name: "t"}
	l, _, _ = newTestLimiter(t, &Config{Rules: []Rule{bucketRule("tenant", 1, query)}})
	require.True(t, l.Check(&Request{Path: "/x?t="}).Allow)
	require.False(t, l.Check(&Request{Path: "/x?t"}).Allow, "?t and ?t= are the same empty value")
	require.True(t, l.Check(&Request{Path: "/x?u=1"}).Allow, "no parameter: the rule is skipped")
}

func TestCallerKeyFallsBackToIP(t *testing.T) {
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{bucketRule("caller", 1, KeyPart{Kind: KeyCaller})}})
	require.True(t, l.Check(caller("")).Allow)
	require.False(t, l.Check(caller("")).Allow, "same IP, no identity")
	require.True(t, l.Check(caller("alice")).Allow, "the identity is a key of its own")
}

// conflictStore fails Set with ErrCASMismatch a number of times.
type conflictStore struct {
	*MemoryStore
	conflicts atomic.Int32
}

func (s *conflictStore) Set(key string, value []byte, cas uint32) error {
	if cas != 0 && s.conflicts.Add(-1) >= 0 {
		return ErrCASMismatch
	}
	return s.MemoryStore.Set(key, value, cas)
}

func TestCASConflictRetries(t *testing.T) {
	cfg := &Config{Rules: []Rule{bucketRule("r", 2, global)}}
	store := &conflictStore{MemoryStore: NewMemoryStore()}
	l := New(cfg, store, func() time.Time { return t0 })
	require.NoError(t, l.Prepare())

	store.conflicts.Store(MaxAttempts - 1)
	res := l.Check(caller(""))
	require.True(t, res.Allow)
	require.Empty(t, res.Failures)
}

func TestCASConflictFailureModes(t *testing.T) {
	for _, mode := range []FailureMode{FailAllow, FailDeny} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			rule := bucketRule("r", 2, global)
			rule.FailureMode = mode
			store := &conflictStore{MemoryStore: NewMemoryStore()}
			l := New(&Config{Rules: []Rule{rule}}, store, func() time.Time { return t0 })
			require.NoError(t, l.Prepare())

			store.conflicts.Store(MaxAttempts)
			res := l.Check(caller(""))
			require.Equal(t, mode == FailAllow, res.Allow)
			require.Len(t, res.Failures, 1)
			require.ErrorIs(t, res.Failures[0].Err, ErrContention)
		})
	}
}

func TestRefundWhenLaterRuleLosesRace(t *testing.T) {
	first := bucketRule("first", 5, global)
	second := bucketRule("second", 1, global)
	second.MaxKeys = 1
	store := NewMemoryStore()
	l := New(&Config{Rules: []Rule{first, second}}, store, func() time.Time { return t0 })
	require.NoError(t, l.Prepare())

	// Another worker takes second's token between the read and the write.
	racing := &racingStore{MemoryStore: store, key: slotKey("second", TokenBucket, 0)}
	l.store = racing
	racing.steal = func() {
		other := New(&Config{Rules: []Rule{second}}, store, func() time.Time { return t0 })
		require.True(t, other.Check(caller("")).Allow)
	}
	require.False(t, l.Check(caller("")).Allow)

	// first got its token back: 5 remain.
	l.store = store
	only := New(&Config{Rules: []Rule{first}}, store, func() time.Time { return t0 })
	n := 0
	for only.Check(caller("")).Allow {
		n++
	}
	require.Equal(t, 5, n)
}

// TestFailedReadIsNotRefunded checks that a rule whose read failed is not
// refunded when a later rule loses a race, although the same check, which
// the limiter reuses from request to request, was charged on the previous
// request.
func TestFailedReadIsNotRefunded(t *testing.T) {
	first := bucketRule("first", 10, global)
	first.Default.RefillMilli = 1 // 0.001 token per second: no refill in this test
	second := bucketRule("second", 1, global)
	first.MaxKeys, second.MaxKeys = 1, 1 // their slot is 0
	memory := NewMemoryStore()
	now := t0
	clock := func() time.Time { return now }
	store := &failingReadStore{racingStore: &racingStore{MemoryStore: memory, key: slotKey("second", TokenBucket, 0)}}
	l := New(&Config{Rules: []Rule{first, second}}, store, clock)
	require.NoError(t, l.Prepare())

	// Both rules are charged: first has 9 tokens left, second none.
	require.True(t, l.Check(caller("")).Allow)

	// A second later, second has a token again. first's read fails, and
	// another worker takes second's token between its read and its write.
	now = now.Add(time.Second)
	store.failKey = slotKey("first", TokenBucket, 0)
	store.steal = func() {
		other := New(&Config{Rules: []Rule{second}}, memory, clock)
		require.True(t, other.Check(caller("")).Allow)
	}
	res := l.Check(caller(""))
	require.False(t, res.Allow)
	require.Len(t, res.Failures, 1)
	require.Equal(t, "first", res.Failures[0].Rule)

	// first still has 9 tokens: nothing was refunded to it.
	only := New(&Config{Rules: []Rule{first}}, memory, clock)
	n := 0
	for only.Check(caller("")).Allow {
		n++
	}
	require.Equal(t, 9, n)
}

// failingReadStore fails the next read of failKey, once.
type failingReadStore struct {
	*racingStore
	failKey string
}

func (s *failingReadStore) fails(key string) bool {
	if key != s.failKey {
		return false
	}
	s.failKey = ""
	return true
}

var errReadFailed = errors.New("read failed")

func (s *failingReadStore) Get(key string) ([]byte, uint32, error) {
	if s.fails(key) {
		return nil, 0, errReadFailed
	}
	return s.racingStore.Get(key)
}

func (s *failingReadStore) GetInto(key string, dst []byte) ([]byte, uint32, error) {
	if s.fails(key) {
		return nil, 0, errReadFailed
	}
	return s.racingStore.GetInto(key, dst)
}

// racingStore runs steal once, just before the first write to key.
type racingStore struct {
	*MemoryStore
	key   string
	steal func()
}

func (s *racingStore) Set(key string, value []byte, cas uint32) error {
	if key == s.key && s.steal != nil {
		steal := s.steal
		s.steal = nil
		steal()
	}
	return s.MemoryStore.Set(key, value, cas)
}

func TestConcurrentBurstAdmitsCapacity(t *testing.T) {
	const capacity, workers = 50, 4
	rule := bucketRule("burst", capacity, global)
	rule.FailureMode = FailDeny
	l, _, _ := newTestLimiter(t, &Config{Rules: []Rule{rule}})

	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range 10 * capacity / workers {
				if l.Check(caller("")).Allow {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, capacity, admitted.Load())
}

// One million distinct client IPs, driven natively: the store never grows
// past the slots Prepare created.
func TestMillionClientIPsStayBounded(t *testing.T) {
	rule := Rule{Name: "per-ip", Algorithm: SlidingWindow, Default: Limit{Quota: 10, Window: time.Minute}, Key: []KeyPart{byIP}, MaxKeys: 4096}
	cfg := &Config{Rules: []Rule{rule}}
	l, store, _ := newTestLimiter(t, cfg)

	req := &Request{Path: "/"}
	for i := range 1_000_000 {
		req.SourceAddress = "10." + strconv.Itoa(i>>16) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255) + ":4000"
		l.Check(req)
	}
	require.Equal(t, 4096, store.Len())
	require.LessOrEqual(t, store.Bytes(), cfg.MaxBytes())
	t.Logf("shared data after 1,000,000 client IPs: %d bytes (bound %d)", store.Bytes(), cfg.MaxBytes())
}

// TestTierHeaders checks that the header values formatted in New follow the
// caller's tier, as the limit does.
func TestTierHeaders(t *testing.T) {
	rule := bucketRule("per-caller", 1, byIdentity)
	rule.Tiers = map[string]Limit{"gold": {Quota: 3, RefillMilli: 1000}}
	cfg := &Config{Headers: Headers{RateLimit: true, XRateLimit: true, OnAllowed: true}, Rules: []Rule{rule}}
	l, _, _ := newTestLimiter(t, cfg)

	for tier, want := range map[string][2]string{
		"gold":   {`"per-caller";q=3;w=3`, "3"},
		"silver": {`"per-caller";q=1;w=1`, "1"},
		"":       {`"per-caller";q=1;w=1`, "1"},
	} {
		req := caller("id-" + tier)
		req.Tier = tier
		res := l.Check(req)
		require.True(t, res.Allow, tier)
		require.Contains(t, res.ResponseHeaders, [2]string{HeaderRateLimitPolicy, want[0]}, tier)
		require.Contains(t, res.ResponseHeaders, [2]string{HeaderXRateLimitLimit, want[1]}, tier)
	}
}

// failingStore fails every Get. It embeds the Store interface, so that
// the limiter cannot read through MemoryStore.GetInto.
type failingStore struct{ Store }

func (s failingStore) Get(string) ([]byte, uint32, error) {
	return nil, 0, errors.New("shared data unavailable")
}

// TestStoreFailureDenialOmitsQuotaHeaders checks that a 429 from
// failure_mode deny carries Retry-After but no RateLimit or X-RateLimit
// header: the rule's count is unknown, so any quota it stated would be
// made up (r=0 with t=0 after a failed read, an exhausted quota after a
// failed write to a full bucket).
func TestStoreFailureDenialOmitsQuotaHeaders(t *testing.T) {
	tests := []struct {
		name  string
		store func() Store
	}{
		{"read failed", func() Store { return failingStore{NewMemoryStore()} }},
		{"write conflicted", func() Store {
			s := &conflictStore{MemoryStore: NewMemoryStore()}
			s.conflicts.Store(MaxAttempts)
			return s
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rule := bucketRule("r", 2, global)
			rule.FailureMode = FailDeny
			cfg := &Config{Headers: Headers{RateLimit: true, XRateLimit: true, OnAllowed: true}, Rules: []Rule{rule}}
			l := New(cfg, tc.store(), func() time.Time { return t0 })
			_ = l.Prepare() // fails on the failing store; creates the slot on the other

			res := l.Check(caller(""))
			require.False(t, res.Allow)
			require.Equal(t, "r", res.Rule)
			require.Equal(t, [][2]string{{"content-type", "application/json"}, {"retry-after", "1"}}, res.ReplyHeaders)
		})
	}
}
