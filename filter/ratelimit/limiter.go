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

// Limiter applies the rules of one configuration. It is safe for
// concurrent use when its Store is.
type Limiter struct {
	cfg   *Config
	store Store
	now   func() time.Time

	// into is store when it can read into a buffer, nil otherwise.
	into BufferStore

	needsIP bool

	// usesHeaderKeys is set when some rule's key has a header part.
	usesHeaderKeys bool

	// texts holds each rule's header values that no request changes, by
	// rule index.
	texts []ruleTexts

	// spare is the scratch memory that Check reuses from request to
	// request, so that an allowed request allocates nothing of its own in
	// the single-threaded wasm VM. spareTaken guards it. A Check that finds
	// it taken (concurrent native use) works in a scratch of its own.
	spareTaken spareLock
	spare      scratch
}

// scratch is the working memory of one Check.
type scratch struct {
	checks []check
	keyer  keyer

	// req is Check's copy of the request, which the keyer points to, so
	// that the caller's Request does not escape to the heap.
	req Request

	// keys remembers each rule's last slot key, by rule index, so that a
	// rule whose requests keep landing in one slot (a global rule, a steady
	// client) does not build its key again.
	keys []slotKeyMemo
}

type slotKeyMemo struct {
	slot uint64
	key  string
}

// acquire returns the limiter's spare scratch, or a new one when another
// Check holds it.
func (l *Limiter) acquire() *scratch {
	if !l.spareTaken.tryLock() {
		return &scratch{}
	}
	return &l.spare
}

// release drops the request's references from s and, when s is the spare
// scratch, returns it to the limiter. Check calls it on every return
// rather than in a defer, which costs a closure call per request in wasm.
// A Check that panics leaves the spare taken, so every later Check works
// in a new scratch, which is slower but never reuses a half-used one.
func (l *Limiter) release(s *scratch) {
	// Zero the checks in use one at a time through a pointer. Written as
	// clear or as s.checks[i] = check{} in a loop, the compiler calls the
	// runtime's memclr for memory with pointers instead.
	for i := range s.checks {
		c := &s.checks[i]
		*c = check{}
	}
	s.checks = s.checks[:0]
	s.keyer.reset(nil, nil)
	s.req = Request{}
	if s == &l.spare {
		l.spareTaken.unlock()
	}
}

// New returns a limiter for cfg, keeping its state in store and reading
// the time from now.
func New(cfg *Config, store Store, now func() time.Time) *Limiter {
	// Slot keys are built when they are used rather than kept, so that a VM
	// does not hold max_keys strings per rule for its whole life.
	l := &Limiter{cfg: cfg, store: store, now: now, texts: make([]ruleTexts, len(cfg.Rules))}
	l.into, _ = store.(BufferStore)
	for i := range cfg.Rules {
		l.needsIP = l.needsIP || cfg.Rules[i].hasPart(KeyClientIP, KeyCaller)
		l.usesHeaderKeys = l.usesHeaderKeys || cfg.Rules[i].hasPart(KeyHeader)
		l.texts[i] = newRuleTexts(&cfg.Rules[i])
	}
	return l
}

// Active reports whether the configuration has any rule.
func (l *Limiter) Active() bool { return len(l.cfg.Rules) > 0 }

// NeedsClientIP reports whether some rule can need Request.SourceAddress.
func (l *Limiter) NeedsClientIP() bool { return l.needsIP }

// UsesHeaderKeys reports whether some rule's key has a header part, so
// that Check reads Request.Headers.
func (l *Limiter) UsesHeaderKeys() bool { return l.usesHeaderKeys }

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
			key := slotKey(r.Name, r.Algorithm, uint64(slot))
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
	index   int    // the rule's index in Config.Rules
	tier    string // the caller's tier, which picked limit
	limit   Limit
	key     string
	state   []byte
	cas     uint32
	result  outcome
	charged bool

	// next holds the encoded state that result.next points to, and stored
	// the slot's value that state points to when the store reads into a
	// buffer.
	next   [stateSize]byte
	stored [stateSize]byte

	// failed is set when the store failed for the rule, and err holds the
	// error.
	failed bool
	err    error
}
