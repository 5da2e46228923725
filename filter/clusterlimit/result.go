package clusterlimit

import (
	"strconv"
	"time"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Result is the cluster-wide decision on one request.
type Result struct {
	// Allow lets the request through.
	Allow bool

	// Rule names the rule that denied the request; "" when allowed.
	Rule string

	// Status, Code, Body and ReplyHeaders make the 429 local reply when
	// !Allow, in the shape of the local rules' reply.
	Status       int
	Code         string
	Body         []byte
	ReplyHeaders [][2]string

	// ResponseHeaders are the rate limit headers for the upstream's
	// response of an allowed request, when the headers go on allowed
	// responses.
	ResponseHeaders [][2]string

	// FailureMode names the rules that the service could not judge, whose
	// failure_mode decided.
	FailureMode []string

	// Err is the service's or the shared data's failure, for the log.
	Err error

	// CalloutFailed reports that the callout returned no verdict: a
	// timeout, a failed connection, an HTTP error or an unreadable body.
	CalloutFailed bool

	// Transition is the circuit breaker change that this request made; the
	// plugin logs and counts it.
	Transition Transition
}

// rateHeaders appends the configured rate limit headers of a service
// limit: quota requests per unit seconds, remaining left, reset until the
// unit ends.
func (l *Limiter) rateHeaders(headers [][2]string, rule string, quota, unit, remaining int64, reset time.Duration) [][2]string {
	cfg := l.cfg.Headers
	resetSeconds := strconv.FormatInt(ratelimit.CeilSeconds(reset), 10)
	if cfg.RateLimit {
		// Rule names are letters, digits, '-' and '_': a quoted string as is.
		headers = append(headers,
			[2]string{ratelimit.HeaderRateLimitPolicy, `"` + rule + `";q=` + strconv.FormatInt(quota, 10) + ";w=" + strconv.FormatInt(unit, 10)},
			[2]string{ratelimit.HeaderRateLimit, `"` + rule + `";r=` + strconv.FormatInt(remaining, 10) + ";t=" + resetSeconds})
	}
	if cfg.XRateLimit {
		headers = append(headers,
			[2]string{ratelimit.HeaderXRateLimitLimit, strconv.FormatInt(quota, 10)},
			[2]string{ratelimit.HeaderXRateLimitRemaining, strconv.FormatInt(remaining, 10)},
			[2]string{ratelimit.HeaderXRateLimitReset, resetSeconds})
	}
	return headers
}
