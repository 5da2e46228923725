package guestprof

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

// nestedCalls is a module without a name section whose export "outer"
// (function 1) calls function 0 twice.
var nestedCalls = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: one type, () -> ()
	0x03, 0x03, 0x02, 0x00, 0x00, // function section: two functions of type 0
	0x07, 0x09, 0x01, 0x05, 'o', 'u', 't', 'e', 'r', 0x00, 0x01, // export "outer" = function 1
	0x0a, 0x0b, 0x02, // code section: two bodies
	0x02, 0x00, 0x0b, // function 0: no locals, end
	0x06, 0x00, 0x10, 0x00, 0x10, 0x00, 0x0b, // function 1: call 0, call 0, end
}

// runOuter compiles nestedCalls with p and calls "outer" times times.
func runOuter(t *testing.T, p *Profiler, times int) {
	t.Helper()
	ctx := p.Context(context.Background())
	runtime := wazero.NewRuntime(ctx)
	t.Cleanup(func() { _ = runtime.Close(ctx) })
	mod, err := runtime.InstantiateWithConfig(ctx, nestedCalls, wazero.NewModuleConfig().WithName("m"))
	require.NoError(t, err)

	for range times {
		_, err := mod.ExportedFunction("outer").Call(ctx)
		require.NoError(t, err)
	}
}

func TestProfilerCountsNestedCalls(t *testing.T) {
	p := New()
	p.WatchCallers(".$0", 1)
	p.Enable()
	runOuter(t, p, 3)
	profile := p.Snapshot()

	outer, inner := profile.Lookup(".$1"), profile.Lookup(".$0")
	require.Equal(t, int64(3), outer.Calls)
	require.Equal(t, int64(6), inner.Calls)
	require.LessOrEqual(t, outer.Self, outer.Inclusive)
	require.GreaterOrEqual(t, outer.Inclusive, inner.Inclusive, "outer's time includes inner's")
	require.Equal(t, map[string]int64{".$0 < .$1": 6}, p.Callers())
}

func TestProfilerRecordsOnlyWhileEnabled(t *testing.T) {
	p := New()
	runOuter(t, p, 2)

	require.Empty(t, p.Snapshot())
}

func TestProfilerOnlyNamedFunctions(t *testing.T) {
	p := New()
	p.Only(".$0")
	p.Enable()
	runOuter(t, p, 1)
	profile := p.Snapshot()

	require.Len(t, profile, 1)
	require.Equal(t, int64(2), profile.Lookup(".$0").Calls)
}

func TestProfileCompareAndWrite(t *testing.T) {
	base := Profile{{Name: "f", Calls: 10, Self: 10_000}}
	other := Profile{{Name: "f", Calls: 20, Self: 40_000}, {Name: "g", Calls: 5, Self: 5_000}}

	diffs := other.Compare(base, 10, 10)
	require.Equal(t, []Difference{
		{Name: "f", BaseCalls: 1, Calls: 2, BaseSelf: 1, Self: 4},
		{Name: "g", Calls: 0.5, Self: 0.5},
	}, diffs)

	var out bytes.Buffer
	require.NoError(t, other.Write(&out, 10, 1))
	require.Contains(t, out.String(), "f ")
	require.NotContains(t, out.String(), "g ")
}
