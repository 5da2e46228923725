package bruteforce

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

var start = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// testGuard is a guard on a memory store with a clock that tests move.
type testGuard struct {
	*Guard
	store *ratelimit.MemoryStore
	now   time.Time
}

func newTestGuard(t *testing.T, cfg Config) *testGuard {
	t.Helper()
	if cfg.Window == 0 {
		cfg.Window = time.Minute
	}
	if cfg.BanDuration == 0 {
		cfg.BanDuration = 10 * time.Minute
	}
	if cfg.Status == 0 {
		cfg.Status = 429
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = 64
	}
	tg := &testGuard{store: ratelimit.NewMemoryStore(), now: start}
	clientIP := &ratelimit.ClientIP{IPv4Prefix: 32, IPv6Prefix: 64}
	tg.Guard = New(&cfg, clientIP, tg.store, func() time.Time { return tg.now })
	require.NoError(t, tg.Prepare())
	return tg
}

func (tg *testGuard) client(addr string) Client {
	return tg.Client(addr+":4000", nil)
}

func (tg *testGuard) fail(t *testing.T, addr, identity string) Trip {
	t.Helper()
	c := tg.client(addr)
	trip, err := tg.Fail(&c, identity)
	require.NoError(t, err)
	return trip
}

func (tg *testGuard) banned(t *testing.T, addr string) bool {
	t.Helper()
	c := tg.client(addr)
	_, banned, err := tg.Check(&c)
	require.NoError(t, err)
	return banned
}

func TestGuardThresholds(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		failures  func(i int) (addr, identity string)
		n         int
		wantTrips []int // the failures, from 1, that start a ban
		threshold string
	}{
		{
			name:      "failures per address",
			cfg:       Config{MaxFailuresPerIP: 5},
			failures:  func(int) (string, string) { return "192.0.2.1", "k:1" },
			n:         8,
			wantTrips: []int{5},
			threshold: ThresholdFailuresPerIP,
		},
		{
			name:     "one identity repeated is not stuffing",
			cfg:      Config{MaxFailuresPerIP: 100, MaxIdentitiesPerIP: 3},
			failures: func(int) (string, string) { return "192.0.2.1", "i:alice" },
			n:        50,
		},
		{
			name: "distinct identities per address",
			cfg:  Config{MaxFailuresPerIP: 100, MaxIdentitiesPerIP: 2},
			failures: func(i int) (string, string) {
				return "192.0.2.1", []string{"i:alice", "i:bob"}[i%2]
			},
			n:         4,
			wantTrips: []int{2},
			threshold: ThresholdIdentitiesPerIP,
		},
		{
			name: "failures per identity from many addresses",
			cfg:  Config{MaxFailuresPerIP: 100, MaxFailuresPerIdentity: 4},
			failures: func(i int) (string, string) {
				return fmt.Sprintf("198.51.100.%d", i+1), "s:alice"
			},
			// Each address that fails on the attacked identity from the
			// 4th failure on is banned.
			n:         6,
			wantTrips: []int{4, 5, 6},
			threshold: ThresholdFailuresPerIdentity,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTestGuard(t, tc.cfg)
			var trips []int
			for i := range tc.n {
				addr, identity := tc.failures(i)
				trip := tg.fail(t, addr, identity)
				if trip.Started {
					trips = append(trips, i+1)
					require.Equal(t, tc.threshold, trip.Threshold)
					require.Equal(t, tg.Config().BanDuration, trip.Duration)
					require.True(t, tg.banned(t, addr))
				}
			}
			require.Equal(t, tc.wantTrips, trips)
		})
	}
}

func TestGuardBanCountAndRetryAfter(t *testing.T) {
	tg := newTestGuard(t, Config{MaxFailuresPerIP: 3, BanDuration: 90 * time.Second})
	for range 2 {
		require.False(t, tg.fail(t, "192.0.2.1", "").Started)
	}
	trip := tg.fail(t, "192.0.2.1", "")
	require.True(t, trip.Started)
	require.Equal(t, int64(3), trip.Count)

	tg.now = tg.now.Add(500 * time.Millisecond)
	c := tg.client("192.0.2.1")
	ban, banned, err := tg.Check(&c)
	require.NoError(t, err)
	require.True(t, banned)
	require.Equal(t, int64(90), ban.RetryAfter, "89.5 s left rounds up")

	require.False(t, tg.banned(t, "192.0.2.2"), "another address is not banned")
}

func TestGuardBanLiftsAndCountsRestart(t *testing.T) {
	tg := newTestGuard(t, Config{MaxFailuresPerIP: 3, BanDuration: time.Minute})
	for range 3 {
		tg.fail(t, "192.0.2.1", "")
	}
	require.True(t, tg.banned(t, "192.0.2.1"))

	tg.now = tg.now.Add(time.Minute - time.Nanosecond)
	require.True(t, tg.banned(t, "192.0.2.1"))
	tg.now = tg.now.Add(time.Nanosecond)
	require.False(t, tg.banned(t, "192.0.2.1"))

	// The ban reset the counts, so a whole allowance is back.
	require.False(t, tg.fail(t, "192.0.2.1", "").Started)
	require.False(t, tg.fail(t, "192.0.2.1", "").Started)
	require.True(t, tg.fail(t, "192.0.2.1", "").Started)
}

