package main

import (
	"strconv"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/event"
)

// Reasons of dropped events, the values of the reason tag of
// bulwark_events_dropped.
const (
	dropBufferFull  = "buffer_full" // the VM's buffer held max_buffer events
	dropTimeout     = "timeout"     // the export got no response within timeout (Envoy's 504)
	dropRejected    = "rejected"    // the collector returned a 4xx status, or rejected records in a partial success
	dropUnavailable = "unavailable" // no connection, a reset, a dispatch error or a 5xx other than 504
)

// dropReasons lists the reasons, for the metrics defined at start.
var dropReasons = []string{dropBufferFull, dropTimeout, dropRejected, dropUnavailable}

// expediteTickMillis is the tick period that brings the next tick forward
// when a full batch waits: a stream cannot export it itself, because the
// SDK drops the response of a callout whose stream ended first.
const expediteTickMillis = 1

// maxPartialSuccessBytes bounds the response body read for an OTLP partial
// success.
const maxPartialSuccessBytes = 64 << 10

// otlpSink buffers the encoded events of one plugin on one VM and exports
// them to an OTLP/HTTP collector, with at most one export in flight. A
// request only appends to the buffer, so the collector cannot delay or
// fail it. When the buffer is full, new events are dropped, and a failed
// export drops its batch without a retry. Both are counted in
// bulwark_events_dropped.
type otlpSink struct {
	cfg     *config.OTLP
	enc     *event.OTLPEncoder
	headers [][2]string
	metrics *metrics

	// records holds the encoded records, each followed by a comma; ends
	// holds the offset after each record's comma.
	records []byte
	ends    []int

	// body is the export request, reused from one export to the next.
	body []byte

	// inFlight is the number of records of the export in flight, 0 when
	// none is.
	inFlight int

	lastExport time.Time
	expedited  bool

	// failing is true from a failed export to the next successful one, so
	// that a failure is logged once per streak.
	failing bool

	// onFailure reports the first failure of a streak as a
	// dependency_failure event to the other sinks.
	onFailure func(e *event.Event)
}

// newOTLPSink returns the sink of cfg and arms the plugin's tick, which
// flushes it.
func newOTLPSink(cfg *config.OTLP, m *metrics, onFailure func(*event.Event)) *otlpSink {
	s := &otlpSink{
		cfg:        cfg,
		enc:        event.NewOTLPEncoder(cfg.ServiceName, cfg.ResourceAttributes),
		metrics:    m,
		records:    make([]byte, 0, 64<<10),
		ends:       make([]int, 0, cfg.BatchSize),
		lastExport: time.Now(),
		onFailure:  onFailure,
		headers: [][2]string{
			{":method", "POST"}, {":path", cfg.Path}, {":authority", cfg.Authority},
			{"content-type", "application/json"}, {"accept", "application/json"},
		},
	}
	for _, h := range cfg.Headers {
		s.headers = append(s.headers, [2]string{h.Name, h.Value.Reveal()})
	}
	s.setTickPeriod(uint32(baseTickPeriod / time.Millisecond))
	return s
}

// add encodes e into the buffer, or drops it when the buffer is full. A
// full batch brings the next tick forward, which exports it.
//
// NOTE: encoding a record costs about 35 µs inside wasm in the test host,
// against 3 µs natively (BENCHMARKS.md), so the sink roughly doubles the
// cost of a denied request's event.
func (s *otlpSink) add(e *event.Event) {
	if len(s.ends) >= s.cfg.MaxBuffer {
		s.metrics.countDropped(dropBufferFull, 1)
		return
	}
	s.records = s.enc.AppendRecord(s.records, e)
	s.records = append(s.records, ',')
	s.ends = append(s.ends, len(s.records))

	if len(s.ends) >= s.cfg.BatchSize && s.inFlight == 0 && !s.expedited {
		s.expedited = true
		s.setTickPeriod(expediteTickMillis)
	}
}

// tick runs in the root context on every plugin tick: it restores the
// tick period after an expedited tick, and exports a batch when one is
// full or flush_interval has passed since the last export.
func (s *otlpSink) tick(now time.Time) {
	if s.expedited {
		s.expedited = false
		s.setTickPeriod(uint32(baseTickPeriod / time.Millisecond))
	}
	if s.inFlight > 0 || len(s.ends) == 0 {
		return
	}
	if len(s.ends) >= s.cfg.BatchSize || now.Sub(s.lastExport) >= s.cfg.FlushInterval {
		s.export(now)
	}
}

