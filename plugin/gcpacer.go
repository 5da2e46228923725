package main

import (
	"runtime"
	rtmetrics "runtime/metrics"
)

// The module's goroutine never blocks between callbacks, so Go's background
// mark worker does not run on its own. A cycle that the runtime starts is
// finished by allocation assists inside requests, which run with write
// barriers on until then. gcBetweenStreams starts the cycle itself, at the
// end of a stream and before the runtime would, and runs it to the end in
// one call. RATIONALE.md gives the measurements.

// gcCheckEvery is the number of ended streams between two reads of the
// heap metrics, because a read gathers the heap statistics.
const gcCheckEvery = 16

// gcRunwayFraction is how far the heap may grow from the last cycle's live
// heap towards the runtime's goal before a cycle is started here. The
// runtime (Go 1.26) starts one at 0.7 of that runway at the earliest, so
// 0.65 leaves room for the streams between two checks.
const gcRunwayFraction = 0.65

// gcPacer counts ended streams and reads the heap metrics. One per VM: the
// heap is the VM's, whatever the number of plugins.
var gcPacer = struct {
	streams uint32
	samples [3]rtmetrics.Sample
}{samples: [3]rtmetrics.Sample{
	{Name: "/gc/heap/goal:bytes"},
	{Name: "/gc/heap/live:bytes"},
	{Name: "/memory/classes/heap/objects:bytes"},
}}

// gcBetweenStreams runs a full collection when the heap has grown past
// gcRunwayFraction of the runway to the goal. It is called when a stream
// has ended, where Envoy has already sent the response.
func gcBetweenStreams() {
	gcPacer.streams++
	if gcPacer.streams%gcCheckEvery != 0 {
		return
	}
	s := gcPacer.samples[:]
	rtmetrics.Read(s)
	goal, live, objects := s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
	if goal <= live || objects < live+uint64(float64(goal-live)*gcRunwayFraction) {
		return
	}
	runtime.GC()
}
