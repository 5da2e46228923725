package jwt

import "time"

// cache holds verified tokens, keyed by the whole token, up to a number of
// entries and of bytes. It evicts in insertion order, which bounds memory
// under a flood of distinct valid tokens, and it never returns a token at
// or past its exp, without the clock skew that verification allows.
type cache struct {
	maxEntries, maxBytes int
	bytes                int
	entries              map[string]*Result
	order                []string // insertion order, a ring of maxEntries
	next                 int      // the slot of order to fill next

	// hits and misses count the lookups of an enabled cache.
	hits, misses uint64
}

func newCache(maxEntries, maxBytes int) *cache {
	if maxEntries <= 0 || maxBytes <= 0 {
		return &cache{}
	}
	return &cache{
		maxEntries: maxEntries,
		maxBytes:   maxBytes,
		entries:    make(map[string]*Result, min(maxEntries, 1024)),
		order:      make([]string, 0, min(maxEntries, 1024)),
	}
}

// get returns the result of token when it is cached and not expired at now.
func (c *cache) get(token string, now time.Time) *Result {
	if c.maxEntries == 0 {
		return nil
	}
	r := c.entries[token]
	if r == nil || (!r.Expiry.IsZero() && !now.Before(r.Expiry)) {
		c.misses++
		return nil
	}
	c.hits++
	return r
}

func (c *cache) put(token string, r *Result) {
	size := r.size
	if c.maxEntries == 0 || size > c.maxBytes {
		return
	}
	if _, ok := c.entries[token]; ok {
		return
	}

	for len(c.entries) >= c.maxEntries || c.bytes+size > c.maxBytes {
		if !c.evictOldest() {
			break
		}
	}

	// Every live entry sits in exactly one slot, so the slot about to be
	// reused is emptied first.
	if len(c.order) < c.maxEntries {
		c.order = append(c.order, token)
	} else {
		c.evictSlot(c.next)
		c.order[c.next] = token
	}
	c.next = (c.next + 1) % c.maxEntries
	c.entries[token] = r
	c.bytes += size
}

// evictOldest removes the oldest entry: the first live slot from the one
// the next put fills, or from slot 0 while the ring is still growing.
func (c *cache) evictOldest() bool {
	start := c.next
	if len(c.order) < c.maxEntries {
		start = 0
	}
	for i := 0; i < len(c.order); i++ {
		if c.evictSlot((start + i) % len(c.order)) {
			return true
		}
	}
	return false
}

func (c *cache) evictSlot(slot int) bool {
	token := c.order[slot]
	r, ok := c.entries[token]
	if !ok {
		return false
	}
	c.bytes -= r.size
	delete(c.entries, token)
	c.order[slot] = ""
	return true
}

// len returns the number of cached tokens.
func (c *cache) len() int {
	return len(c.entries)
}

// removeProvider drops every cached token of p, such as when p's keys
// change.
func (c *cache) removeProvider(p *Provider) {
	for slot, token := range c.order {
		if r, ok := c.entries[token]; ok && r.Provider == p {
			c.evictSlot(slot)
		}
	}
}
