package ratelimit

import (
	"net/netip"
	"time"
)

// Algorithm selects how a rule counts requests.
type Algorithm uint8

const (
	// TokenBucket holds up to Limit.Quota tokens and adds
	// Limit.RefillMilli thousandths of a token per second; each request
	// takes one token.
	TokenBucket Algorithm = iota + 1

	// SlidingWindow admits Limit.Quota requests per Limit.Window, estimated
	// from the counts of the current and the previous fixed window, the
	// previous one weighted by how much of it the sliding window still
	// covers.
	SlidingWindow
)

// String returns the configuration name of the algorithm.
func (a Algorithm) String() string {
	switch a {
	case TokenBucket:
		return "token_bucket"
	case SlidingWindow:
		return "sliding_window"
	}
	return "unknown"
}

// Limit is the quota of one rule for one tier.
type Limit struct {
	// Quota is the bucket capacity (TokenBucket) or the number of requests
	// per window (SlidingWindow).
	Quota int64

	// RefillMilli is the token bucket's refill rate in thousandths of a
	// token per second, so that every configured rate is an exact integer.
	RefillMilli int64

	// Window is the sliding window's length, a whole number of seconds.
	Window time.Duration
}

// KeyKind is one part of a rule's key.
type KeyKind uint8

const (
	// KeyGlobal counts every request of the rule together. It adds nothing
	// to the key.
	KeyGlobal KeyKind = iota + 1

	// KeyIdentity is the authenticated caller (the API key id). Requests
	// without one skip the rule.
	KeyIdentity

	// KeyCaller is the caller identity when the request has one, and the
	// client IP otherwise.
	KeyCaller

	// KeyClientIP is the client address, grouped by ClientIP's prefixes.
	KeyClientIP

	// KeyRoute is the name of the matched route.
	KeyRoute

	// KeyHeader is the value of the header KeyPart.Name, every line of it
	// joined with ",". Requests without the header skip the rule.
	KeyHeader

	// KeyQuery is the percent-decoded value of the first query parameter
	// KeyPart.Name. Requests without it skip the rule.
	KeyQuery
)

// KeyPart is one element of a rule's key.
type KeyPart struct {
	Kind KeyKind

	// Name is the lower-case header name (KeyHeader) or the query parameter
	// name (KeyQuery).
	Name string
}

// FailureMode decides a rule's outcome when its state cannot be read or
// written: a store error, or CAS conflicts after MaxAttempts tries.
type FailureMode uint8

const (
	// FailAllow lets the request through without counting it for the rule.
	FailAllow FailureMode = iota

	// FailDeny rejects the request with 429.
	FailDeny
)

// Rule is one compiled rate limit rule.
type Rule struct {
	// Name identifies the rule in replies, headers, logs and shared-data
	// keys: 1 to 64 letters, digits, '-' or '_'.
	Name string

	Algorithm Algorithm

	// Default applies to callers whose tier is not in Tiers.
	Default Limit

	// Tiers maps a caller tier to its own limit.
	Tiers map[string]Limit

	// Key lists the parts whose values, together, select the counter.
	Key []KeyPart

	// Routes lists the route names the rule applies to; nil means every
	// request.
	Routes []string

	// Shadow counts and reports requests over the limit but never rejects
	// them.
	Shadow bool

	FailureMode FailureMode

	// MaxKeys is the number of slots that the rule's keys are hashed into.
	MaxKeys int
}

// hasPart reports whether the rule's key has a part of one of kinds.
func (r *Rule) hasPart(kinds ...KeyKind) bool {
	for _, part := range r.Key {
		for _, kind := range kinds {
			if part.Kind == kind {
				return true
			}
		}
	}
	return false
}

// limitFor returns the limit of the caller's tier.
func (r *Rule) limitFor(tier string) Limit {
	if tier == "" || len(r.Tiers) == 0 {
		return r.Default // without a map lookup, the common case
	}
	if limit, ok := r.Tiers[tier]; ok {
		return limit
	}
	return r.Default
}

// ClientIP configures how the client address is found. The zero value uses the
// connection's peer address only, and does not group addresses.
type ClientIP struct {
	// TrustedHops is the number of proxies in front of this one that
	// append to X-Forwarded-For: the client is the TrustedHops-th address
	// from the right. 0 ignores the header unless TrustedProxies is set.
	TrustedHops int

	// TrustedProxies lists the proxy networks whose X-Forwarded-For entries
	// are believed. The header is read only when the peer is in one of
	// them; the client is then the rightmost address outside them.
	TrustedProxies []netip.Prefix

	// IPv4Prefix and IPv6Prefix group addresses by network: clients in one
	// network share a key. 0 means the whole address.
	IPv4Prefix, IPv6Prefix int
}

// Headers selects the rate limit headers of responses.
type Headers struct {
	// RateLimit sends RateLimit-Policy and RateLimit as
	// draft-ietf-httpapi-ratelimit-headers defines them.
	RateLimit bool

	// XRateLimit sends X-RateLimit-Limit, X-RateLimit-Remaining and
	// X-RateLimit-Reset.
	XRateLimit bool

	// OnAllowed sends the selected headers on allowed responses too, not
	// only on 429.
	OnAllowed bool
}

// Config is the compiled rate_limits section. Its zero value has no rules
// and limits nothing.
type Config struct {
	ClientIP ClientIP
	Headers  Headers
	Rules    []Rule
}
