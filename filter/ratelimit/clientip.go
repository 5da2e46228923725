package ratelimit

import (
	"net/netip"
	"strings"
)

// maxForwardedEntries bounds the X-Forwarded-For entries read per request,
// so that a huge header costs bounded work.
const maxForwardedEntries = 64

// ClientAddr returns the client address of a request whose connection
// peer is source ("ip:port", "[ip]:port" or a bare address) and whose
// headers are given in order, before grouping by prefix.
//
// X-Forwarded-For is read only as c allows: with TrustedHops, the client
// is that many entries from the right of every header line joined in order;
// with TrustedProxies, only when the peer is a trusted proxy, and the
// client is then the rightmost entry outside the trusted networks. ok is
// false when no address can be found, such as for a peer that is not an IP
// address.
func (c *ClientIP) ClientAddr(source string, headers [][2]string) (addr netip.Addr, ok bool) {
	peer, ok := parseAddr(source)
	switch {
	case !ok:
		return netip.Addr{}, false
	case c.TrustedHops > 0:
		entries := forwardedEntries(headers, c.TrustedHops)
		if len(entries) == 0 {
			return peer, true
		}
		// Fewer entries than hops: the farthest address known.
		pick := max(len(entries)-c.TrustedHops, 0)
		if addr, ok := parseAddr(entries[pick]); ok {
			return addr, true
		}
		return peer, true
	case len(c.TrustedProxies) > 0 && c.trusted(peer):
		return c.rightmostUntrusted(peer, forwardedEntries(headers, maxForwardedEntries))
	}
	return peer, true
}

// rightmostUntrusted walks the entries from the right past trusted proxies.
// An entry that is not an address stops the walk at the last trusted hop,
// because nothing to its left can be believed.
func (c *ClientIP) rightmostUntrusted(peer netip.Addr, entries []string) (netip.Addr, bool) {
	last := peer
	for i := len(entries) - 1; i >= 0; i-- {
		addr, ok := parseAddr(entries[i])
		if !ok {
			return last, true
		}
		if !c.trusted(addr) {
			return addr, true
		}
		last = addr
	}
	return last, true
}

func (c *ClientIP) trusted(addr netip.Addr) bool {
	for _, prefix := range c.TrustedProxies {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// Group returns the network of addr that the client's key is made of: addr
// masked to IPv4Prefix or IPv6Prefix bits.
func (c *ClientIP) Group(addr netip.Addr) netip.Prefix {
	bits := c.IPv4Prefix
	if addr.Is6() {
		bits = c.IPv6Prefix
	}
	if bits == 0 {
		bits = addr.BitLen()
	}
	prefix, _ := addr.Prefix(bits) // bits is within the address length
	return prefix
}

// forwardedEntries returns the last n entries of every X-Forwarded-For line
// joined in order (RFC 9110 §5.3), trimmed of spaces. Empty entries are
// kept, so that they count as hops and fail to parse.
func forwardedEntries(headers [][2]string, n int) []string {
	var entries []string
	for _, header := range headers {
		if header[0] != "x-forwarded-for" {
			continue
		}
		for value := header[1]; ; {
			entry, rest, more := strings.Cut(value, ",")
			entries = append(entries, strings.TrimSpace(entry))
			if len(entries) > n {
				entries = entries[1:]
			}
			if !more {
				break
			}
			value = rest
		}
	}
	return entries
}

// parseAddr reads "ip", "ip:port" or "[ip]:port", drops an IPv6 zone, and
// unmaps IPv4-mapped IPv6 addresses, so one client has one form.
//
// A bare address never starts with '[' and never has exactly one colon
// (IPv6 has at least two), and an address with a port always does one or
// the other, so the form is chosen before parsing: a failed parse builds
// an error, which costs allocations on every request.
func parseAddr(s string) (netip.Addr, bool) {
	if addr, ok := parseIPv4Port(s); ok {
		return addr, true
	}
	return parseAddrFull(s)
}

// parseAddrFull is parseAddr for every form, with netip's parsers.
func parseAddrFull(s string) (netip.Addr, bool) {
	var addr netip.Addr
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		addrPort, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		addr = addrPort.Addr()
	} else {
		var err error
		if addr, err = netip.ParseAddr(s); err != nil {
			return netip.Addr{}, false
		}
	}
	return addr.WithZone("").Unmap(), true
}

// parseIPv4Port reads the most common peer form, "a.b.c.d" or
// "a.b.c.d:port", in one pass. It accepts only what netip.ParseAddr and
// netip.ParseAddrPort accept, and returns false for anything else, which
// parseAddr then parses in full: netip's general parser costs several
// times more inside wasm.
func parseIPv4Port(s string) (netip.Addr, bool) {
	var ip [4]byte
	i := 0
	for field := range 4 {
		if field > 0 {
			if i == len(s) || s[i] != '.' {
				return netip.Addr{}, false
			}
			i++
		}
		start, v := i, 0
		for i < len(s) && i-start < 3 && '0' <= s[i] && s[i] <= '9' {
			v = v*10 + int(s[i]-'0')
			i++
		}
		// One to three digits, at most 255, no leading zero.
		if i == start || v > 255 || (s[start] == '0' && i-start > 1) {
			return netip.Addr{}, false
		}
		ip[field] = byte(v)
	}

	if i < len(s) && !isPort(s[i+1:], s[i]) {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(ip), true
}

// isPort reports whether sep is ':' and port is a decimal port number, as
// netip.ParseAddrPort reads it: 1 to 5 digits, leading zeros allowed, at
// most 65535.
func isPort(port string, sep byte) bool {
	if sep != ':' || port == "" || len(port) > 5 {
		return false
	}
	v := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
		v = v*10 + int(port[i]-'0')
	}
	return v <= 65535
}
