package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSwitchedAlgorithmCountsApart covers a configuration update in which
// a rule keeps its name but switches algorithm while the old plugin drains
// beside the new one. The slot keys name the algorithm, so each plugin
// counts in its own slot and a client gets at most both limits together.
// With one slot for both, each plugin would read the other's state as
// unused and start again, and no request would ever be limited.
func TestSwitchedAlgorithmCountsApart(t *testing.T) {
	store := NewMemoryStore()
	clock := func() time.Time { return t0 }
	bucket := bucketRule("r", 2, global)
	bucket.MaxKeys = 1
	window := Rule{Name: "r", Algorithm: SlidingWindow, Default: Limit{Quota: 2, Window: time.Minute}, Key: []KeyPart{global}, MaxKeys: 1}
	oldPlugin := New(&Config{Rules: []Rule{bucket}}, store, clock)
	newPlugin := New(&Config{Rules: []Rule{window}}, store, clock)
	require.NoError(t, oldPlugin.Prepare())
	require.NoError(t, newPlugin.Prepare())

	admitted := 0
	for i := range 20 {
		l := oldPlugin
		if i%2 == 1 {
			l = newPlugin
		}
		if l.Check(caller("")).Allow {
			admitted++
		}
	}
	require.Equal(t, 4, admitted, "each rule alone admits 2")
	require.Equal(t, 2, store.Len())
	for _, key := range []string{"bulwark/rl/r/tb/0", "bulwark/rl/r/sw/0"} {
		_, _, err := store.Get(key)
		require.NoError(t, err, key)
	}
}
