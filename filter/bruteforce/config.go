package bruteforce

import (
	"net/netip"
	"time"
)

// Thresholds, as events and logs name them.
const (
	ThresholdFailuresPerIP       = "max_failures_per_ip"
	ThresholdIdentitiesPerIP     = "max_identities_per_ip"
	ThresholdFailuresPerIdentity = "max_failures_per_identity"
)

// Config is the compiled brute_force section.
type Config struct {
	// Window is the length of the sliding window that failures are
	// counted in, a whole number of seconds.
	Window time.Duration

	// MaxFailuresPerIP bans a client address at its MaxFailuresPerIP-th
	// failure within Window.
	MaxFailuresPerIP int

	// MaxIdentitiesPerIP bans a client address once about this many
	// distinct identities failed from it, counted over the current and the
	// previous window (see distinct.go); 0 turns the check off.
	MaxIdentitiesPerIP int

	// MaxFailuresPerIdentity is the count of failures of one identity, from
	// any address within Window, at which each further failure of that
	// identity bans the address it came from. 0 turns the check off.
	MaxFailuresPerIdentity int

	// BanDuration is how long a ban lasts.
	BanDuration time.Duration

	// Status is the status of the reply to a banned client: 403 or 429.
	Status int

	// CountUpstream lists the upstream response statuses that count as an
	// authentication failure, such as 401.
	CountUpstream []int

	// MaxKeys is the number of entries of each table (client addresses,
	// identities); the tables hold Ways entries per slot.
	MaxKeys int

	// Exempt lists the client networks that are never counted nor banned.
	Exempt []netip.Prefix
}

// CountsUpstream reports whether an upstream response with status counts
// as a failure.
func (c *Config) CountsUpstream(status int) bool {
	for _, s := range c.CountUpstream {
		if s == status {
			return true
		}
	}
	return false
}

// exempt reports whether addr is in an exempt network.
func (c *Config) exempt(addr netip.Addr) bool {
	for _, prefix := range c.Exempt {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}
