package clusterlimit

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// clock is a manual clock for the tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Unix(1_800_000_000, 0)} }
func ok(remaining int64) Answer          { return answer(200, "OK", status1("OK", remaining, "")) }
func over(reset string) Answer           { return answer(429, "OVER_LIMIT", status1("OVER_LIMIT", 0, reset)) }
func answer(code int, overall, statuses string) Answer {
	return Answer{Status: code, Body: []byte(`{"overallCode":"` + overall + `","statuses":[` + statuses + `]}`)}
}

func status1(code string, remaining int64, reset string) string {
	s := `{"code":"` + code + `","currentLimit":{"requestsPerUnit":3,"unit":"MINUTE"}`
	if remaining > 0 {
		s += fmt.Sprintf(`,"limitRemaining":%d`, remaining)
	}
	if reset != "" {
		s += `,"durationUntilReset":"` + reset + `"`
	}
	return s + "}"
}

func testConfig(rules ...Rule) *Config {
	return &Config{
		Service:      Service{Cluster: "ratelimit", Authority: "ratelimit", Path: DefaultPath, Timeout: DefaultTimeout},
		Domain:       "bulwark",
		SyncInterval: DefaultSyncInterval,
		Breaker:      Breaker{Failures: 3, CoolDown: 10 * time.Second},
		Rules:        rules,
		ClientIP:     ratelimit.ClientIP{IPv4Prefix: 32, IPv6Prefix: 64},
		Headers:      ratelimit.Headers{RateLimit: true, OnAllowed: true},
	}
}

func ipRule(mode Mode) Rule {
	return Rule{Name: "per-ip", Mode: mode, MaxKeys: 64,
		Entries: []Entry{{Key: "client_ip", Source: FromClientIP}}}
}

func newTestLimiter(t *testing.T, cfg *Config) (*Limiter, *ratelimit.MemoryStore, *clock) {
	t.Helper()
	store, c := ratelimit.NewMemoryStore(), newClock()
	l := New(cfg, store, c.now, 1)
	require.NoError(t, l.Prepare())
	return l, store, c
}

func TestSyncAsksAndRemembersOverLimit(t *testing.T) {
	l, _, c := newTestLimiter(t, testConfig(ipRule(Sync)))
	req := &Request{SourceAddress: "203.0.113.7:5555", RequestID: "r1"}

	res, p := l.Check(req)
	require.NotNil(t, p, "a sync rule must ask the service")
	require.JSONEq(t, `{"domain":"bulwark","descriptors":[{"entries":[{"key":"client_ip","value":"203.0.113.7"}]}],"hitsAddend":1}`, string(p.Body))
	require.False(t, res.Allow)

	res = l.Resolve(p, ok(2))
	require.True(t, res.Allow)
	require.Equal(t, [][2]string{
		{"ratelimit-policy", `"per-ip";q=3;w=60`},
		{"ratelimit", `"per-ip";r=2;t=0`},
	}, res.ResponseHeaders)

	_, p = l.Check(req)
	require.NotNil(t, p)
	res = l.Resolve(p, over("41.5s"))
	require.False(t, res.Allow)
	require.Equal(t, 429, res.Status)
	require.Equal(t, "per-ip", res.Rule)
	require.Contains(t, res.ReplyHeaders, [2]string{"retry-after", "42"})
	require.Contains(t, res.ReplyHeaders, [2]string{"ratelimit", `"per-ip";r=0;t=42`})
	require.Equal(t, "per-ip", gjson.GetBytes(res.Body, "rule").String())

	// Until the reset, the descriptor is denied without a callout, on any
	// worker: a second limiter on the same store stands for another VM.
	c.advance(40 * time.Second)
	res, p = l.Check(req)
	require.Nil(t, p, "a blocked descriptor must not cause a callout")
	require.False(t, res.Allow)
	require.Contains(t, res.ReplyHeaders, [2]string{"retry-after", "2"})

	other := &Request{SourceAddress: "198.51.100.1:1"}
	_, p = l.Check(other)
	require.NotNil(t, p, "another client is not blocked")

	c.advance(2 * time.Second)
	_, p = l.Check(req)
	require.NotNil(t, p, "the block ends at the reset")
}

