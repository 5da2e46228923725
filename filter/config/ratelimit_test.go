package config

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

func TestRateLimitsDefaults(t *testing.T) {
	cfg, err := Parse([]byte(`{"rate_limits": {"rules": [{"name": "r", "algorithm": "token_bucket", "capacity": 10, "refill_per_second": 2.5}]}}`))
	require.NoError(t, err)

	rl := cfg.RateLimits
	require.Equal(t, ratelimit.ClientIP{IPv4Prefix: 32, IPv6Prefix: 64}, rl.ClientIP)
	require.Equal(t, ratelimit.Headers{RateLimit: true}, rl.Headers)
	require.Equal(t, []ratelimit.Rule{{
		Name:      "r",
		Algorithm: ratelimit.TokenBucket,
		Default:   ratelimit.Limit{Quota: 10, RefillMilli: 2500},
		Key:       []ratelimit.KeyPart{{Kind: ratelimit.KeyClientIP}},
		MaxKeys:   DefaultMaxKeys,
	}}, rl.Rules)
}

// TestRateLimitsGlobalRuleHasOneSlot checks that a rule keyed by "global"
// gets one slot without max_keys, since every request has its key, and
// that max_keys 1 is accepted there. A larger max_keys is rejected
// (testdata/invalid/rate_limits.json).
func TestRateLimitsGlobalRuleHasOneSlot(t *testing.T) {
	for _, extra := range []string{``, `, "max_keys": 1`} {
		cfg, err := Parse([]byte(`{"rate_limits": {"rules": [
			{"name": "all", "algorithm": "token_bucket", "capacity": 10, "refill_per_second": 1, "key": ["global"]` + extra + `},
			{"name": "per-ip", "algorithm": "token_bucket", "capacity": 10, "refill_per_second": 1}]}}`))
		require.NoError(t, err, extra)

		rules := cfg.RateLimits.Rules
		require.Equal(t, 1, rules[0].MaxKeys, extra)
		require.Equal(t, DefaultMaxKeys, rules[1].MaxKeys, extra)
		// One 19-byte key for the global rule, "bulwark/rl/all/tb/0"; the
		// per-IP rule's bound counts every key at the longest length,
		// "bulwark/rl/per-ip/tb/270f". Each value is 17 bytes.
		require.Equal(t, (19+17)+DefaultMaxKeys*(25+17), cfg.RateLimits.MaxBytes(), extra)
	}
}

func TestRateLimitsExample(t *testing.T) {
	data, err := os.ReadFile("../../examples/rate-limits.json")
	require.NoError(t, err)
	cfg, err := Parse(data)
	require.NoError(t, err)

	rl := cfg.RateLimits
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, rl.ClientIP.TrustedProxies)
	require.Equal(t, ratelimit.Headers{RateLimit: true, XRateLimit: true, OnAllowed: true}, rl.Headers)
	require.Len(t, rl.Rules, 4)

	login := rl.Rules[0]
	require.Equal(t, ratelimit.SlidingWindow, login.Algorithm)
	require.Equal(t, ratelimit.Limit{Quota: 10, Window: time.Minute}, login.Default)
	require.Equal(t, []string{"login"}, login.Routes)
	require.Equal(t, ratelimit.FailDeny, login.FailureMode)
	require.Equal(t, 50000, login.MaxKeys)

	perCaller := rl.Rules[1]
	require.Equal(t, []ratelimit.KeyPart{{Kind: ratelimit.KeyCaller}}, perCaller.Key)
	require.Equal(t, map[string]ratelimit.Limit{
		"partner": {Quota: 200, RefillMilli: 50_000},
		"trial":   {Quota: 5, RefillMilli: 500},
	}, perCaller.Tiers)

	tenant := rl.Rules[3]
	require.True(t, tenant.Shadow)
	require.Equal(t, []ratelimit.KeyPart{{Kind: ratelimit.KeyHeader, Name: "x-tenant-id"}}, tenant.Key)
	require.Greater(t, rl.MaxBytes(), 50000*17)
}

// TestIPv4MappedPrefixesRejected checks that an IPv4-mapped IPv6 prefix is
// rejected with its IPv4 form. Client addresses are unmapped before they
// are compared, so such a prefix would be accepted and never match: a
// trusted proxy would not be trusted, and an exempt network not exempt.
func TestIPv4MappedPrefixesRejected(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{
			"trusted proxy",
			`{"rate_limits": {"client_ip": {"trusted_proxies": ["::ffff:10.0.0.0/104"]}}}`,
			`rate_limits.client_ip.trusted_proxies[0]: is an IPv4-mapped IPv6 prefix, which matches no client because client addresses are compared in IPv4 form; write "10.0.0.0/8"; got "::ffff:10.0.0.0/104"`,
		},
		{
			"trusted proxy with host bits",
			`{"rate_limits": {"client_ip": {"trusted_proxies": ["::ffff:192.0.2.1/120"]}}}`,
			`rate_limits.client_ip.trusted_proxies[0]: is an IPv4-mapped IPv6 prefix, which matches no client because client addresses are compared in IPv4 form; write "192.0.2.0/24"; got "::ffff:192.0.2.1/120"`,
		},
		{
			"exempt network",
			`{"brute_force": {"exempt": ["::ffff:0:0/96"]}}`,
			`brute_force.exempt[0]: is an IPv4-mapped IPv6 prefix, which matches no client because client addresses are compared in IPv4 form; write "0.0.0.0/0"; got "::ffff:0:0/96"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			require.EqualError(t, err, tc.want)
		})
	}

	cfg, err := Parse([]byte(`{"rate_limits": {"client_ip": {"trusted_proxies": ["2001:db8::/32", "::/0"]}}}`))
	require.NoError(t, err, "IPv6 prefixes that are not IPv4-mapped")
	require.Len(t, cfg.RateLimits.ClientIP.TrustedProxies, 2)
}

// TestGlobalRuleMaxKeysMessage checks that every max_keys other than 1 on
// a rule keyed by "global" gets the message that names the one value
// accepted there, not the range of other rules, which would lead to a
// second error.
func TestGlobalRuleMaxKeysMessage(t *testing.T) {
	const problem = `rate_limits.rules[0].max_keys: must be 1 for a rule keyed by "global", which has one counter; remove the field or set it to 1; got `
	for _, value := range []string{`0`, `2`, `100000`, `1000000`, `1.5`, `"1"`} {
		_, err := Parse([]byte(`{"rate_limits": {"rules": [
			{"name": "all", "algorithm": "token_bucket", "capacity": 10, "refill_per_second": 1, "key": ["global"], "max_keys": ` + value + `}]}}`))
		require.EqualError(t, err, problem+value)
	}
}
