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

// deny builds the 429 reply for the check c.
func (l *Limiter) deny(c *check, req *Request, res Result) Result {
	res.Allow = false
	res.Rule = c.rule.Name
	res.Status = StatusTooManyRequests
	res.Code = CodeRateLimited
	res.Body = replyBody(c.rule.Name, req.RequestID)

	headers := make([][2]string, 0, maxReplyHeaders)
	headers = append(headers,
		[2]string{headerContentType, contentTypeJSON},
		[2]string{HeaderRetryAfter, strconv.FormatInt(retryAfterSeconds(c.result.retryAfter), 10)})
	res.ReplyHeaders = l.appendRateHeaders(headers, c)
	return res
}

// allow reports the enforced rule with the least quota left.
func (l *Limiter) allow(checks []check, res Result) Result {
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
		return res
	}

	res.Rule = tightest.rule.Name
	if l.cfg.Headers.OnAllowed {
		res.ResponseHeaders = l.appendRateHeaders(make([][2]string, 0, maxReplyHeaders), tightest)
	}
	return res
}

// appendRateHeaders appends the configured rate limit headers for c. It
// formats nothing when no rate limit header is configured, and cuts every
// value from one string, so that the headers cost two allocations.
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

	var names [5]string
	var ends [5]int
	var buf [256]byte // two items with a 64-byte name and 20-digit numbers
	b, n := buf[:0], 0
	next := func(name string) {
		names[n], ends[n] = name, len(b)
		n++
	}

	quota, remaining, reset := c.limit.Quota, c.result.remaining, ceilSeconds(c.result.reset)
	if cfg.RateLimit {
		// Names are letters, digits, '-' and '_': a quoted string as is.
		b = appendItem(b, c.rule.Name, ";q=", quota, ";w=", windowSeconds(c.rule.Algorithm, c.limit))
		next(HeaderRateLimitPolicy)
		b = appendItem(b, c.rule.Name, ";r=", remaining, ";t=", reset)
		next(HeaderRateLimit)
	}
	if cfg.XRateLimit {
		b = strconv.AppendInt(b, quota, 10)
		next(HeaderXRateLimitLimit)
		b = strconv.AppendInt(b, remaining, 10)
		next(HeaderXRateLimitRemaining)
		b = strconv.AppendInt(b, reset, 10)
		next(HeaderXRateLimitReset)
	}

	values, start := string(b), 0
	for i := range n {
		headers = append(headers, [2]string{names[i], values[start:ends[i]]})
		start = ends[i]
	}
	return headers
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
