package host

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMetricIDsAndRules(t *testing.T) {
	h := newTestHost(t, Options{Workers: 2})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers",
		"define 0 a; define 1 b; define 2 c; define 0 d; define 0 a; "+
			"incr 4 0; incr 4 -1; incr 4 5; record 4 3; getmetric 4; getmetric 12; "+
			"incr 5 -3; getmetric 5; record 5 7; getmetric 5; "+
			"incr 6 1; record 6 42; record 6 43; getmetric 6; "+
			"getmetric 99; record 99 1; incr 99 1"), nil)
	require.NoError(t, err)

	require.Equal(t, []string{
		"define st=0 id=4", "define st=0 id=5", "define st=0 id=6", "define st=0 id=8", "define st=0 id=12",
		"incr st=2", "incr st=2", "incr st=0", "record st=0", "getmetric st=0 v=8", "getmetric st=0 v=8",
		"incr st=0", "getmetric st=0 v=18446744073709551613", "record st=0", "getmetric st=0 v=7",
		"incr st=2", "record st=0", "record st=0", "getmetric st=2 v=0",
		"getmetric st=1 v=0", "record st=1", "incr st=1",
	}, outLines(res))
	require.Equal(t, []uint64{42, 43}, h.HistogramSamples("c"))
	require.Equal(t, map[string]MetricValue{
		"a": {Type: "counter", Value: 8}, "b": {Type: "gauge", Value: 7},
		"c": {Type: "histogram", Value: 2}, "d": {Type: "counter", Value: 0},
	}, h.Metrics())
}

func TestMetricsSharedAcrossWorkers(t *testing.T) {
	h := newTestHost(t, Options{Workers: 2})
	for w := 0; w < 2; w++ {
		req := &Request{Worker: w, Headers: [][2]string{{"x-on-request-headers", "define 0 requests; incr 4 1"}}}
		_, err := h.Do(testCtx(t), req, nil)
		require.NoError(t, err)
	}
	got, ok := h.Metric("requests")
	require.True(t, ok)
	require.Equal(t, uint64(2), got)
	_, ok = h.Metric("absent")
	require.False(t, ok)
}
