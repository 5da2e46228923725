package ratelimit

import (
	"errors"
	"time"
)

// Result is the limiter's decision on one request.
type Result struct {
	// Allow lets the request through.
	Allow bool

	// Rule names the most restrictive enforced rule: the one that denied
	// the request (the longest wait when several did), or, when allowed,
	// the one with the least quota left. It is "" when no enforced rule
	// applied.
	Rule string

	// Status, Code, Body and ReplyHeaders make the 429 local reply when
	// !Allow. ReplyHeaders holds content-type, retry-after and the
	// configured rate limit headers.
	Status       int
	Code         string
	Body         []byte
	ReplyHeaders [][2]string

	// ResponseHeaders are the rate limit headers to add to the upstream's
	// response when Allow and Headers.OnAllowed are set.
	ResponseHeaders [][2]string

	// ShadowExceeded names the shadow rules that the request exceeded.
	ShadowExceeded []string

	// Failures lists the rules whose state could not be read or written;
	// each rule's FailureMode decided for it.
	Failures []RuleError
}

// RuleError is a store failure on one rule. It never holds a key value.
type RuleError struct {
	Rule string
	Err  error
}

// ErrContention is the error of a rule whose compare-and-swap failed
// MaxAttempts times.
var ErrContention = errors.New("ratelimit: shared data write conflicted on every attempt")

// Check decides on one request. Every rule that applies is checked, and the
// request passes only if all enforced rules pass. Only then is each rule
// charged, so no rule counts a request that another rule denied.
func (l *Limiter) Check(req *Request) Result {
	var res Result
	if !l.Active() {
		res.Allow = true
		return res
	}

	s := l.acquire()
	s.req = *req
	now := l.now()
	checks := l.read(s, &s.req, now.UnixNano())

	l.noteShadowAndFailures(checks, &res)
	if denied := mostRestrictiveDenial(checks); denied != nil {
		l.deny(denied, req, &res)
		l.release(s)
		return res
	}

	for i := range checks {
		c := &checks[i]
		if c.failed || !c.result.allowed {
			continue
		}
		if l.commit(c, now, &res) {
			continue
		}
		if !c.rule.Shadow {
			l.refundAll(checks[:i], now)
			l.deny(c, req, &res)
			l.release(s)
			return res
		}
	}
	l.allow(checks, &res)
	l.release(s)
	return res
}

// read finds the rules that apply, reads their slots and decides each at
// the time unixNano. The checks live in s. The work of a rule is written
// out here rather than in helpers, because calls cost in Go compiled for
// wasip1 (BENCHMARKS.md, "Local rate limits").
func (l *Limiter) read(s *scratch, req *Request, unixNano int64) []check {
	s.keyer.reset(req, &l.cfg.ClientIP)
	if cap(s.checks) < len(l.cfg.Rules) {
		// Never grown below: each check's result.next, and state when
		// the store reads into a buffer, point into it.
		s.checks = make([]check, 0, len(l.cfg.Rules))
		s.keys = make([]slotKeyMemo, len(l.cfg.Rules))
	}
	checks := s.checks[:0]

	for i := range l.cfg.Rules {
		r := &l.cfg.Rules[i]
		if r.Routes != nil && !appliesTo(r, req.Route) {
			continue
		}
		slot, ok := s.keyer.slot(r)
		if !ok {
			continue
		}

		// release left every check zeroed, so only the request's fields are
		// set, in place.
		checks = checks[:len(checks)+1]
		c := &checks[len(checks)-1]
		c.rule, c.index, c.tier, c.limit = r, i, req.Tier, r.Default
		if req.Tier != "" {
			c.limit = r.limitFor(req.Tier)
		}
		if memo := &s.keys[i]; memo.key == "" || memo.slot != slot {
			memo.slot, memo.key = slot, slotKey(r.Name, r.Algorithm, slot)
		}
		c.key = s.keys[i].key

		// load and decideInto, written out for the same reason.
		if l.into != nil {
			c.state, c.cas, c.err = l.into.GetInto(c.key, c.stored[:])
		} else {
			c.state, c.cas, c.err = l.store.Get(c.key)
		}
		switch {
		case c.err == nil && malformed(c.state):
			c.err = ErrMalformedState
		case c.err != nil && errors.Is(c.err, ErrNotFound):
			c.err = nil // Prepare did not run: Set will create the slot.
		}
		c.failed = c.err != nil
		switch {
		case c.failed:
		case r.Algorithm == SlidingWindow:
			c.result = decodeWindow(c.state, c.limit, unixNano).take(&c.next, c.limit)
		default:
			c.result = decodeBucket(c.state, c.limit, unixNano).take(&c.next, c.limit)
		}
	}
	s.checks = checks
	return checks
}