func TestBreakerOpensProbesAndCloses(t *testing.T) {
	cfg := testConfig(ipRule(Sync))
	cfg.Rules[0].FailureMode = ratelimit.FailDeny
	l, store, c := newTestLimiter(t, cfg)
	other := New(cfg, store, c.now, 2)
	req := &Request{SourceAddress: "203.0.113.7:5555"}

	timeout := Answer{Status: 504, Body: []byte("upstream request timeout")}
	var transitions []Transition
	for i := range 3 {
		_, p := l.Check(req)
		require.NotNil(t, p, "callout %d", i)
		res := l.Resolve(p, timeout)
		require.False(t, res.Allow, "failure_mode deny")
		require.ErrorContains(t, res.Err, "timed out")
		transitions = append(transitions, res.Transition)
	}
	require.Equal(t, []Transition{NoTransition, NoTransition, Opened}, transitions)

	// Open: no callouts, on any worker, and failure_mode decides.
	res, p := other.Check(req)
	require.Nil(t, p)
	require.False(t, res.Allow)
	require.Equal(t, []string{"per-ip"}, res.FailureMode)
	require.Contains(t, res.ReplyHeaders, [2]string{"retry-after", "10"})

	// After the cool-down one worker probes; the other waits.
	c.advance(10 * time.Second)
	_, probe := l.Check(req)
	require.NotNil(t, probe)
	res, p = other.Check(req)
	require.Nil(t, p, "only one probe at a time")
	require.False(t, res.Allow)

	res = l.Resolve(probe, Answer{Status: 503, Body: []byte("upstream connect error or disconnect/reset before headers. reset reason: connection failure")})
	require.Equal(t, Reopened, res.Transition)
	require.ErrorContains(t, res.Err, "connection failed")

	c.advance(10 * time.Second)
	_, probe = other.Check(req)
	require.NotNil(t, probe)
	res = other.Resolve(probe, ok(2))
	require.True(t, res.Allow)
	require.Equal(t, Closed, res.Transition)

	_, p = l.Check(req)
	require.NotNil(t, p, "closed again: callouts resume")
	require.Equal(t, NoTransition, l.Resolve(p, ok(1)).Transition)
}

func TestFailureModeAllowCountsAsyncRules(t *testing.T) {
	async := Rule{Name: "caller", Mode: Async, MaxKeys: 8, Entries: []Entry{{Key: "caller", Source: FromCaller}}}
	l, _, _ := newTestLimiter(t, testConfig(ipRule(Sync), async))
	req := &Request{SourceAddress: "203.0.113.7:5555", Identity: "key-1"}

	_, p := l.Check(req)
	require.NotNil(t, p)
	res := l.Resolve(p, Answer{Status: 500, Body: []byte("redis down")})
	require.True(t, res.Allow, "failure_mode allow")
	require.Equal(t, []string{"per-ip"}, res.FailureMode)
	require.ErrorContains(t, res.Err, "HTTP 500")

	l.lastReport = time.Time{}
	reports := l.Reports()
	require.Len(t, reports, 1, "the allowed request's async hit is counted")
	require.EqualValues(t, 1, reports[0].Hits)
}

