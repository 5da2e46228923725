package config

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/bruteforce"
)

func TestParseBruteForceAbsentIsOff(t *testing.T) {
	cfg := mustParseFile(t, "empty.json")
	require.Nil(t, cfg.BruteForce)
}

func TestParseBruteForceDefaults(t *testing.T) {
	cfg, err := Parse([]byte(`{"brute_force": {}}`))
	require.NoError(t, err)
	require.Equal(t, &bruteforce.Config{
		Window:           5 * time.Minute,
		MaxFailuresPerIP: 10,
		BanDuration:      15 * time.Minute,
		Status:           429,
		MaxKeys:          10_000,
	}, cfg.BruteForce)
}

func TestParseBruteForceFull(t *testing.T) {
	cfg := mustParseFile(t, "brute_force.json")
	require.Equal(t, &bruteforce.Config{
		Window:                 10 * time.Minute,
		MaxFailuresPerIP:       20,
		MaxIdentitiesPerIP:     8,
		MaxFailuresPerIdentity: 50,
		BanDuration:            time.Hour,
		Status:                 403,
		CountUpstream:          []int{401, 403},
		MaxKeys:                20_000,
		Exempt:                 []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")},
	}, cfg.BruteForce)
	require.Equal(t, 1, cfg.RateLimits.ClientIP.TrustedHops, "the client address comes from rate_limits.client_ip")
}
