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
		// One 16-byte key for the global rule; the per-IP rule's bound
		// counts every key at the longest length, "bulwark/rl/per-ip/270f".
		// Each value is 17 bytes.
		require.Equal(t, (16+17)+DefaultMaxKeys*(22+17), cfg.RateLimits.MaxBytes(), extra)
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