func TestAsyncSumsHitsAcrossWorkersAndBlocks(t *testing.T) {
	cfg := testConfig(Rule{Name: "caller", Mode: Async, MaxKeys: 16,
		Entries: []Entry{{Key: "tier", Source: FromTier}, {Key: "caller", Source: FromCaller}}})
	l, store, c := newTestLimiter(t, cfg)
	workers := []*Limiter{l, New(cfg, store, c.now, 2), New(cfg, store, c.now, 3)}
	a := &Request{Identity: "key-a", Tier: "gold"}
	b := &Request{Identity: "key-b", Tier: "gold"}

	for i := range 9 {
		res, p := workers[i%3].Check(a)
		require.Nil(t, p, "async rules never wait")
		require.True(t, res.Allow)
	}
	res, _ := workers[1].Check(b)
	require.True(t, res.Allow)

	// Exactly one worker reports, once per interval.
	c.advance(cfg.SyncInterval)
	reports := workers[2].Reports()
	require.Len(t, reports, 2)
	require.Empty(t, workers[0].Reports(), "another worker holds the lease")
	require.Empty(t, workers[2].Reports(), "the interval has not passed")

	hits := map[string]uint32{}
	for _, r := range reports {
		caller := gjson.GetBytes(r.Body, `descriptors.0.entries.#(key=="caller").value`).String()
		hits[caller] = r.Hits
		require.Equal(t, int64(r.Hits), gjson.GetBytes(r.Body, "hitsAddend").Int())
		require.Equal(t, "gold", gjson.GetBytes(r.Body, `descriptors.0.entries.0.value`).String())
	}
	require.Equal(t, map[string]uint32{"key-a": 9, "key-b": 1}, hits)

	for i := range reports {
		r := &reports[i]
		a := ok(1)
		if strings.Contains(string(r.Body), "key-a") {
			a = over("30s")
		}
		require.Equal(t, NoTransition, workers[2].Reported(r, a).Transition)
	}

	for _, w := range workers {
		res, _ := w.Check(a)
		require.False(t, res.Allow, "OVER_LIMIT blocks the descriptor on every worker")
		require.Contains(t, res.ReplyHeaders, [2]string{"retry-after", "30"})
		res, _ = w.Check(b)
		require.True(t, res.Allow)
	}

	// Denied requests are not counted; b's new hit is.
	c.advance(cfg.SyncInterval)
	reports = workers[2].Reports()
	require.Len(t, reports, 1)
	require.Contains(t, string(reports[0].Body), "key-b")

	c.advance(30 * time.Second)
	res, _ = workers[0].Check(a)
	require.True(t, res.Allow, "the block ends at the reset")
}

func TestLeaseMovesWhenTheHolderStops(t *testing.T) {
	cfg := testConfig(Rule{Name: "global", Mode: Async, MaxKeys: 1, Entries: []Entry{{Key: "all", Source: FromValue, Value: "x"}}})
	l, store, c := newTestLimiter(t, cfg)
	other := New(cfg, store, c.now, 2)

	l.Check(&Request{})
	c.advance(cfg.SyncInterval)
	require.Len(t, l.Reports(), 1)

	other.Check(&Request{})
	c.advance(cfg.SyncInterval)
	require.Empty(t, other.Reports(), "the holder's lease runs for three intervals")
	c.advance(2 * cfg.SyncInterval)
	require.Len(t, other.Reports(), 1, "an expired lease passes to another worker")
}

func TestDescriptorValues(t *testing.T) {
	cfg := testConfig(Rule{Name: "all", Mode: Sync, MaxKeys: 8, Entries: []Entry{
		{Key: "ip", Source: FromClientIP},
		{Key: "route", Source: FromRoute},
		{Key: "method", Source: FromMethod},
		{Key: "tenant", Source: FromHeader, Name: "x-tenant"},
		{Key: "plan", Source: FromQuery, Name: "plan"},
		{Key: "env", Source: FromValue, Value: "prod"},
	}})
	cfg.ClientIP.TrustedHops = 1
	l, _, _ := newTestLimiter(t, cfg)

	long := strings.Repeat("t", 200)
	req := &Request{
		SourceAddress: "[2001:db8::1]:443", Method: "GET", Path: "/v1/x?plan=gold%20plus",
		Headers: [][2]string{{"x-forwarded-for", "2001:db8:aa:bb::9"}, {"x-tenant", long}},
	}
	_, p := l.Check(req)
	require.NotNil(t, p)
	entries := gjson.GetBytes(p.Body, "descriptors.0.entries").Array()
	got := map[string]string{}
	for _, e := range entries {
		got[e.Get("key").String()] = e.Get("value").String()
	}
	require.Equal(t, "2001:db8:aa:bb::/64", got["ip"])
	require.Equal(t, DefaultRouteValue, got["route"])
	require.Equal(t, "GET", got["method"])
	require.Equal(t, "gold plus", got["plan"])
	require.Equal(t, "prod", got["env"])
	require.True(t, strings.HasPrefix(got["tenant"], "sha256:"), "long values are hashed")
	require.Len(t, got["tenant"], len("sha256:")+32)

	// A request without a value of the rule skips it.
	res, p := l.Check(&Request{SourceAddress: "203.0.113.7:1", Method: "GET", Path: "/"})
	require.Nil(t, p)
	require.True(t, res.Allow)
}

