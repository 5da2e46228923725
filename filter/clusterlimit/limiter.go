package clusterlimit

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Limiter applies the cluster-wide rules of one plugin on one VM. Its state
// lives in the Store, shared by every worker; a Limiter is used by one
// goroutine, as a proxy-wasm VM is.
type Limiter struct {
	cfg   *Config
	store ratelimit.Store
	now   func() time.Time

	// owner tells this VM's lease apart from the other workers'.
	owner uint64

	// lastReport is when this VM last reported the Async hits.
	lastReport time.Time

	needsIP, hasAsync bool
}

// New returns the limiter of cfg. owner must differ between the VMs that
// share store, such as a random number per VM.
func New(cfg *Config, store ratelimit.Store, now func() time.Time, owner uint64) *Limiter {
	l := &Limiter{cfg: cfg, store: store, now: now, owner: owner,
		hasAsync: cfg.hasMode(Async)}
	for i := range cfg.Rules {
		for _, e := range cfg.Rules[i].Entries {
			l.needsIP = l.needsIP || e.Source == FromClientIP || e.Source == FromCaller
		}
	}
	return l
}

// NeedsClientIP reports whether a rule can need Request.SourceAddress.
func (l *Limiter) NeedsClientIP() bool { return l.needsIP }

// HasAsync reports whether an Async rule exists, whose hits the plugin must
// report on tick.
func (l *Limiter) HasAsync() bool { return l.hasAsync }

// Breaker returns the circuit breaker's settings.
func (l *Limiter) Breaker() Breaker { return l.cfg.Breaker }

