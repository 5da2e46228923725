package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSwitchedAlgorithmsResetEachOther pins what docs/deploy.md warns
// about. A rule keeps its name but switches algorithm, and the old plugin
// drains beside the new one. Each reads the state that the other wrote as
// an unused slot, so requests that alternate between them are never
// limited. NOTE: slot keys that named the algorithm would bound this to
// both limits together; such a change must update this test and the doc.
func TestSwitchedAlgorithmsResetEachOther(t *testing.T) {
	store := NewMemoryStore()
	clock := func() time.Time { return t0 }
	bucket := bucketRule("r", 2, global)
	window := Rule{Name: "r", Algorithm: SlidingWindow, Default: Limit{Quota: 2, Window: time.Minute}, Key: []KeyPart{global}, MaxKeys: 1}
	bucket.MaxKeys = 1
	oldPlugin := New(&Config{Rules: []Rule{bucket}}, store, clock)
	newPlugin := New(&Config{Rules: []Rule{window}}, store, clock)
	require.NoError(t, oldPlugin.Prepare())

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
	require.Equal(t, 20, admitted, "each rule alone admits 2")
}