func TestMaxBytesBoundsSharedData(t *testing.T) {
	cfg := testConfig(Rule{Name: "per-ip", Mode: Async, MaxKeys: 100,
		Entries: []Entry{{Key: "client_ip", Source: FromClientIP}}})
	l, store, c := newTestLimiter(t, cfg)
	for i := range 5000 {
		addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		l.Check(&Request{SourceAddress: addr.String() + ":1"})
		if i%500 == 0 {
			c.advance(cfg.SyncInterval)
			l.Reports()
		}
	}
	require.LessOrEqual(t, store.Bytes(), l.MaxBytes())
	require.LessOrEqual(t, store.Len(), 100+3)
}

func TestAsyncDenyProbesWithLastDescriptor(t *testing.T) {
	cfg := testConfig(ipRule(Async))
	cfg.Rules[0].FailureMode = ratelimit.FailDeny
	l, store, c := newTestLimiter(t, cfg)
	req := &Request{SourceAddress: "203.0.113.7:5555"}
	timeout := Answer{Status: 504, Body: []byte("upstream request timeout")}

	// Three reports fail in a row and open the breaker.
	var last Transition
	for range 3 {
		res, _ := l.Check(req)
		require.True(t, res.Allow)
		c.advance(cfg.SyncInterval)
		reports := l.Reports()
		require.Len(t, reports, 1)
		last = l.Reported(&reports[0], timeout).Transition
	}
	require.Equal(t, Opened, last)

	res, _ := l.Check(req)
	require.False(t, res.Allow, "failure_mode deny while the breaker is open")

	// After the cool-down, another worker that never reported takes the
	// lease and probes with the last reported descriptor.
	other := New(cfg, store, c.now, 2)
	c.advance(cfg.Breaker.CoolDown + 3*cfg.SyncInterval)
	reports := other.Reports()
	require.Len(t, reports, 1, "one probe without pending hits")
	require.EqualValues(t, 1, reports[0].Hits)
	require.Contains(t, string(reports[0].Body), `"value":"203.0.113.7"`)
	require.Equal(t, Closed, other.Reported(&reports[0], ok(5)).Transition)

	res, _ = l.Check(req)
	require.True(t, res.Allow, "admitted again once the probe succeeded")
}

func TestBreakerIgnoresCalloutsFromBeforeItOpened(t *testing.T) {
	l, _, c := newTestLimiter(t, testConfig(ipRule(Sync)))
	req := &Request{SourceAddress: "203.0.113.7:5555"}
	timeout := Answer{Status: 504, Body: []byte("upstream request timeout")}

	// Four callouts in flight at once: three time out and open the
	// breaker, then the slow fourth succeeds.
	var pending []*Pending
	for range 4 {
		_, p := l.Check(req)
		require.NotNil(t, p)
		pending = append(pending, p)
	}
	c.advance(50 * time.Millisecond)
	for _, p := range pending[:3] {
		l.Resolve(p, timeout)
	}
	require.Equal(t, NoTransition, l.Resolve(pending[3], ok(1)).Transition, "a callout from before the opening cannot close it")
	_, p := l.Check(req)
	require.Nil(t, p, "still open: no callout")

	// During the probe, the result of an old callout changes nothing either.
	_, stale := l.Check(&Request{SourceAddress: "198.51.100.1:1"})
	require.Nil(t, stale)
	c.advance(10 * time.Second)
	_, probe := l.Check(req)
	require.NotNil(t, probe)
	require.Equal(t, NoTransition, l.Resolve(pending[0], timeout).Transition, "an old failure does not fail the probe")
	require.Equal(t, Closed, l.Resolve(probe, ok(1)).Transition)
}
