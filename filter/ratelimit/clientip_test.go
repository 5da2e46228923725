package ratelimit

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func xff(values ...string) [][2]string {
	headers := [][2]string{{":path", "/"}}
	for _, v := range values {
		headers = append(headers, [2]string{"x-forwarded-for", v})
	}
	return headers
}

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	tests := []struct {
		name    string
		cfg     ClientIP
		source  string
		headers [][2]string
		want    string
	}{
		{"peer only", ClientIP{}, "192.0.2.1:4000", nil, "192.0.2.1"},
		{"xff ignored by default", ClientIP{}, "192.0.2.1:4000", xff("198.51.100.7"), "192.0.2.1"},
		{"ipv6 peer", ClientIP{}, "[2001:db8::1]:4000", nil, "2001:db8::1"},
		{"mapped ipv4 peer", ClientIP{}, "[::ffff:192.0.2.1]:4000", nil, "192.0.2.1"},
		{"one hop", ClientIP{TrustedHops: 1}, "10.0.0.1:4000", xff("6.6.6.6, 198.51.100.7"), "198.51.100.7"},
		{"two hops", ClientIP{TrustedHops: 2}, "10.0.0.1:4000", xff("6.6.6.6, 198.51.100.7, 10.1.1.1"), "198.51.100.7"},
		{"lines joined in order", ClientIP{TrustedHops: 2}, "10.0.0.1:4000", xff("6.6.6.6, 198.51.100.7", "10.1.1.1"), "198.51.100.7"},
		{"fewer entries than hops", ClientIP{TrustedHops: 3}, "10.0.0.1:4000", xff("198.51.100.7, 10.1.1.1"), "198.51.100.7"},
		{"hops without header", ClientIP{TrustedHops: 1}, "10.0.0.1:4000", nil, "10.0.0.1"},
		{"hop entry not an address", ClientIP{TrustedHops: 1}, "10.0.0.1:4000", xff("1.1.1.1, junk"), "10.0.0.1"},
		{"hop entry with port", ClientIP{TrustedHops: 1}, "10.0.0.1:4000", xff("[2001:db8::9]:443"), "2001:db8::9"},
		{"untrusted peer spoofs", ClientIP{TrustedProxies: proxies}, "192.0.2.1:4000", xff("198.51.100.7"), "192.0.2.1"},
		{"trusted peer", ClientIP{TrustedProxies: proxies}, "10.0.0.1:4000", xff("6.6.6.6, 198.51.100.7"), "198.51.100.7"},
		{"trusted chain", ClientIP{TrustedProxies: proxies}, "10.0.0.1:4000", xff("6.6.6.6, 198.51.100.7, 10.2.2.2", "2001:db8:ffff::1"), "198.51.100.7"},
		{"all trusted", ClientIP{TrustedProxies: proxies}, "10.0.0.1:4000", xff("10.3.3.3, 10.2.2.2"), "10.3.3.3"},
		{"junk stops the walk", ClientIP{TrustedProxies: proxies}, "10.0.0.1:4000", xff("6.6.6.6, junk, 10.2.2.2"), "10.2.2.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, ok := tc.cfg.ClientAddr(tc.source, tc.headers)
			require.True(t, ok)
			require.Equal(t, tc.want, addr.String())
		})
	}
}

func TestClientAddrInvalidPeer(t *testing.T) {
	_, ok := (&ClientIP{TrustedHops: 1}).ClientAddr("/var/run/envoy.sock", xff("198.51.100.7"))
	require.False(t, ok)
}

func TestGroupPrefixes(t *testing.T) {
	c := ClientIP{IPv4Prefix: 24, IPv6Prefix: 64}
	require.Equal(t, "192.0.2.0/24", c.Group(netip.MustParseAddr("192.0.2.77")).String())
	require.Equal(t, "2001:db8:1:2::/64", c.Group(netip.MustParseAddr("2001:db8:1:2:aaaa::1")).String())
	require.Equal(t, "192.0.2.77/32", (&ClientIP{}).Group(netip.MustParseAddr("192.0.2.77")).String())
}
