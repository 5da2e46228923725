package ratelimit

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzClientAddr checks that the X-Forwarded-For parser never panics,
// reads a bounded number of entries, and that an untrusted peer's header
// never changes the address.
func FuzzClientAddr(f *testing.F) {
	seeds := [][3]string{
		{"10.0.0.1:4000", "198.51.100.7", ""},
		{"[2001:db8::1]:80", "2001:db8::2, 10.0.0.3", "::ffff:1.2.3.4"},
		{"192.0.2.1:1", ",,,", " , "},
		{"10.0.0.1", "[::1]:99, fe80::1%eth0", "1.2.3.4:5:6"},
		{"garbage", strings.Repeat("1.1.1.1,", 100), "\x00\xff"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], 2)
	}

	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::/0")}
	f.Fuzz(func(t *testing.T, source, line1, line2 string, hops int) {
		headers := xff(line1, line2)
		untrustedPeer := netip.MustParsePrefix("192.0.2.0/24")

		for _, c := range []ClientIP{
			{TrustedHops: hops & 15, IPv6Prefix: 64},
			{TrustedProxies: proxies, IPv4Prefix: 24},
		} {
			addr, ok := c.ClientAddr(source, headers)
			if ok && !addr.IsValid() {
				t.Fatalf("ok with an invalid address for %q", source)
			}
			if ok {
				c.Group(addr)
			}

			peer, peerOK := c.ClientAddr(source, nil)
			if peerOK && len(c.TrustedProxies) > 0 && untrustedPeer.Contains(peer) && addr != peer {
				t.Fatalf("untrusted peer %s: X-Forwarded-For changed the address to %s", peer, addr)
			}
		}
	})
}
