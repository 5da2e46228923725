package main

import (
	"runtime"
	rtmetrics "runtime/metrics"
	"testing"

	"github.com/stretchr/testify/require"
)

func forcedCycles() uint64 {
	s := []rtmetrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// garbage keeps the last allocations reachable, so the compiler cannot drop
// them, while older ones become garbage.
var garbage [8][]byte

func TestGCBetweenStreamsCollectsBeforeTheRuntime(t *testing.T) {
	before := forcedCycles()
	for i := 0; i < 200_000 && forcedCycles() == before; i++ {
		garbage[i%len(garbage)] = make([]byte, 1024)
		gcBetweenStreams()
	}
	require.Greater(t, forcedCycles(), before, "no cycle was started between streams while the heap grew")
}

func TestGCBetweenStreamsLeavesASmallHeapAlone(t *testing.T) {
	runtime.GC()
	before := forcedCycles()
	for range 10 * gcCheckEvery {
		gcBetweenStreams()
	}
	require.Equal(t, before, forcedCycles(), "a cycle was started although nothing was allocated")
}