// export sends the oldest batch_size records at most. It must run in the
// root context, so that the response reaches the sink.
func (s *otlpSink) export(now time.Time) {
	n := min(len(s.ends), s.cfg.BatchSize)
	end := s.ends[n-1]
	s.body = s.enc.AppendRequest(s.body[:0], s.records[:end-1])

	// The host copies the body during the call, so the records can go.
	s.records = s.records[:copy(s.records, s.records[end:])]
	s.ends = s.ends[:copy(s.ends, s.ends[n:])]
	for i := range s.ends {
		s.ends[i] -= end
	}
	s.lastExport = now

	timeout := uint32(s.cfg.Timeout / time.Millisecond)
	_, err := proxywasm.DispatchHttpCall(s.cfg.Cluster, s.headers, s.body, nil, timeout, s.response)
	if err != nil {
		proxywasm.LogDebugf("otlp: dispatching to cluster %q failed: %v", s.cfg.Cluster, err)
		s.fail(n, 0, dropUnavailable)
		return
	}
	s.inFlight = n
}

// response handles the collector's response to the export in flight and
// sends the next batch when one is already full.
func (s *otlpSink) response(numHeaders, bodySize, _ int) {
	defer func() {
		if v := recover(); v != nil {
			proxywasm.LogCriticalf("recovered panic in the OTLP export response: %v", v)
		}
	}()
	n := s.inFlight
	s.inFlight = 0
	status := calloutStatus(numHeaders)

	switch {
	case status >= 200 && status < 300:
		s.succeed(n, s.partialRejections(bodySize))
	case status == 504:
		s.fail(n, status, dropTimeout)
	case status >= 400 && status < 500:
		s.fail(n, status, dropRejected)
	default:
		s.fail(n, status, dropUnavailable)
	}

	if len(s.ends) >= s.cfg.BatchSize {
		s.export(time.Now())
	}
}

// partialRejections returns the rejectedLogRecords of an OTLP partial
// success (ExportLogsPartialSuccess), 0 for a full success.
func (s *otlpSink) partialRejections(bodySize int) int {
	if bodySize == 0 || bodySize > maxPartialSuccessBytes {
		return 0
	}
	body, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		return 0
	}
	return int(gjson.GetBytes(body, "partialSuccess.rejectedLogRecords").Int())
}

// succeed counts an export that the collector accepted, and logs the end
// of a failure streak.
func (s *otlpSink) succeed(n, rejected int) {
	rejected = min(max(rejected, 0), n)
	s.metrics.countExported(n - rejected)
	if rejected > 0 {
		s.metrics.countDropped(dropRejected, rejected)
		proxywasm.LogDebugf("otlp: the collector rejected %d of %d records", rejected, n)
	}
	if s.failing {
		s.failing = false
		proxywasm.LogInfof("otlp: exporting events to cluster %q works again", s.cfg.Cluster)
	}
}

// fail drops a batch of n records. The first failure of a streak is a
// warning and a dependency_failure event; later ones are debug lines.
func (s *otlpSink) fail(n, status int, reason string) {
	s.metrics.countDropped(reason, n)
	s.metrics.countCalloutFailure(s.cfg.Cluster)
	if s.failing {
		proxywasm.LogDebugf("otlp: exporting %d events to cluster %q failed again: status=%d reason=%s", n, s.cfg.Cluster, status, reason)
		return
	}
	s.failing = true
	proxywasm.LogWarnf("otlp: exporting %d events to cluster %q failed, dropping them; later failures are logged at debug until an export succeeds: status=%d reason=%s",
		n, s.cfg.Cluster, status, reason)
	if s.onFailure != nil {
		e := event.New(event.DependencyFailure, event.High, event.Logged, &event.Facts{
			Time: time.Now(),
			ID:   newEventID(),
			Details: []event.Detail{
				event.String("sink", "otlp"), event.String("cluster", s.cfg.Cluster),
				event.Int("status", int64(status)), event.Int("dropped", int64(n)),
			},
		})
		e.Reason = "export_" + reason
		s.onFailure(&e)
	}
}

// setTickPeriod sets the tick period of the plugin, which the metrics and
// the remote key sets share.
func (s *otlpSink) setTickPeriod(ms uint32) {
	if err := proxywasm.SetTickPeriodMilliSeconds(ms); err != nil {
		proxywasm.LogWarnf("otlp: setting the tick period to %d ms failed: %v", ms, err)
	}
}

// calloutStatus returns the :status of a callout response, or 0 when the
// callout failed before a response.
func calloutStatus(numHeaders int) int {
	if numHeaders == 0 {
		return 0
	}
	headers, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		return 0
	}
	for _, h := range headers {
		if h[0] == ":status" {
			status, _ := strconv.Atoi(h[1])
			return status
		}
	}
	return 0
}
