package ratelimit

import (
	"errors"
	"time"
)

// MaxAttempts bounds the compare-and-swap tries of one rule on one request.
// Each conflict means another worker wrote the slot in between, so with W
// workers a request rarely needs more than W tries.
const MaxAttempts = 8

// Request holds what the rules read from one request.
type Request struct {
	// Route is the matched route's name, "" for the default route.
	Route string

	// Identity is the authenticated caller (the API key id), "" if none.
	Identity string

	// Tier is the caller's tier, "" if none.
	Tier string

	// SourceAddress is the connection's peer (Envoy's source.address).
	// The caller may leave it empty when NeedsClientIP is false.
	SourceAddress string

	// Headers are the request headers with lower-case names, in order.
	Headers [][2]string

	// Path is the :path pseudo-header, with its query.
	Path string

	// RequestID is the x-request-id, for the reply body.
	RequestID string
}

// Limiter applies the rules of one configuration. It is immutable and safe
// for concurrent use when its Store is.
type Limiter struct {
	cfg   *Config
	store Store
	now   func() time.Time

	needsIP   bool
	maxKeyLen int
}

// New returns a limiter for cfg, keeping its state in store and reading
// the time from now.
func New(cfg *Config, store Store, now func() time.Time) *Limiter {
	// Slot keys are built when they are used rather than kept, so that a VM
	// does not hold max_keys strings per rule for its whole life.
	l := &Limiter{cfg: cfg, store: store, now: now}
	for i := range cfg.Rules {
		l.needsIP = l.needsIP || cfg.Rules[i].usesClientIP()
	}
	return l
}

// Active reports whether the configuration has any rule.
func (l *Limiter) Active() bool { return len(l.cfg.Rules) > 0 }

// NeedsClientIP reports whether some rule can need Request.SourceAddress.
func (l *Limiter) NeedsClientIP() bool { return l.needsIP }

// Prepare creates every slot that does not exist yet, so that a slot is
// never created while requests are counted in it: Envoy's shared data has
// no create-if-absent, and a blind create could overwrite another worker's
// count. Call it when the plugin starts, before it serves requests. It
// returns the first store error, after trying every slot.
func (l *Limiter) Prepare() error {
	var first error
	for i := range l.cfg.Rules {
		r := &l.cfg.Rules[i]
		for slot := range r.MaxKeys {
			key := slotKey(r.Name, uint64(slot))
			_, _, err := l.store.Get(key)
			if errors.Is(err, ErrNotFound) {
				err = l.store.Set(key, unusedSlot, 0)
			}
			if err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// check is one matching rule's progress through a request.
type check struct {
	rule    *Rule
	limit   Limit
	key     string
	state   []byte
	cas     uint32
	result  outcome
	charged bool

	// failed is set when the store failed for the rule; err says how.
	failed bool
	err    error
}