// load reads c's slot into c.state and c.cas, in c.stored when the store
// can read into a buffer. A state of the wrong length is ErrMalformedState.
func (l *Limiter) load(c *check) (err error) {
	c.state, c.cas, err = l.get(c.key, c.stored[:])
	return err
}

// get reads a slot, into dst when the store can read into a buffer, and
// returns ErrMalformedState for a state of the wrong length.
func (l *Limiter) get(key string, dst []byte) (state []byte, cas uint32, err error) {
	if l.into != nil {
		state, cas, err = l.into.GetInto(key, dst)
	} else {
		state, cas, err = l.store.Get(key)
	}
	if err == nil && malformed(state) {
		return nil, 0, ErrMalformedState
	}
	return state, cas, err
}

func appliesTo(r *Rule, route string) bool {
	if r.Routes == nil {
		return true
	}
	for _, name := range r.Routes {
		if name == route {
			return true
		}
	}
	return false
}

// commit writes a check's new state with compare-and-swap. On a conflict
// it reads the slot again and decides again, up to MaxAttempts times. It
// returns false when the rule now denies the request or the store failed
// (c.failed, with c.err).
func (l *Limiter) commit(c *check, now time.Time, res *Result) bool {
	for attempt := 1; ; attempt++ {
		err := l.store.Set(c.key, c.result.next, c.cas)
		if err == nil {
			c.charged = true
			return true
		}
		if !errors.Is(err, ErrCASMismatch) {
			return l.fail(c, err, res)
		}
		if attempt == MaxAttempts {
			return l.fail(c, ErrContention, res)
		}

		if err = l.load(c); err != nil {
			return l.fail(c, err, res)
		}
		c.result = decideInto(&c.next, c.rule.Algorithm, c.limit, c.state, now.UnixNano())
		if !c.result.allowed {
			if c.rule.Shadow {
				res.ShadowExceeded = append(res.ShadowExceeded, c.rule.Name)
			}
			return false
		}
	}
}

// fail records a store failure; with FailAllow the rule lets the request
// through uncounted, which the caller sees as a successful commit.
func (l *Limiter) fail(c *check, err error, res *Result) bool {
	c.failed, c.err = true, err
	res.Failures = append(res.Failures, RuleError{Rule: c.rule.Name, Err: err})
	return c.rule.FailureMode == FailAllow || c.rule.Shadow
}

// refundAll gives back the requests already charged to earlier rules,
// best effort: a refund that keeps conflicting is dropped, which errs
// towards limiting.
func (l *Limiter) refundAll(checks []check, now time.Time) {
	for i := range checks {
		c := &checks[i]
		if !c.charged {
			continue
		}
		for attempt := 0; attempt < MaxAttempts; attempt++ {
			state, cas, err := l.get(c.key, nil)
			if err != nil {
				break
			}
			next := refund(c.rule.Algorithm, c.limit, state, now)
			if err := l.store.Set(c.key, next, cas); !errors.Is(err, ErrCASMismatch) {
				break
			}
		}
	}
}

// noteShadowAndFailures records the read phase's shadow rules over their
// limit and its store failures.
func (l *Limiter) noteShadowAndFailures(checks []check, res *Result) {
	for i := range checks {
		c := &checks[i]
		switch {
		case c.failed:
			res.Failures = append(res.Failures, RuleError{Rule: c.rule.Name, Err: c.err})
		case c.rule.Shadow && !c.result.allowed:
			res.ShadowExceeded = append(res.ShadowExceeded, c.rule.Name)
		}
	}
}

// mostRestrictiveDenial returns the enforced rule that denies the request
// with the longest wait, or nil when every enforced rule passes. A rule
// whose store failed denies when its failure mode is FailDeny.
func mostRestrictiveDenial(checks []check) *check {
	var worst *check
	for i := range checks {
		c := &checks[i]
		if c.rule.Shadow {
			continue
		}
		denies := (c.failed && c.rule.FailureMode == FailDeny) || (!c.failed && !c.result.allowed)
		if denies && (worst == nil || c.result.retryAfter > worst.result.retryAfter) {
			worst = c
		}
	}
	return worst
}
