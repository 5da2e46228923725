package main

import (
	"crypto/rand"
	"encoding/binary"
	"slices"
	"strconv"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/clusterlimit"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/event"
)

// metricBreaker counts the transitions of the circuit breaker in front of
// the rate limit service, tagged by transition.
const metricBreaker = "bulwark_cluster_rate_limit_breaker"

// clusterLimits calls the rate limit service for one plugin on one VM.
type clusterLimits struct {
	limiter *clusterlimit.Limiter
	service clusterlimit.Service

	// headers and timeout are the same for every callout to the service.
	headers [][2]string
	timeout uint32

	// usesHeaders is set when a descriptor reads a request header, which
	// is then read as it goes upstream.
	usesHeaders bool

	metrics     *metrics
	transitions map[clusterlimit.Transition]*counter
}

// newClusterLimits returns nil when cfg has no cluster-wide rules. It
// creates the Async rules' slots and, with Async rules, makes the tick come
// at least every sync_interval.
func newClusterLimits(cfg *config.Config, m *metrics) *clusterLimits {
	crl := &cfg.ClusterRateLimits
	if len(crl.Rules) == 0 {
		return nil
	}

	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		proxywasm.LogWarnf("cluster rate limits: reading randomness failed, using the clock: %v", err)
		binary.BigEndian.PutUint64(seed[:], uint64(time.Now().UnixNano()))
	}
	c := &clusterLimits{
		limiter: clusterlimit.New(crl, &limiterStore{}, wallClock, binary.BigEndian.Uint64(seed[:])),
		service: crl.Service,
		headers: [][2]string{
			{":method", "POST"}, {":path", crl.Service.Path}, {":authority", crl.Service.Authority},
			{"content-type", "application/json"},
		},
		timeout:     uint32(crl.Service.Timeout / time.Millisecond),
		metrics:     m,
		transitions: map[clusterlimit.Transition]*counter{},
	}
	for _, r := range crl.Rules {
		for _, e := range r.Entries {
			c.usesHeaders = c.usesHeaders || e.Source == clusterlimit.FromHeader
		}
	}
	if m != nil {
		for _, t := range []clusterlimit.Transition{clusterlimit.Opened, clusterlimit.Reopened, clusterlimit.Closed} {
			c.transitions[t] = m.define(metricBreaker + ".transition." + t.String())
		}
	}

	if err := c.limiter.Prepare(); err != nil {
		proxywasm.LogWarnf("cluster rate limits: creating slots in shared data failed: %v", err)
	}
	if c.limiter.HasAsync() {
		if err := shortenTickPeriod(crl.SyncInterval); err != nil {
			proxywasm.LogErrorf("cluster rate limits: setting the tick period failed; async hits are not reported: %v", err)
		}
	}
	proxywasm.LogInfof("cluster rate limits loaded: rules=%d domain=%q cluster=%q max_shared_data_bytes=%d",
		len(crl.Rules), crl.Domain, crl.Service.Cluster, c.limiter.MaxBytes())
	return c
}

// clusterState is a request's progress through the cluster-wide rules.
type clusterState struct {
	limits *clusterLimits

	// The request and its decision, kept while the request waits for the
	// service's verdict.
	pending  *clusterlimit.Pending
	decision filter.Decision
	request  filter.Request
	headers  [][2]string
	eos      bool
}

// clusterLimit applies the cluster-wide rules to an allowed request. It
// returns true when the request waits for the service, whose response then
// finishes it.
func (h *httpContext) clusterLimit(decision *filter.Decision, request *filter.Request, headers [][2]string, endOfStream bool) bool {
	c := h.cluster.limits
	if c == nil {
		return false
	}

	req := clusterlimit.Request{
		Route:     decision.Route,
		Identity:  decision.KeyID,
		Tier:      decision.Tier,
		Method:    request.Method,
		Headers:   request.Headers,
		Path:      request.Path,
		RequestID: request.RequestID,
	}
	if c.usesHeaders {
		req.Headers = upstreamHeaders(request.Headers, decision)
	}
	if c.limiter.NeedsClientIP() {
		req.SourceAddress = peerAddress()
	}

	result, pending := c.limiter.Check(&req)
	if pending == nil {
		h.applyCluster(decision, &result)
		return false
	}

	_, err := proxywasm.DispatchHttpCall(c.service.Cluster, c.headers, pending.Body, nil, c.timeout, h.clusterAnswer)
	if err != nil {
		// Envoy refuses a callout at once when the cluster does not exist.
		proxywasm.LogDebugf("cluster rate limits: dispatching to cluster %q failed: %v", c.service.Cluster, err)
		result = c.limiter.Resolve(pending, clusterlimit.Answer{Refused: true})
		h.applyCluster(decision, &result)
		return false
	}

	h.cluster.pending = pending
	h.cluster.decision, h.cluster.request = *decision, *request
	h.cluster.headers, h.cluster.eos = headers, endOfStream
	return true
}

