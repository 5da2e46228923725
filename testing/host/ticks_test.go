package host

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTicksWithManualClock(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := NewManualClock(start)
	h := newTestHost(t, Options{Workers: 2, Clock: clock, PluginConfig: []byte("on-configure: tick 100; define 0 ticks\non-tick: incr 4 1; time")})
	h.ResetLogs()

	require.NoError(t, h.Advance(99*time.Millisecond))
	got, _ := h.Metric("ticks")
	require.Equal(t, uint64(0), got, "no tick before the period")

	require.NoError(t, h.Advance(151*time.Millisecond))
	got, _ = h.Metric("ticks")
	require.Equal(t, uint64(4), got, "two ticks on each of two workers")
	require.Equal(t, start.Add(250*time.Millisecond), clock.Now())

	var order []int
	var times []string
	for _, e := range h.LogsAt(LogInfo) {
		if strings.HasPrefix(e.Message, "out: time") {
			order = append(order, e.Worker)
			times = append(times, e.Message)
		}
	}
	require.Equal(t, []int{0, 1, 0, 1}, order, "ticks fire in time order")
	first := start.Add(100 * time.Millisecond).UnixNano()
	require.Contains(t, times[0], "host="+itoa(int(first))+" wasi="+itoa(int(first)), "the module sees the tick's time")
}

func TestTickPeriodZeroStops(t *testing.T) {
	clock := NewManualClock(time.Unix(0, 0))
	h := newTestHost(t, Options{Workers: 1, Clock: clock, PluginConfig: []byte("on-configure: tick 10; define 0 ticks\non-tick: incr 4 1; tick 0")})

	require.NoError(t, h.Advance(time.Second))

	got, _ := h.Metric("ticks")
	require.Equal(t, uint64(1), got)
}

func TestTicksWithRealClock(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, PluginConfig: []byte("on-configure: tick 5; define 0 ticks\non-tick: incr 4 1")})

	require.Eventually(t, func() bool {
		got, _ := h.Metric("ticks")
		return got >= 3
	}, 5*time.Second, 5*time.Millisecond)
	require.ErrorIs(t, h.Advance(time.Second), errNotManual)
}

func TestManualClockSetMovesWallTimeOnly(t *testing.T) {
	clock := NewManualClock(time.Unix(100, 0))
	mono := clock.Monotonic()

	clock.Set(time.Unix(50, 0))
	clock.Advance(-time.Second)

	require.Equal(t, time.Unix(50, 0), clock.Now())
	require.Equal(t, mono, clock.Monotonic())
	clock.Advance(time.Second)
	require.Equal(t, mono+time.Second, clock.Monotonic())
}
