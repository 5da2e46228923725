package ratelimit

import (
	"net/netip"
	"strings"
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

func TestParseIPv4Port(t *testing.T) {
	accepted := []string{"192.0.2.1", "192.0.2.1:4000", "0.0.0.0:0", "255.255.255.255:65535", "10.0.0.1:00080"}
	for _, s := range accepted {
		got, ok := parseIPv4Port(s)
		require.True(t, ok, s)
		want, _ := parseAddrFull(s)
		require.Equal(t, want, got, s)
	}

	// Left to netip, which rejects all of these but the last two.
	declined := []string{"", "1.2.3", "1.2.3.4.", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:123456", "01.2.3.4",
		"256.1.1.1", "1.2.3.4:x", "1..3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4%eth0", "::ffff:1.2.3.4", "[1.2.3.4]:80"}
	for _, s := range declined {
		_, ok := parseIPv4Port(s)
		require.False(t, ok, s)
	}
}

// FuzzParseIPv4Port checks that the IPv4 fast path accepts only what the
// full parser accepts, with the same address, and every dotted quad with
// or without a port.
func FuzzParseIPv4Port(f *testing.F) {
	for _, s := range []string{"192.0.2.1:4000", "1.2.3.4", "001.2.3.4", "1.2.3.4:99999", "[::1]:80", "1.2.3.4:0x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, fastOK := parseIPv4Port(s)
		full, fullOK := parseAddrFull(s)
		if fastOK && (!fullOK || fast != full) {
			t.Fatalf("%q: fast path gives %v, full parser %v %v", s, fast, full, fullOK)
		}
		if fullOK && full.Is4() && !strings.ContainsAny(s, "[%") && !strings.HasPrefix(s, ":") && !fastOK {
			if strings.Count(s, ":") <= 1 {
				t.Fatalf("%q: the full parser reads %v, the fast path declines", s, full)
			}
		}
	})
}

// TestKeyerReusesPeerClient checks that a keyer reused across requests, as
// a Limiter's scratch keeps it, finds each request's own client address
// whether or not the peer repeats: the same as a new keyer's, and from
// X-Forwarded-For when the configuration reads it.
func TestKeyerReusesPeerClient(t *testing.T) {
	long := "unix:" + strings.Repeat("x", 80) // longer than the memo holds
	requests := []*Request{
		{SourceAddress: "192.0.2.1:4000"},
		{SourceAddress: "192.0.2.1:4000"},
		{SourceAddress: "[2001:db8::1]:4000"},
		{SourceAddress: "192.0.2.1:4000"},
		{SourceAddress: long},
		{SourceAddress: long},
		{SourceAddress: ""},
		{SourceAddress: "192.0.2.1:4000", Headers: xff("198.51.100.7")},
		{SourceAddress: "192.0.2.1:4000", Headers: xff("198.51.100.8")},
		{SourceAddress: "192.0.2.1:4000", Headers: xff("198.51.100.8")},
	}
	configs := []ClientIP{{}, {IPv4Prefix: 24, IPv6Prefix: 64}, {TrustedHops: 1}}
	for _, cfg := range configs {
		var reused keyer
		for i, req := range requests {
			reused.reset(req, &cfg)
			got, gotOK := reused.clientAddr()

			var fresh keyer
			fresh.reset(req, &cfg)
			want, wantOK := fresh.clientAddr()
			require.Equal(t, wantOK, gotOK, "config %+v, request %d", cfg, i)
			require.Equal(t, want, got, "config %+v, request %d", cfg, i)
		}
	}

	// Without the check of the configuration, the hop rule would reuse
	// 198.51.100.8's address for the peer's next request.
	var k keyer
	cfg := ClientIP{TrustedHops: 1}
	k.reset(&Request{SourceAddress: "192.0.2.1:4000", Headers: xff("198.51.100.8")}, &cfg)
	k.clientAddr()
	k.reset(&Request{SourceAddress: "192.0.2.1:4000", Headers: xff("198.51.100.9")}, &cfg)
	client, ok := k.clientAddr()
	require.True(t, ok)
	require.Equal(t, []byte{198, 51, 100, 9, 32}, client)
}