// clusterAnswer receives the service's response for a waiting request,
// decides the request, and resumes it or sends the local reply.
func (h *httpContext) clusterAnswer(numHeaders, bodySize, numTrailers int) {
	defer func() {
		if v := recover(); v != nil {
			proxywasm.LogCriticalf("recovered panic while handling the rate limit service's response: %v", v)
			if h.fail(h.cluster.request.RequestID) == types.ActionContinue {
				_ = proxywasm.ResumeHttpRequest()
			}
		}
	}()

	result := h.cluster.limits.limiter.Resolve(h.cluster.pending, calloutAnswer(bodySize))
	h.cluster.pending = nil
	decision := &h.cluster.decision
	h.applyCluster(decision, &result)

	action := h.finish(decision, &h.cluster.request, h.cluster.headers, h.cluster.eos)
	if action == types.ActionContinue {
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogErrorf("cluster rate limits: resuming the request failed: %v", err)
		}
	}
}

// applyCluster logs the result's failures and breaker change, and turns
// the decision into the 429 reply when a rule denied the request.
func (h *httpContext) applyCluster(decision *filter.Decision, result *clusterlimit.Result) {
	h.cluster.limits.report(result)
	if result.Allow {
		if len(result.ResponseHeaders) > 0 {
			h.rateHeaders = result.ResponseHeaders
		}
		return
	}

	h.ev.rule = result.Rule
	// The local rules' headers were for the upstream's response. The 429
	// passes through OnHttpResponseHeaders too, and must describe only
	// the cluster-wide rule that denied it.
	h.rateHeaders = nil
	rateLimited(decision, result.Status, result.Code, result.Body, result.ReplyHeaders)
}

// report logs a result's service failure and breaker transition, and
// counts the transition. Transitions are reported by the one worker that
// made them, so each appears once whatever the traffic.
func (c *clusterLimits) report(result *clusterlimit.Result) {
	switch {
	case result.Err != nil && len(result.FailureMode) > 0:
		proxywasm.LogDebugf("cluster rate limits: %v; failure_mode applied for rules %q", result.Err, result.FailureMode)
	case result.Err != nil:
		proxywasm.LogDebugf("cluster rate limits: %v", result.Err)
	}
	if result.CalloutFailed {
		c.metrics.countCalloutFailure(c.service.Cluster)
	}
	switch result.Transition {
	case clusterlimit.Opened:
		proxywasm.LogWarnf("cluster rate limits: circuit breaker opened after %d failed callouts in a row, last: %v; rules follow their failure_mode for %s",
			c.limiter.Breaker().Failures, result.Err, c.limiter.Breaker().CoolDown)
	case clusterlimit.Reopened:
		proxywasm.LogWarnf("cluster rate limits: circuit breaker reopened: the probe failed: %v; rules follow their failure_mode for %s",
			result.Err, c.limiter.Breaker().CoolDown)
	case clusterlimit.Closed:
		proxywasm.LogInfo("cluster rate limits: circuit breaker closed: the rate limit service answers again")
	default:
		return
	}
	if counter := c.transitions[result.Transition]; counter != nil {
		c.metrics.add(counter)
	}
	if result.Transition != clusterlimit.Closed {
		c.logDependencyFailure(result)
	}
}

// logDependencyFailure writes the dependency_failure event of a breaker
// that opened, once per transition. Its details name the cluster and the
// last failure, which holds no descriptor value.
func (c *clusterLimits) logDependencyFailure(result *clusterlimit.Result) {
	details := []event.Detail{
		event.String("dependency", "rate_limit_service"),
		event.String("cluster", c.service.Cluster),
		event.String("breaker", result.Transition.String()),
	}
	if result.Err != nil {
		details = append(details, event.String("error", result.Err.Error()))
	}
	e := event.New(event.DependencyFailure, event.High, event.Logged, &event.Facts{
		Time:    time.Now(),
		ID:      newEventID(),
		Details: details,
	})
	logEvent(nil, &e)
	c.metrics.countEvent(event.DependencyFailure)
}

// tick reports the Async rules' hits when this VM holds the lease.
func (c *clusterLimits) tick() {
	if c == nil || !c.limiter.HasAsync() {
		return
	}
	for _, r := range c.limiter.Reports() {
		report := r
		_, err := proxywasm.DispatchHttpCall(c.service.Cluster, c.headers, report.Body, nil, c.timeout,
			func(numHeaders, bodySize, numTrailers int) {
				result := c.limiter.Reported(&report, calloutAnswer(bodySize))
				c.report(&result)
			})
		if err != nil {
			result := c.limiter.Reported(&report, clusterlimit.Answer{Refused: true})
			c.report(&result)
		}
	}
}

// calloutAnswer reads the response of the callout being delivered.
func calloutAnswer(bodySize int) clusterlimit.Answer {
	answer := clusterlimit.Answer{}
	if headers, err := proxywasm.GetHttpCallResponseHeaders(); err == nil {
		for _, header := range headers {
			if header[0] == ":status" {
				answer.Status, _ = strconv.Atoi(header[1])
			}
		}
	}
	if bodySize > 0 {
		answer.Body, _ = proxywasm.GetHttpCallResponseBody(0, bodySize)
	}
	return answer
}

// upstreamHeaders returns the request headers as they go upstream: without
// the headers the decision removes, with those it sets.
func upstreamHeaders(headers [][2]string, decision *filter.Decision) [][2]string {
	if len(decision.RemoveHeaders) == 0 && len(decision.SetHeaders) == 0 {
		return headers
	}
	out := make([][2]string, 0, len(headers)+len(decision.SetHeaders))
	for _, header := range headers {
		if !slices.Contains(decision.RemoveHeaders, header[0]) {
			out = append(out, header)
		}
	}
	return append(out, decision.SetHeaders...)
}