func TestGuardSlidingWindow(t *testing.T) {
	tg := newTestGuard(t, Config{MaxFailuresPerIP: 4, Window: time.Minute})
	// Align to a window start, then fail 3 times.
	tg.now = start.Truncate(time.Minute)
	for range 3 {
		require.False(t, tg.fail(t, "192.0.2.1", "").Started)
	}

	// Half way through the next window the 3 weigh 1.5: one more gives
	// 2.5, below 4.
	tg.now = tg.now.Add(90 * time.Second)
	require.False(t, tg.fail(t, "192.0.2.1", "").Started)

	// Two windows later nothing weighs.
	tg.now = tg.now.Add(2 * time.Minute)
	for range 3 {
		require.False(t, tg.fail(t, "192.0.2.1", "").Started)
	}
	require.True(t, tg.fail(t, "192.0.2.1", "").Started)
}

func TestGuardExemptAndUnknownClient(t *testing.T) {
	tg := newTestGuard(t, Config{MaxFailuresPerIP: 1, Exempt: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	require.False(t, tg.fail(t, "10.1.2.3", "").Started)
	require.False(t, tg.banned(t, "10.1.2.3"))

	c := tg.Client("/var/run/socket", nil)
	require.False(t, c.Found)
	trip, err := tg.Fail(&c, "")
	require.NoError(t, err)
	require.False(t, trip.Started)
}

func TestGuardSlotCollisionsKeepCountsApart(t *testing.T) {
	// One slot of Ways entries: Ways addresses keep their own counts.
	tg := newTestGuard(t, Config{MaxFailuresPerIP: 3, MaxKeys: Ways})
	for i := range Ways {
		require.False(t, tg.fail(t, fmt.Sprintf("192.0.2.%d", i+1), "").Started)
		require.False(t, tg.fail(t, fmt.Sprintf("192.0.2.%d", i+1), "").Started)
	}
	require.True(t, tg.fail(t, "192.0.2.1", "").Started)
	for i := 1; i < Ways; i++ {
		require.False(t, tg.banned(t, fmt.Sprintf("192.0.2.%d", i+1)))
	}
}

func TestGuardRunningBansAreNeverEvicted(t *testing.T) {
	tg := newTestGuard(t, Config{MaxFailuresPerIP: 1, MaxKeys: Ways})
	for i := range Ways {
		require.True(t, tg.fail(t, fmt.Sprintf("192.0.2.%d", i+1), "").Started)
	}
	// A fifth address finds no entry: it is not counted, and the bans stay.
	require.False(t, tg.fail(t, "192.0.2.99", "").Started)
	for i := range Ways {
		require.True(t, tg.banned(t, fmt.Sprintf("192.0.2.%d", i+1)))
	}
	require.False(t, tg.banned(t, "192.0.2.99"))
}

func TestGuardConcurrentFailuresStartOneBan(t *testing.T) {
	const workers, threshold = 4, 40
	tg := newTestGuard(t, Config{MaxFailuresPerIP: threshold})

	var wg sync.WaitGroup
	var mu sync.Mutex
	started := 0
	for range workers {
		wg.Go(func() {
			for range threshold / workers {
				c := tg.client("192.0.2.1")
				trip, err := tg.Fail(&c, "")
				// Under the race detector four goroutines can lose every
				// bounded compare-and-swap attempt. Such a failure was not
				// counted, so the test sends it again.
				for errors.Is(err, ratelimit.ErrContention) {
					trip, err = tg.Fail(&c, "")
				}
				if err != nil {
					t.Error(err)
					return
				}
				if trip.Started {
					mu.Lock()
					started++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, started)
	require.True(t, tg.banned(t, "192.0.2.1"))
}

func TestGuardMaxBytesBoundsStore(t *testing.T) {
	tg := newTestGuard(t, Config{MaxFailuresPerIP: 2, MaxFailuresPerIdentity: 5, MaxKeys: 400})
	bound := tg.MaxBytes()
	prepared := tg.store.Bytes()
	require.LessOrEqual(t, prepared, bound)
	require.Greater(t, prepared, bound*9/10, "Prepare fills the store almost to its bound")

	for i := range 5000 {
		addr := fmt.Sprintf("198.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff)
		tg.fail(t, addr, fmt.Sprintf("k:%d", i))
	}
	require.Equal(t, prepared, tg.store.Bytes(), "traffic adds no byte")
	require.Equal(t, 2*100, tg.store.Len())
}

func TestBitsFor(t *testing.T) {
	require.Equal(t, 2, bitsFor(2))
	require.Equal(t, 10, bitsFor(10))
	require.Equal(t, 26, bitsFor(MaxIdentitiesThreshold))
	for threshold := 2; threshold <= MaxIdentitiesThreshold; threshold++ {
		k := bitsFor(threshold)
		require.GreaterOrEqual(t, estimateDistinct(uint64(1)<<k-1), int64(threshold))
	}
}
