package bruteforce

import (
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Shared-data key prefixes of the two tables: the slot index in hex
// follows.
const (
	AddressKeyPrefix  = "bulwark/bf/ip/"
	IdentityKeyPrefix = "bulwark/bf/id/"
)

// Guard applies one brute_force configuration. It is safe for concurrent
// use when its Store is.
type Guard struct {
	cfg      *Config
	clientIP *ratelimit.ClientIP
	store    ratelimit.Store
	now      func() time.Time

	slots        uint64
	identityBits int
}

// New returns a guard for cfg that finds client addresses with clientIP,
// keeps its tables in store and reads the time from now.
func New(cfg *Config, clientIP *ratelimit.ClientIP, store ratelimit.Store, now func() time.Time) *Guard {
	g := &Guard{
		cfg:      cfg,
		clientIP: clientIP,
		store:    store,
		now:      now,
		slots:    uint64((cfg.MaxKeys + Ways - 1) / Ways),
	}
	if cfg.MaxIdentitiesPerIP > 0 {
		g.identityBits = bitsFor(cfg.MaxIdentitiesPerIP)
	}
	return g
}

// Config returns the guard's configuration.
func (g *Guard) Config() *Config { return g.cfg }

// Prepare creates every slot that does not exist yet, for the reason that
// ratelimit.Limiter.Prepare gives: a slot created during traffic could
// overwrite another worker's count. It returns the first store error,
// after trying every slot.
func (g *Guard) Prepare() error {
	var first error
	for _, prefix := range []string{AddressKeyPrefix, IdentityKeyPrefix} {
		if prefix == IdentityKeyPrefix && g.cfg.MaxFailuresPerIdentity == 0 {
			continue
		}
		for i := range g.slots {
			key := slotKey(prefix, i)
			_, _, err := g.store.Get(key)
			if errors.Is(err, ratelimit.ErrNotFound) {
				err = g.store.Set(key, emptySlot, 0)
			}
			if err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// MaxBytes returns the most shared data, keys and values, that the tables
// can hold.
func (g *Guard) MaxBytes() int {
	tables := 1
	if g.cfg.MaxFailuresPerIdentity > 0 {
		tables = 2
	}
	return tables * int(g.slots) * (len(slotKey(AddressKeyPrefix, g.slots-1)) + slotSize)
}

func slotKey(prefix string, slot uint64) string {
	buf := make([]byte, 0, len(prefix)+16)
	buf = append(buf, prefix...)
	return string(strconv.AppendUint(buf, slot, 16))
}

// Client is the client address of one request, as the tables key it.
type Client struct {
	// Found is false when the request has no usable client address, which
	// then is neither counted nor banned.
	Found bool

	// Exempt is set for an address in an exempt network.
	Exempt bool

	// Network is the client address grouped by network, as it is banned,
	// such as 192.0.2.7/32 or 2001:db8:1:2::/64.
	Network netip.Prefix

	tag  uint64
	slot uint64
}

// Client finds the client address of a request whose connection peer is
// source and whose headers are given in order, grouped by network as rate
// limits group it.
func (g *Guard) Client(source string, headers [][2]string) Client {
	addr, ok := g.clientIP.ClientAddr(source, headers)
	if !ok {
		return Client{}
	}
	if g.cfg.exempt(addr) {
		return Client{Found: true, Exempt: true}
	}

	var buf [17]byte
	network := g.clientIP.Group(addr)
	tag := nonZero(ratelimit.Hash(ratelimit.AppendClientKey(buf[:0], network)))
	return Client{Found: true, Network: network, tag: tag, slot: tag % g.slots}
}

func nonZero(hash uint64) uint64 {
	if hash == 0 {
		return 1
	}
	return hash
}

// tracked reports whether c is counted and can be banned.
func (c *Client) tracked() bool { return c.Found && !c.Exempt }
