package ratelimit

import (
	"strconv"
	"time"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// The 429 reply. Its body has the shape of every Bulwark reply, plus the
// rule's name: {"code":…,"message":…,"rule":…,"request_id":…}.
const (
	StatusTooManyRequests = 429
	CodeRateLimited       = "rate_limited"
	MessageRateLimited    = "Too many requests. Retry after the number of seconds in the Retry-After header."
)

// Header names, lower-case as proxies send them.
const (
	HeaderRetryAfter          = "retry-after"
	HeaderRateLimitPolicy     = "ratelimit-policy"
	HeaderRateLimit           = "ratelimit"
	HeaderXRateLimitLimit     = "x-ratelimit-limit"
	HeaderXRateLimitRemaining = "x-ratelimit-remaining"
	HeaderXRateLimitReset     = "x-ratelimit-reset"
)

const (
	headerContentType = "content-type"
	contentTypeJSON   = "application/json"

	// maxReplyHeaders is the most headers a result carries: content-type,
	// retry-after and five rate limit headers.
	maxReplyHeaders = 7
)

// deny makes res the 429 reply for the check c.
func (l *Limiter) deny(c *check, req *Request, res *Result) {
	res.Allow = false
	res.Rule = c.rule.Name
	res.Status = StatusTooManyRequests
	res.Code = CodeRateLimited
	res.Body = replyBody(c.rule.Name, req.RequestID)

	headers := make([][2]string, 0, maxReplyHeaders)
	headers = append(headers,
		[2]string{headerContentType, contentTypeJSON},
		[2]string{HeaderRetryAfter, strconv.FormatInt(retryAfterSeconds(c.result.retryAfter), 10)})
	if c.failed {
		// failure_mode deny: the rule's count is unknown, so no quota
		// header can describe it.
		res.ReplyHeaders = headers
		return
	}
	res.ReplyHeaders = l.appendRateHeaders(headers, c)
}

// allow lets the request through and reports the enforced rule with the
// least quota left.
func (l *Limiter) allow(checks []check, res *Result) {
	res.Allow = true

	var tightest *check
	for i := range checks {
		c := &checks[i]
		if c.rule.Shadow || !c.charged {
			continue
		}
		if tightest == nil || c.result.remaining < tightest.result.remaining ||
			(c.result.remaining == tightest.result.remaining && c.result.reset > tightest.result.reset) {
			tightest = c
		}
	}
	if tightest == nil {
		return
	}

	res.Rule = tightest.rule.Name
	if l.cfg.Headers.OnAllowed && (l.cfg.Headers.RateLimit || l.cfg.Headers.XRateLimit) {
		res.ResponseHeaders = l.appendRateHeaders(make([][2]string, 0, maxReplyHeaders-2), tightest)
	}
}

// appendRateHeaders appends the configured rate limit headers for c. It
// formats nothing when no rate limit header is configured. The values that
// depend only on the rule and its limit were formatted in New (limitText).
// The others are cut from one string, so the headers cost two allocations,
// the string and the caller's slice.
//
// RateLimit-Policy and RateLimit follow draft-ietf-httpapi-ratelimit-headers
// (versions 08 to 10): a policy item names the rule, with q the quota and w
// the window in seconds; a limit item names it too, with r the quota left
// and t the seconds until the whole quota is available again. A token
// bucket's window is the time to refill it from empty.
func (l *Limiter) appendRateHeaders(headers [][2]string, c *check) [][2]string {
	cfg := l.cfg.Headers
	if !cfg.RateLimit && !cfg.XRateLimit {
		return headers
	}

	// The RateLimit value, "name";r=R;t=T, holds the X-RateLimit-Remaining
	// and X-RateLimit-Reset values; without it, b holds them alone.
	var buf [128]byte // a 64-byte name and two 20-digit numbers
	b := buf[:0]
	if cfg.RateLimit {
		// Names are letters, digits, '-' and '_': a quoted string as is.
		b = append(append(append(b, '"'), c.rule.Name...), `";r=`...)
	}
	remainingStart := len(b)
	b = strconv.AppendInt(b, c.result.remaining, 10)
	remainingEnd := len(b)
	if cfg.RateLimit {
		b = append(b, ";t="...)
	}
	resetStart := len(b)
	b = strconv.AppendInt(b, ceilSeconds(c.result.reset), 10)
	values := string(b)

	text := l.texts[c.index].forTier(c.tier)
	if cfg.RateLimit {
		headers = append(headers,
			[2]string{HeaderRateLimitPolicy, text.policy},
			[2]string{HeaderRateLimit, values})
	}
	if cfg.XRateLimit {
		headers = append(headers,
			[2]string{HeaderXRateLimitLimit, text.quota},
			[2]string{HeaderXRateLimitRemaining, values[remainingStart:remainingEnd]},
			[2]string{HeaderXRateLimitReset, values[resetStart:]})
	}
	return headers
}

// limitText holds the header values of one rule and limit, which no request
// changes: the RateLimit-Policy item and the X-RateLimit-Limit number.
type limitText struct {
	policy, quota string
}

// ruleTexts holds a rule's limitText for its default limit and each tier.
type ruleTexts struct {
	byDefault limitText
	tiers     map[string]limitText
}

// newRuleTexts formats the header values of every limit of r.
func newRuleTexts(r *Rule) ruleTexts {
	t := ruleTexts{byDefault: newLimitText(r, r.Default)}
	if len(r.Tiers) > 0 {
		t.tiers = make(map[string]limitText, len(r.Tiers))
		for tier, limit := range r.Tiers {
			t.tiers[tier] = newLimitText(r, limit)
		}
	}
	return t
}

func newLimitText(r *Rule, limit Limit) limitText {
	policy := appendItem(nil, r.Name, ";q=", limit.Quota, ";w=", windowSeconds(r.Algorithm, limit))
	return limitText{policy: string(policy), quota: strconv.FormatInt(limit.Quota, 10)}
}

// forTier returns the texts of the limit that Rule.limitFor picks for tier.
func (t *ruleTexts) forTier(tier string) limitText {
	if text, ok := t.tiers[tier]; ok && tier != "" {
		return text
	}
	return t.byDefault
}

// appendItem appends a structured field item: the quoted name and two
// integer parameters.
func appendItem(b []byte, name, param1 string, v1 int64, param2 string, v2 int64) []byte {
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, '"')
	b = append(b, param1...)
	b = strconv.AppendInt(b, v1, 10)
	b = append(b, param2...)
	return strconv.AppendInt(b, v2, 10)
}

