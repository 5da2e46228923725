package inject

import "strings"

// HeaderCache remembers header values in which a policy found nothing, so
// that values that repeat from request to request, such as a browser's
// User-Agent, Accept-Language or Referer, are scanned once. The findings
// of a header depend only on the policy, the header name and the value,
// so skipping a remembered one gives the same findings as scanning it.
//
// The cache is direct-mapped: each name and value hash to one slot, and a
// new clean value replaces the slot's old one. A hit compares the whole
// name and value, never the hash alone. A HeaderCache is not safe for
// concurrent use; the plugin keeps one per VM, which runs one request at a
// time.
type HeaderCache struct {
	slots []cachedHeader
}

type cachedHeader struct {
	policy      *Policy
	name, value string
}

// maxCachedValueBytes bounds the values a HeaderCache keeps, and so its
// memory: longer values are scanned every time.
const maxCachedValueBytes = 512

// NewHeaderCache returns a cache of the given number of slots, rounded up
// to a power of two.
func NewHeaderCache(slots int) *HeaderCache {
	n := 1
	for n < slots {
		n <<= 1
	}
	return &HeaderCache{slots: make([]cachedHeader, n)}
}

// slot returns the slot of a name and value: FNV-1a of both.
func (c *HeaderCache) slot(name, value string) *cachedHeader {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * prime
	}
	h = (h ^ 0xff) * prime // separates name and value
	for i := 0; i < len(value); i++ {
		h = (h ^ uint32(value[i])) * prime
	}
	return &c.slots[h&uint32(len(c.slots)-1)]
}

// clean reports whether the policy found nothing in the value before.
func (c *HeaderCache) clean(p *Policy, name, value string) bool {
	e := c.slot(name, value)
	return e.policy == p && e.name == name && e.value == value
}

// remember records that the policy found nothing in the value. It keeps
// copies, because the proxy-wasm SDK's header strings share the memory of
// the whole header map, which the cache must not keep alive.
func (c *HeaderCache) remember(p *Policy, name, value string) {
	if len(value) > maxCachedValueBytes {
		return
	}
	*c.slot(name, value) = cachedHeader{policy: p, name: strings.Clone(name), value: strings.Clone(value)}
}

// ScanHeadersCached is ScanHeaders with a cache of clean values: a header
// value that the cache holds for this policy is not scanned again, and
// each value scanned without a finding is added to it. A nil cache scans
// every value.
func (p *Policy) ScanHeadersCached(headers [][2]string, cache *HeaderCache) []Finding {
	if p.Disabled {
		return nil
	}
	s := newScan(p)
	s.headers(headers, cache)
	return s.release()
}

func (s *scan) headers(headers [][2]string, cache *HeaderCache) {
	p := s.policy
	for _, h := range headers {
		if !p.scansHeader(h[0]) {
			continue
		}
		if cache != nil && cache.clean(p, h[0], h[1]) {
			continue
		}

		before := len(s.findings)
		s.checkHeader(h[0], h[1])
		if cache != nil && len(s.findings) == before {
			cache.remember(p, h[0], h[1])
		}
		if s.full() {
			break
		}
	}
}