// Prepare creates the slots and lists of the Async rules that do not exist
// yet, so that no worker creates one while another counts in it: Envoy's
// shared data has no create-if-absent. Call it when the plugin starts.
func (l *Limiter) Prepare() error {
	var first error
	create := func(key string, value []byte) {
		_, _, err := l.store.Get(key)
		if errors.Is(err, ratelimit.ErrNotFound) {
			err = l.store.Set(key, value, 0)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	for i := range l.cfg.Rules {
		r := &l.cfg.Rules[i]
		if r.Mode != Async {
			continue
		}
		create(dirtyKey(r.Name), []byte{})
		empty := (&slot{}).encode()
		for n := range r.MaxKeys {
			create(slotKey(r.Name, uint64(n)), empty)
		}
	}
	return first
}

// MaxBytes returns the most shared data that the rules can hold: keys and
// values of every slot with the longest descriptor, the Async lists, the
// breaker, the lease and the probe.
func (l *Limiter) MaxBytes() int {
	n := len(breakerKey) + 13 + len(leaseKey) + 16
	longest := 0
	for i := range l.cfg.Rules {
		r := &l.cfg.Rules[i]
		descriptor := maxDescriptorLength(r)
		n += r.MaxKeys * (len(slotKey(r.Name, uint64(r.MaxKeys-1))) + slotHeader + descriptor)
		if r.Mode == Async {
			n += len(dirtyKey(r.Name)) + 4*r.MaxKeys
			longest = max(longest, descriptor)
		}
	}
	if longest > 0 {
		n += len(probeKey) + 10 + longest
	}
	return n
}

// maxDescriptorLength bounds the JSON of a rule's descriptor: every value
// at its longest, escaped as \uXXXX throughout.
func maxDescriptorLength(r *Rule) int {
	n := len(`{"entries":[]}`)
	for _, e := range r.Entries {
		n += len(`{"key":"","value":""},`) + 6*len(e.Key) + 6*maxValueLength
	}
	return n
}

// match is one rule's descriptor for one request.
type match struct {
	rule *Rule
	d    descriptor
	slot uint64
}

// Pending is a request that waits for the service's verdict on its Sync
// descriptors. The plugin POSTs Body to the service and passes the
// response to Resolve.
type Pending struct {
	// Body is the RateLimitRequest to send.
	Body []byte

	requestID   string
	sync, async []match

	// started is when the callout was sent, so that the breaker can tell
	// the probe's result from older ones.
	started time.Time
}

// Check decides a request from shared data, or returns a Pending when a
// Sync rule must call the service first. Descriptors blocked by an earlier
// OVER_LIMIT verdict are denied without a callout.
func (l *Limiter) Check(req *Request) (Result, *Pending) {
	now := l.now()
	b := builder{req: req, clientIP: &l.cfg.ClientIP}
	var sync, async []match
	var blocked *match
	var blockedSlot slot
	var wait time.Duration

	for i := range l.cfg.Rules {
		r := &l.cfg.Rules[i]
		if r.Routes != nil && !slices.Contains(r.Routes, req.Route) {
			continue
		}
		d, ok := b.build(r)
		if !ok {
			continue
		}
		m := match{rule: r, d: d, slot: d.hash % uint64(r.MaxKeys)}
		value, _, err := l.store.Get(slotKey(r.Name, m.slot))
		if err == nil {
			s := decodeSlot(value)
			if w := s.blockedFor(d.hash, now); w > wait {
				blocked, blockedSlot, wait = &m, s, w
			}
		}
		if r.Mode == Sync {
			sync = append(sync, m)
		} else {
			async = append(async, m)
		}
	}

	if blocked != nil {
		return l.deny(blocked.rule.Name, req.RequestID, wait,
			int64(blockedSlot.requestsPerUnit), int64(blockedSlot.unitSeconds), 0), nil
	}
	if len(sync) == 0 {
		if len(async) == 0 {
			return Result{Allow: true}, nil
		}
		if open, retry := l.breakerOpen(now); open {
			return l.failureMode(async, async, req.RequestID, retry, nil), nil
		}
		return l.charge(async, Result{Allow: true}), nil
	}

	if ok, _, retry := l.admit(now); !ok {
		return l.failureMode(sync, async, req.RequestID, retry, nil), nil
	}
	descriptors := make([][]byte, len(sync))
	for i := range sync {
		descriptors[i] = sync[i].d.json
	}
	return Result{}, &Pending{
		Body:      appendRequest(nil, l.cfg.Domain, descriptors, 1),
		requestID: req.RequestID,
		sync:      sync,
		async:     async,
		started:   now,
	}
}

// Resolve decides a pending request from the service's response.
func (l *Limiter) Resolve(p *Pending, a Answer) Result {
	now := l.now()
	statuses, err := l.parse(a, len(p.sync))
	if err != nil {
		res := l.failureMode(p.sync, p.async, p.requestID, time.Second, err)
		res.CalloutFailed = true
		res.Transition = l.failed(p.started, now)
		return res
	}
	transition := l.succeeded(p.started)

	var over, tightest int = -1, -1
	for i, s := range statuses {
		if s.overLimit {
			l.block(&p.sync[i], s, now)
			if over < 0 || s.reset > statuses[over].reset {
				over = i
			}
		}
		if s.limited && (tightest < 0 || s.remaining < statuses[tightest].remaining) {
			tightest = i
		}
	}

	if over >= 0 {
		s := statuses[over]
		res := l.deny(p.sync[over].rule.Name, p.requestID, s.reset,
			s.requestsPerUnit, int64(s.unit/time.Second), s.remaining)
		res.Transition = transition
		return res
	}

	res := Result{Allow: true, Transition: transition}
	if tightest >= 0 && l.cfg.Headers.OnAllowed {
		s := statuses[tightest]
		res.ResponseHeaders = l.rateHeaders(nil, p.sync[tightest].rule.Name,
			s.requestsPerUnit, int64(s.unit/time.Second), s.remaining, s.reset)
	}
	return l.charge(p.async, res)
}

// block remembers an OVER_LIMIT verdict in the descriptor's slot until the
// service's reset, at least one second.
func (l *Limiter) block(m *match, s status, now time.Time) {
	until := now.Add(max(s.reset, time.Second)).UnixMilli()
	_ = ratelimit.Update(l.store, slotKey(m.rule.Name, m.slot), func(old []byte) ([]byte, bool) {
		cur := decodeSlot(old)
		if cur.hash != m.d.hash {
			if cur.pending > 0 {
				// Another descriptor's unreported hits hold the slot.
				return nil, false
			}
			cur = slot{hash: m.d.hash}
		}
		cur.blockedUntil = until
		cur.requestsPerUnit = uint32(min(s.requestsPerUnit, 1<<32-1))
		cur.unitSeconds = uint32(s.unit / time.Second)
		return cur.encode(), true
	})
}

// failureMode decides the rules of a request that the service could not
// judge: denied when one of them has failure_mode deny. The Async rules of
// an allowed request are still counted.
func (l *Limiter) failureMode(rules, async []match, requestID string, retry time.Duration, err error) Result {
	res := Result{Allow: true, Err: err}
	for _, m := range rules {
		res.FailureMode = append(res.FailureMode, m.rule.Name)
		if m.rule.FailureMode == ratelimit.FailDeny && res.Allow {
			res = l.deny(m.rule.Name, requestID, retry, 0, 0, 0)
			res.Err = err
			res.FailureMode = []string{m.rule.Name}
		}
	}
	if !res.Allow {
		return res
	}
	return l.charge(async, res)
}

// charge adds one hit to each Async descriptor of an allowed request. A
// hit that cannot be written is lost and reported in res.Err.
func (l *Limiter) charge(async []match, res Result) Result {
	for i := range async {
		if err := l.addHit(&async[i]); err != nil && res.Err == nil {
			res.Err = fmt.Errorf("counting a hit of rule %q failed: %w", async[i].rule.Name, err)
		}
	}
	return res
}

// deny builds the 429 reply naming rule. quota and unit describe the
// service's limit when known (0 otherwise).
func (l *Limiter) deny(rule, requestID string, wait time.Duration, quota, unit, remaining int64) Result {
	headers := make([][2]string, 0, 7)
	headers = append(headers,
		[2]string{"content-type", "application/json"},
		[2]string{ratelimit.HeaderRetryAfter, strconv.FormatInt(ratelimit.RetryAfterSeconds(wait), 10)})
	if quota > 0 {
		headers = l.rateHeaders(headers, rule, quota, unit, remaining, wait)
	}
	return Result{
		Rule:         rule,
		Status:       ratelimit.StatusTooManyRequests,
		Code:         ratelimit.CodeRateLimited,
		Body:         ratelimit.ReplyBody(rule, requestID),
		ReplyHeaders: headers,
	}
}

// parse reads the verdicts on n descriptors, naming the cluster when the
// proxy refused the callout.
func (l *Limiter) parse(a Answer, n int) ([]status, error) {
	if a.Refused {
		return nil, fmt.Errorf("%w: the proxy refused the callout; check that Envoy defines the cluster %q", errService, l.cfg.Service.Cluster)
	}
	return parseAnswer(a, n)
}