// windowSeconds is the policy window: the sliding window's length, or the
// time a token bucket takes to refill from empty, rounded up.
func windowSeconds(alg Algorithm, limit Limit) int64 {
	if alg == SlidingWindow {
		return int64(limit.Window / time.Second)
	}
	full := ceilDiv(uint64(limit.Quota)*tokenUnit, uint64(limit.RefillMilli))
	return ceilSeconds(time.Duration(full))
}

// retryAfterSeconds rounds up to whole seconds and is never 0, because
// Retry-After: 0 invites an immediate retry that would be denied again.
func retryAfterSeconds(d time.Duration) int64 {
	return max(ceilSeconds(d), 1)
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(ceilDiv(uint64(d), uint64(time.Second)))
}

// replyBody returns the JSON body of the 429 reply.
func replyBody(rule, requestID string) []byte {
	body := make([]byte, 0, 160+len(rule)+len(requestID))
	body = append(body, `{"code":`...)
	body = jsontext.AppendString(body, CodeRateLimited)
	body = append(body, `,"message":`...)
	body = jsontext.AppendString(body, MessageRateLimited)
	body = append(body, `,"rule":`...)
	body = jsontext.AppendString(body, rule)
	if requestID != "" {
		body = append(body, `,"request_id":`...)
		body = jsontext.AppendString(body, requestID)
	}
	return append(body, '}')
}
