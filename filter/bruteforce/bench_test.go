package bruteforce

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

func newBenchGuard(b *testing.B) *Guard {
	cfg := &Config{Window: time.Minute, MaxFailuresPerIP: 1 << 30, MaxIdentitiesPerIP: 32,
		MaxFailuresPerIdentity: 1 << 30, BanDuration: time.Minute, Status: 429, MaxKeys: 10_000}
	g := New(cfg, &ratelimit.ClientIP{IPv4Prefix: 32, IPv6Prefix: 64}, ratelimit.NewMemoryStore(),
		func() time.Time { return start })
	require.NoError(b, g.Prepare())
	return g
}

// BenchmarkGuardCheck is the ban check of an allowed request: finding the
// client address and reading its slot.
func BenchmarkGuardCheck(b *testing.B) {
	g := newBenchGuard(b)
	b.ReportAllocs()
	for b.Loop() {
		c := g.Client("192.0.2.1:4000", nil)
		if _, banned, _ := g.Check(&c); banned {
			b.Fatal("banned")
		}
	}
}

// BenchmarkGuardFail counts one failure with a claimed identity in both
// tables.
func BenchmarkGuardFail(b *testing.B) {
	g := newBenchGuard(b)
	c := g.Client("192.0.2.1:4000", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Fail(&c, "k:0123456789abcdef"); err != nil {
			b.Fatal(err)
		}
	}
}
