package clusterlimit

import (
	"time"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Mode selects when a rule calls the rate limit service.
type Mode uint8

const (
	// Sync pauses each request for one callout to the service, and decides
	// from its verdict.
	Sync Mode = iota + 1

	// Async decides each request at once from shared data, sums the hits
	// there, and reports them to the service every Config.SyncInterval.
	Async
)

// String returns the configuration name of the mode.
func (m Mode) String() string {
	switch m {
	case Sync:
		return "sync"
	case Async:
		return "async"
	}
	return "unknown"
}

// Source is the origin of a descriptor entry's value.
type Source uint8

const (
	// FromClientIP is the client address, grouped by the rate_limits
	// client_ip prefixes, in text form ("203.0.113.7", "2001:db8::/64").
	FromClientIP Source = iota + 1

	// FromIdentity is the authenticated caller id (API key id or JWT
	// subject). Requests without one skip the rule.
	FromIdentity

	// FromCaller is the caller id when there is one, the client address
	// otherwise.
	FromCaller

	// FromRoute is the matched route's name ("default" for the default
	// route).
	FromRoute

	// FromTier is the caller's tier. Requests without one skip the rule.
	FromTier

	// FromMethod is the request method.
	FromMethod

	// FromHeader is the value of the request header Entry.Name as it goes
	// upstream, every line joined with ",". Requests without it skip the
	// rule.
	FromHeader

	// FromQuery is the percent-decoded value of the first query parameter
	// Entry.Name. Requests without it skip the rule.
	FromQuery

	// FromValue is the constant Entry.Value.
	FromValue
)

// Entry is one key/value pair of a rule's descriptor.
type Entry struct {
	// Key is the descriptor key that the service's limits file matches.
	Key string

	Source Source

	// Name is the header name (lower case) or the query parameter name.
	Name string

	// Value is the constant of FromValue.
	Value string
}

// Rule is one compiled cluster-wide rule: one descriptor that the service
// counts.
type Rule struct {
	// Name identifies the rule in replies, headers, logs and shared-data
	// keys: 1 to 64 letters, digits, '-' or '_'.
	Name string

	Mode Mode

	// Entries are the descriptor's entries, in order.
	Entries []Entry

	// Routes lists the route names the rule applies to; nil means every
	// request.
	Routes []string

	// FailureMode decides requests that the service cannot decide: after a
	// failed callout in Sync mode, or while the circuit breaker is open.
	FailureMode ratelimit.FailureMode

	// MaxKeys is the number of shared-data slots that the rule's
	// descriptors are hashed into.
	MaxKeys int
}

// Service is the location of the rate limit service's HTTP API.
type Service struct {
	// Cluster is the Envoy cluster of the service.
	Cluster string

	// Authority is the :authority of the callouts.
	Authority string

	// Path is the :path of the JSON endpoint, "/json" by default.
	Path string

	// Timeout bounds each callout.
	Timeout time.Duration
}

// Breaker configures the circuit breaker that stops callouts to a failing
// service.
type Breaker struct {
	// Failures is the number of failed callouts in a row that opens it.
	Failures int

	// CoolDown is how long it stays open before one probe callout.
	CoolDown time.Duration
}

// Config is the compiled cluster_rate_limits section. The zero value has no
// rules and makes no callouts.
type Config struct {
	Service Service

	// Domain is the service's domain of every descriptor.
	Domain string

	// SyncInterval is how often the hits of Async rules are reported.
	SyncInterval time.Duration

	Breaker Breaker

	Rules []Rule

	// ClientIP and Headers come from the rate_limits section, so that
	// local and cluster-wide rules find the same client and reply alike.
	ClientIP ratelimit.ClientIP
	Headers  ratelimit.Headers
}

// Defaults of the section.
const (
	DefaultPath            = "/json"
	DefaultTimeout         = 50 * time.Millisecond
	DefaultSyncInterval    = 200 * time.Millisecond
	DefaultBreakerFailures = 5
	DefaultBreakerCoolDown = 10 * time.Second
	DefaultMaxKeys         = 10_000
)

// hasMode reports whether a rule of the mode exists.
func (cfg *Config) hasMode(m Mode) bool {
	for i := range cfg.Rules {
		if cfg.Rules[i].Mode == m {
			return true
		}
	}
	return false
}
