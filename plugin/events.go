package main

import (
	"time"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/event"
	"github.com/bulwark-dev/bulwark/filter/inject"
)

// eventLogPrefix starts every event line in the proxy log, before the JSON
// event, so that operators can grep for it.
const eventLogPrefix = "bulwark_event "

// propertyEventID is the filter-state property that holds the id of the
// request's event, for access logs: %FILTER_STATE(wasm.bulwark_event_id:PLAIN)%.
const propertyEventID = "bulwark_event_id"

// Property paths, allocated once.
var (
	eventIDPath       = []string{propertyEventID}
	sourceAddressPath = []string{"source", "address"}
)

// eventSink sends the events of one plugin on one VM to the proxy log and
// the metrics.
type eventSink struct {
	log         bool
	minSeverity event.Severity
	metrics     *metrics

	// line is the buffer of the event lines, reused because a VM runs one
	// callback at a time.
	line []byte

	// otlp exports events to a collector; nil when it is not configured.
	otlp *otlpSink

	responseHeaders config.ResponseHeaders
}

// newEventSink returns the sink of cfg's events section and defines the
// metrics, with the cache counters of engine.
func newEventSink(cfg *config.Config, engine *filter.Engine) *eventSink {
	s := &eventSink{
		log:             cfg.Events.Log,
		minSeverity:     event.Severity(cfg.Events.LogMinSeverity),
		metrics:         newMetrics(cfg, engine),
		line:            make([]byte, 0, 1024),
		responseHeaders: cfg.Events.ResponseHeaders,
	}
	if cfg.Events.OTLP != nil {
		// The sink's own failures go to the log and the metrics only, so
		// that a collector that is down cannot feed itself events.
		s.otlp = newOTLPSink(cfg.Events.OTLP, s.metrics, func(e *event.Event) { s.publish(e, false) })
	}
	return s
}

// eventState is the per-request state of its event and its metrics.
type eventState struct {
	sink *eventSink

	method, path, requestID string

	// id is the event id that the injection reply already gave the
	// client, or "" to draw a new one.
	id string

	// emittedID is the id of the request's last event, for the response
	// headers.
	emittedID string

	// rule is the rate limit rule or the injection detector of the
	// decision.
	rule string

	// reason and allowed are the last recorded decision, counted when the
	// stream ends.
	reason  string
	allowed bool
}

// noteRequest keeps the request facts that a later event needs.
func (h *httpContext) noteRequest(request *filter.Request) {
	h.ev.method, h.ev.path, h.ev.requestID = request.Method, request.Path, request.RequestID
}

// noteInjection keeps the id and detector of an injection finding, and
// emits a logged event when detect mode lets the request through.
func (h *httpContext) noteInjection(eventID string, findings []inject.Finding, block bool, routeName, keyID string) {
	h.ev.id, h.ev.rule = eventID, findings[0].Rule
	if !block {
		var f event.Facts
		e := event.New(event.InjectionAttempt, event.High, event.Logged, h.facts(&f))
		e.Route, e.CallerID = routeName, keyID
		h.emit(&e)
	}
}

// noteShadowRules emits a logged event for each shadow rate limit rule that
// the request exceeded.
func (h *httpContext) noteShadowRules(decision *filter.Decision, rules []string) {
	for _, rule := range rules {
		var f event.Facts
		h.facts(&f)
		f.Rule = rule
		e := event.New(event.RateLimitExceeded, event.Low, event.Logged, &f)
		e.CallerID, e.Route = decision.KeyID, decision.Route
		h.emit(&e)
	}
}

// observe keeps the decision for the request counters and emits the event
// of a denial.
func (h *httpContext) observe(decision *filter.Decision) {
	h.ev.allowed, h.ev.reason = decision.Allow, decision.Reason
	if decision.Allow || h.ev.sink == nil {
		return
	}
	if decision.Reason == reasonRateLimited {
		h.ev.sink.metrics.countRuleHit(h.ev.rule)
	}
	var f event.Facts
	e, _ := event.Build(decision, h.facts(&f))
	h.emit(&e)
}

