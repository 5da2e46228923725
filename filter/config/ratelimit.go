package config

import (
	"net/netip"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// Defaults and bounds of the rate_limits section.
const (
	DefaultIPv4Prefix = 32
	DefaultIPv6Prefix = 64
	MaxTrustedHops    = 16
	MaxTrustedProxies = 64
)

// rateLimits reads the rate_limits section. routeNames are the names a
// rule's routes may list.
func (p *parser) rateLimits(path string, v gjson.Result, routeNames []string) ratelimit.Config {
	cfg := ratelimit.Config{
		ClientIP: ratelimit.ClientIP{IPv4Prefix: DefaultIPv4Prefix, IPv6Prefix: DefaultIPv6Prefix},
		Headers:  ratelimit.Headers{RateLimit: true},
	}
	if !v.Exists() {
		return cfg
	}
	members, ok := p.fields(path, v, "client_ip", "headers", "rules")
	if !ok {
		return cfg
	}

	if m, ok := members["client_ip"]; ok {
		p.clientIP(child(path, "client_ip"), m, &cfg.ClientIP)
	}
	if m, ok := members["headers"]; ok {
		p.rateHeaders(child(path, "headers"), m, &cfg.Headers)
	}
	if m, ok := members["rules"]; ok {
		cfg.Rules = p.rateRules(child(path, "rules"), m, routeNames)
	}
	return cfg
}

// clientIP reads how the client address is found, into c, which holds the
// defaults.
func (p *parser) clientIP(path string, v gjson.Result, c *ratelimit.ClientIP) {
	members, ok := p.fields(path, v, "xff_trusted_hops", "trusted_proxies", "ipv4_prefix", "ipv6_prefix")
	if !ok {
		return
	}

	hops, hasHops := members["xff_trusted_hops"]
	proxies, hasProxies := members["trusted_proxies"]
	if hasHops && hasProxies {
		p.failNoValue(path, "must set at most one of xff_trusted_hops, trusted_proxies; sets both")
	}
	if hasHops {
		c.TrustedHops, _ = p.integer(child(path, "xff_trusted_hops"), hops, 0, MaxTrustedHops)
	}
	if hasProxies {
		c.TrustedProxies = p.trustedProxies(child(path, "trusted_proxies"), proxies)
	}

	if m, ok := members["ipv4_prefix"]; ok {
		if n, ok := p.integer(child(path, "ipv4_prefix"), m, 1, 32); ok {
			c.IPv4Prefix = n
		}
	}
	if m, ok := members["ipv6_prefix"]; ok {
		if n, ok := p.integer(child(path, "ipv6_prefix"), m, 1, 128); ok {
			c.IPv6Prefix = n
		}
	}
}

// trustedProxies reads a list of CIDR prefixes written in canonical form.
func (p *parser) trustedProxies(path string, v gjson.Result) []netip.Prefix {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) == 0 || len(items) > MaxTrustedProxies {
		p.fail(path, "must list 1 to "+strconv.Itoa(MaxTrustedProxies)+" CIDR prefixes; omit the field to ignore X-Forwarded-For", v)
		return nil
	}

	return p.prefixes(path, items)
}

// prefixes reads CIDR prefixes written in canonical form.
func (p *parser) prefixes(path string, items []gjson.Result) []netip.Prefix {
	prefixes := make([]netip.Prefix, 0, len(items))
	for i, item := range items {
		itemPath := index(path, i)
		s, ok := p.str(itemPath, item)
		if !ok {
			continue
		}
		prefix, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			p.fail(itemPath, `must be a CIDR prefix such as "10.0.0.0/8" or "2001:db8::/32"`, item)
		case prefix.Addr().Is4In6() && prefix.Bits() >= 96:
			// ClientAddr unmaps every address, so this prefix would never
			// contain one.
			ipv4 := netip.PrefixFrom(prefix.Masked().Addr().Unmap(), prefix.Bits()-96)
			p.fail(itemPath, "is an IPv4-mapped IPv6 prefix, which matches no client because client addresses are compared in IPv4 form; write "+strconv.Quote(ipv4.String()), item)
		case prefix.Masked() != prefix:
			p.fail(itemPath, "has bits set after the prefix length; write "+strconv.Quote(prefix.Masked().String()), item)
		default:
			prefixes = append(prefixes, prefix)
		}
	}
	return prefixes
}

// rateHeaders reads which rate limit headers responses carry, into h,
// which holds the defaults.
func (p *parser) rateHeaders(path string, v gjson.Result, h *ratelimit.Headers) {
	members, ok := p.fields(path, v, "ratelimit", "x_ratelimit", "on_allowed")
	if !ok {
		return
	}

	fields := []struct {
		name string
		dst  *bool
	}{
		{"ratelimit", &h.RateLimit},
		{"x_ratelimit", &h.XRateLimit},
		{"on_allowed", &h.OnAllowed},
	}
	for _, f := range fields {
		name, dst := f.name, f.dst
		if m, ok := members[name]; ok {
			if b, ok := p.boolean(child(path, name), m); ok {
				*dst = b
			}
		}
	}
}

// rateRouteNames returns the names of routes, which rate limit rules may
// name.
func rateRouteNames(routes []route.Route) []string {
	names := make([]string, len(routes))
	for i := range routes {
		names[i] = routes[i].Name
	}
	return names
}
