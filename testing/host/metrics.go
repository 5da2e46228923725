package host

import (
	"sort"
	"sync"
)

// Metric types of proxy_define_metric.
const (
	metricCounter   = 0
	metricGauge     = 1
	metricHistogram = 2
)

// maxHistogramSamples bounds the samples kept per histogram; the oldest
// half is dropped when it is reached, and Count keeps the full count.
const maxHistogramSamples = 1 << 16

// metricStore holds the process-wide stats, shared by every worker and keyed
// by type and name, as Envoy's "wasmcustom.<name>" stats are.
type metricStore struct {
	mu     sync.Mutex
	byName [3]map[string]*metric
}

type metric struct {
	kind    uint32
	name    string
	value   uint64
	samples []uint64
	count   uint64
}

func (s *metricStore) init() {
	for i := range s.byName {
		s.byName[i] = map[string]*metric{}
	}
}

// MetricValue is a snapshot of one metric.
type MetricValue struct {
	// Type is "counter", "gauge" or "histogram".
	Type string
	// Value is the counter or gauge value; for a histogram, the number of
	// samples recorded.
	Value uint64
}

var metricTypeNames = [3]string{"counter", "gauge", "histogram"}

func hostDefineMetric(w *worker, p []uint64) Status {
	kind := u32(p[0])
	if kind > metricHistogram {
		return StatusBadArgument
	}
	name, ok := w.readString(u32(p[1]), u32(p[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("type=%s name=%q", metricTypeNames[kind], name)
	}
	s := &w.host.metrics
	s.mu.Lock()
	m := s.byName[kind][name]
	if m == nil {
		m = &metric{kind: kind, name: name}
		s.byName[kind][name] = m
	}
	s.mu.Unlock()
	// Ids per VM: counters 4, 8, …; gauges 5, 9, …; histograms 6, 10, … (the
	// low two bits are the type).
	w.metricCounter[kind]++
	id := w.metricCounter[kind]*4 + kind
	w.metricIDs[id] = m
	if !w.mem.WriteUint32Le(u32(p[3]), id) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

func hostIncrementMetric(w *worker, p []uint64) Status {
	id, delta := u32(p[0]), int64(p[1])
	m := w.metricIDs[id]
	if m == nil {
		return StatusNotFound
	}
	s := &w.host.metrics
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.kind {
	case metricCounter:
		if delta <= 0 {
			return StatusBadArgument
		}
		m.value += uint64(delta)
	case metricGauge:
		m.value += uint64(delta) // a negative delta subtracts; underflow wraps
	default:
		return StatusBadArgument
	}
	return StatusOK
}

func hostRecordMetric(w *worker, p []uint64) Status {
	id, value := u32(p[0]), p[1]
	m := w.metricIDs[id]
	if m == nil {
		return StatusNotFound
	}
	s := &w.host.metrics
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.kind {
	case metricCounter:
		m.value += value // Envoy adds on a counter
	case metricGauge:
		m.value = value
	default:
		if len(m.samples) >= maxHistogramSamples {
			m.samples = append(m.samples[:0], m.samples[len(m.samples)/2:]...)
		}
		m.samples = append(m.samples, value)
		m.count++
	}
	return StatusOK
}

func hostGetMetric(w *worker, p []uint64) Status {
	m := w.metricIDs[u32(p[0])]
	if m == nil {
		return StatusNotFound
	}
	if m.kind == metricHistogram {
		return StatusBadArgument
	}
	s := &w.host.metrics
	s.mu.Lock()
	value := m.value
	s.mu.Unlock()
	if !w.mem.WriteUint64Le(u32(p[1]), value) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// Metric returns the value of the counter or gauge the module defined as
// name (Envoy shows it as "wasmcustom.<name>").
func (h *Host) Metric(name string) (value uint64, ok bool) {
	s := &h.metrics
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, kind := range [...]int{metricCounter, metricGauge} {
		if m := s.byName[kind][name]; m != nil {
			return m.value, true
		}
	}
	return 0, false
}

// HistogramSamples returns the samples recorded in histogram name, oldest
// first (at most the last 65536).
func (h *Host) HistogramSamples(name string) []uint64 {
	s := &h.metrics
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.byName[metricHistogram][name]; m != nil {
		return append([]uint64(nil), m.samples...)
	}
	return nil
}

// Metrics returns a snapshot of every metric, by name.
func (h *Host) Metrics() map[string]MetricValue {
	s := &h.metrics
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]MetricValue{}
	for kind := len(s.byName) - 1; kind >= 0; kind-- {
		for name, m := range s.byName[kind] {
			v := m.value
			if m.kind == metricHistogram {
				v = m.count
			}
			out[name] = MetricValue{Type: metricTypeNames[kind], Value: v}
		}
	}
	return out
}

// MetricNames returns the names of every defined metric, sorted.
func (h *Host) MetricNames() []string {
	snapshot := h.Metrics()
	names := make([]string, 0, len(snapshot))
	for name := range snapshot {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