// countOutcome counts the request's last recorded decision once its stream
// ends, so that a request allowed on its headers and blocked on its body
// counts once, as denied.
func (h *httpContext) countOutcome() {
	if h.ev.sink == nil {
		return
	}
	if h.ev.reason == "" {
		// The stream ended before a decision, such as while it waited for
		// remote keys or for the rate limit service.
		h.ev.sink.metrics.countRequest(false, reasonUnfinished)
		return
	}
	h.ev.sink.metrics.countRequest(h.ev.allowed, h.ev.reason)
}

// reasonUnfinished counts the requests whose stream ended before the filter
// decided them.
const reasonUnfinished = "unfinished"

// facts returns the request facts of a new event, with the injection event
// id when there is one. The source address is read only here, on the path
// of an event.
func (h *httpContext) facts(f *event.Facts) *event.Facts {
	id := h.ev.id
	if id == "" {
		id = newEventID()
	}
	source, err := proxywasm.GetProperty(sourceAddressPath)
	if err != nil {
		proxywasm.LogDebugf("reading source.address failed: %v", err)
	}
	*f = event.Facts{
		Time:          time.Now(),
		ID:            id,
		SourceAddress: unsafe.String(unsafe.SliceData(source), len(source)),
		Method:        h.ev.method,
		Path:          h.ev.path,
		RequestID:     h.ev.requestID,
		Rule:          h.ev.rule,
	}
	return f
}

// emit sends e to every sink and publishes its id as filter state.
//
// NOTE: in the test host an event adds about 16 µs to a denied request
// without the log line and 40 µs with it (BENCHMARKS.md), and a low event's
// line is built even when the proxy drops debug lines.
func (h *httpContext) emit(e *event.Event) {
	sink := h.ev.sink
	if sink == nil {
		return
	}
	sink.publish(e, true)
	h.ev.emittedID = e.ID
	if err := proxywasm.SetProperty(eventIDPath, unsafe.Slice(unsafe.StringData(e.ID), len(e.ID))); err != nil {
		proxywasm.LogDebugf("setting filter state %s failed: %v", propertyEventID, err)
	}
}

// publish counts e, logs it at the level of its severity, and exports it
// when export is true and an OTLP sink is configured.
func (s *eventSink) publish(e *event.Event, export bool) {
	s.metrics.countEvent(e.Type)
	if s.log && e.Severity >= s.minSeverity {
		s.line = logEvent(s.line[:0], e)
	}
	if export && s.otlp != nil {
		s.otlp.add(e)
	}
}

// tick exports a due OTLP batch and sends the pending metrics.
func (s *eventSink) tick() {
	if s == nil {
		return
	}
	if s.otlp != nil {
		s.otlp.tick(time.Now())
	}
	s.metrics.tick()
}

// logEvent writes one event line, built in buf, and returns buf for reuse:
// low severity at debug, medium at info, high at warn and critical at
// error. The host copies the message during the call, so the line may point
// into buf.
func logEvent(buf []byte, e *event.Event) []byte {
	buf = append(buf, eventLogPrefix...)
	buf = e.AppendJSON(buf)
	line := unsafe.String(unsafe.SliceData(buf), len(buf))
	switch e.Severity {
	case event.Low:
		proxywasm.LogDebug(line)
	case event.Medium:
		proxywasm.LogInfo(line)
	case event.High:
		proxywasm.LogWarn(line)
	default:
		proxywasm.LogError(line)
	}
	return buf
}

// logConfigRejected writes the config_rejected event of a configuration
// that failed to parse. Its details hold only the number of errors; the
// errors themselves follow in the critical log line.
func logConfigRejected(err error) {
	count := int64(1)
	if errs, ok := err.(*config.Errors); ok {
		count = int64(len(errs.List))
	}
	e := event.New(event.ConfigRejected, event.Critical, event.Blocked, &event.Facts{
		Time:    time.Now(),
		ID:      newEventID(),
		Details: []event.Detail{event.Int("errors", count)},
	})
	logEvent(nil, &e)
}

// metricsOrNil returns the sink's metrics, nil when they are off.
func (s *eventSink) metricsOrNil() *metrics {
	if s == nil {
		return nil
	}
	return s.metrics
}
