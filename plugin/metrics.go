package main

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/event"
	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// Metric names. Each dotted pair after the first part is a tag name and its
// value, so that Envoy's stats_tags can turn them into labels (see
// docs/observability.md).
const (
	metricRequests      = "bulwark_requests"
	metricEvents        = "bulwark_events"
	metricRateLimitHits = "bulwark_rate_limit_hits"
	metricHeadersTime   = "bulwark_request_headers_duration_us"
)

// knownReasons are the reasons whose request counters are defined at start,
// so that the first request with one of them makes no extra hostcall.
// Other reasons get their counter on first use.
var knownReasons = []string{
	filter.ReasonPublicRoute, filter.ReasonAuthenticated, filter.ReasonNoCredential,
	filter.ReasonUnknownKey, filter.ReasonMissingScope, reasonRateLimited,
	"jwt_" + jwt.CodeMissingToken, "jwt_" + jwt.CodeBadSignature, "jwt_" + jwt.CodeExpired,
}

// timingSampleEvery makes one request in this many on each VM, starting
// with the first, record its processing time, which keeps the clock reads
// (WASI calls) off most requests.
const timingSampleEvery = 8

// flushEvery is the number of pending updates on one VM that makes the
// request that reaches it send them; the tick sends the rest.
const flushEvery = 64

// metricsTickPeriod is how often pending updates go to the host. It equals
// jwksTickPeriod, since a plugin has one tick period.
const metricsTickPeriod = time.Second

// counter is a counter metric and the increments not yet sent to the host.
type counter struct {
	id      proxywasm.MetricCounter
	pending uint64
}

// metrics is the set of one plugin's metrics on one VM. A request only adds
// to pending counts and samples in the VM's memory, and flush sends them with
// proxy_increment_metric and proxy_record_metric, at most flushEvery
// updates late and at most one tick late. That keeps metric hostcalls off
// most requests.
type metrics struct {
	allowed, denied map[string]*counter
	events          [event.NumTypes]*counter
	ruleHits        map[string]*counter
	all             []*counter

	// sinks holds the OTLP sink, callout and cache counters.
	sinks sinkMetrics

	headersTime proxywasm.MetricHistogram
	samples     []uint64
	updates     int
	timed       uint32
}

// newMetrics defines the metrics of cfg and starts the tick that flushes
// them, or returns nil when the configuration turns them off or the host
// refuses them: metrics never stop the filter from starting.
func newMetrics(cfg *config.Config, engine *filter.Engine) (m *metrics) {
	if !cfg.Events.Metrics {
		return nil
	}
	defer func() {
		if v := recover(); v != nil {
			proxywasm.LogWarnf("defining metrics failed, the filter runs without them: %v", v)
			m = nil
		}
	}()

	m = &metrics{
		allowed:     map[string]*counter{},
		denied:      map[string]*counter{},
		ruleHits:    map[string]*counter{},
		headersTime: proxywasm.DefineHistogramMetric(metricHeadersTime),
		samples:     make([]uint64, 0, flushEvery),
	}
	for _, reason := range knownReasons {
		m.requestCounter(true, reason)
		m.requestCounter(false, reason)
	}
	for _, t := range event.Types {
		m.events[t] = m.define(metricEvents + ".type." + t.String())
	}
	for _, rule := range cfg.RateLimits.Rules {
		m.ruleHits[rule.Name] = m.define(metricRateLimitHits + ".rule." + rule.Name)
	}
	for _, rule := range cfg.ClusterRateLimits.Rules {
		m.ruleHits[rule.Name] = m.define(metricRateLimitHits + ".rule." + rule.Name)
	}
	m.defineSinkMetrics(cfg, engine)
	if err := proxywasm.SetTickPeriodMilliSeconds(uint32(metricsTickPeriod / time.Millisecond)); err != nil {
		proxywasm.LogWarnf("setting the tick period failed, metrics are sent every %d updates only: %v", flushEvery, err)
	}
	return m
}

// define defines one counter.
func (m *metrics) define(name string) *counter {
	c := &counter{id: proxywasm.DefineCounterMetric(name)}
	m.all = append(m.all, c)
	return c
}

// requestCounter returns the request counter of a decision and reason,
// defining it on first use. Reasons come from the filter's code, so the
// set is bounded.
func (m *metrics) requestCounter(allowed bool, reason string) *counter {
	byReason, decision := m.denied, "denied"
	if allowed {
		byReason, decision = m.allowed, "allowed"
	}
	if c, ok := byReason[reason]; ok {
		return c
	}
	c := m.define(metricRequests + ".decision." + decision + ".reason." + reason)
	byReason[reason] = c
	return c
}

// add counts one update of c.
func (m *metrics) add(c *counter) {
	c.pending++
	m.updates++
	if m.updates >= flushEvery {
		m.flush()
	}
}

// flush sends the pending updates to the host.
func (m *metrics) flush() {
	if m == nil || m.updates == 0 {
		return
	}
	for _, c := range m.all {
		if c.pending > 0 {
			c.id.Increment(c.pending)
			c.pending = 0
		}
	}
	for _, v := range m.samples {
		m.headersTime.Record(v)
	}
	m.samples = m.samples[:0]
	m.updates = 0
}

// countRequest counts a request's final decision.
func (m *metrics) countRequest(allowed bool, reason string) {
	if m == nil || reason == "" {
		return
	}
	m.add(m.requestCounter(allowed, reason))
}

// countEvent counts an event by type.
func (m *metrics) countEvent(t event.Type) {
	if m == nil || int(t) >= len(m.events) {
		return
	}
	m.add(m.events[t])
}

// countRuleHit counts a request that the named rate limit rule denied.
func (m *metrics) countRuleHit(rule string) {
	if m == nil {
		return
	}
	if c, ok := m.ruleHits[rule]; ok {
		m.add(c)
	}
}

// sampleTiming reports whether this request's processing time is recorded.
func (m *metrics) sampleTiming() bool {
	m.timed++
	return m.timed%timingSampleEvery == 1
}

// observeHeaders records the time spent in on_request_headers since start,
// in microseconds.
func (m *metrics) observeHeaders(start time.Time) {
	if m == nil {
		return
	}
	m.samples = append(m.samples, uint64(time.Since(start).Microseconds()))
	m.updates++
	if m.updates >= flushEvery || len(m.samples) == cap(m.samples) {
		m.flush()
	}
}
