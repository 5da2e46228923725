package main

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// propertyDecision is the filter-state property that the filter sets on
// every request, so that access logs can print the decision with
// %FILTER_STATE(wasm.bulwark_decision:PLAIN)%: "allow", or "deny:" and the
// reply's code. Access logs print the caller's key id from the identity
// header, for example %REQ(x-bulwark-client-id)%.
const propertyDecision = "bulwark_decision"

// httpContext handles one HTTP stream.
type httpContext struct {
	types.DefaultHttpContext

	engine *filter.Engine

	// limiter applies the rate limits; nil when none are configured.
	limiter *ratelimit.Limiter

	// rateHeaders are added to the response of an allowed request.
	rateHeaders [][2]string

	// inj carries the injection scan from the headers to the body phase.
	inj injectionState

	// jwks holds the request while remote key sets are fetched.
	jwks jwksStream

	// ev holds the request's facts for its event and metrics.
	ev eventState

	// cluster holds the request while the rate limit service decides it.
	cluster clusterState

	// bf holds the client address for the brute-force protection.
	bf bruteStream
}

// OnHttpRequestHeaders authenticates the request and either lets it continue,
// with the edits of the decision, or ends it with a local reply.
func (h *httpContext) OnHttpRequestHeaders(numHeaders int, endOfStream bool) (action types.Action) {
	defer h.recoverRequest(&action)
	if m := h.ev.sink.metricsOrNil(); m != nil && m.sampleTiming() {
		defer m.observeHeaders(time.Now())
	}

	headers, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		// The host always has request headers in this callback; without
		// them nothing can be verified, so the failure policy decides.
		proxywasm.LogErrorf("reading request headers failed: %v", err)
		return h.fail("")
	}

	request := filter.Request{Headers: headers}
	for _, header := range headers {
		switch header[0] {
		case ":method":
			request.Method = header[1]
		case ":path":
			request.Path = header[1]
		case "x-request-id":
			request.RequestID = header[1]
		}
	}

	h.noteRequest(&request)
	if h.rejectBanned(&request) {
		return types.ActionPause
	}
	decision := h.engine.Check(&request)
	if h.awaitKeys(&request, &decision, numHeaders, endOfStream) {
		return types.ActionPause
	}
	h.countAuthFailure(&decision)
	if decision.Allow {
		h.limit(&decision, &request)
	}
	if decision.Allow && h.clusterLimit(&decision, &request, headers, endOfStream) {
		return types.ActionPause
	}
	return h.finish(&decision, &request, headers, endOfStream)
}

// finish scans an allowed request for injections, records the decision and
// applies it: the request's edits, or the local reply.
func (h *httpContext) finish(decision *filter.Decision, request *filter.Request, headers [][2]string, endOfStream bool) types.Action {
	if decision.Allow {
		h.scanInjection(decision, request, headers, endOfStream)
	}
	h.record(decision)
	if !decision.Allow {
		return h.reply(decision)
	}
	return h.forward(decision, headers)
}

// forward applies the request edits of an allowed decision with as few
// hostcalls as it can: a header the request does not carry is not removed,
// and a header set to one value is replaced in one call.
func (h *httpContext) forward(decision *filter.Decision, headers [][2]string) types.Action {
	for _, name := range decision.RemoveHeaders {
		if countNames(decision.SetHeaders, name) == 1 || countNames(headers, name) == 0 {
			continue
		}
		if err := proxywasm.RemoveHttpRequestHeader(name); err != nil {
			proxywasm.LogErrorf("removing request header %q failed: %v", name, err)
			return h.fail("")
		}
	}

	for _, header := range decision.SetHeaders {
		set := proxywasm.AddHttpRequestHeader
		if countNames(decision.SetHeaders, header[0]) == 1 {
			set = proxywasm.ReplaceHttpRequestHeader
		}
		if err := set(header[0], header[1]); err != nil {
			proxywasm.LogErrorf("setting request header %q failed: %v", header[0], err)
			return h.fail("")
		}
	}

	if decision.NewPath != "" {
		if err := proxywasm.ReplaceHttpRequestHeader(":path", decision.NewPath); err != nil {
			proxywasm.LogErrorf("rewriting :path failed: %v", err)
			return h.fail("")
		}
	}
	return types.ActionContinue
}

// countNames counts the headers named name; names are lower-case on both
// sides, as Envoy delivers them and as the filter produces them.
func countNames(headers [][2]string, name string) int {
	n := 0
	for _, header := range headers {
		if header[0] == name {
			n++
		}
	}
	return n
}

// reply ends the request with the decision's local reply.
func (h *httpContext) reply(decision *filter.Decision) types.Action {
	if decision.TokenID != "" {
		// The token's own values, unverified and never the token itself.
		proxywasm.LogDebugf("denied status=%d code=%s reason=%s route=%q key_id=%q provider=%q kid=%q jti=%q token_id=%s",
			decision.Status, decision.Code, decision.Reason, decision.Route, decision.KeyID,
			decision.TokenProvider, decision.TokenKID, decision.TokenJTI, decision.TokenID)
	} else {
		proxywasm.LogDebugf("denied status=%d code=%s reason=%s route=%q key_id=%q",
			decision.Status, decision.Code, decision.Reason, decision.Route, decision.KeyID)
	}

	err := proxywasm.SendHttpResponse(uint32(decision.Status), h.replyHeaders(decision), decision.Body, -1)
	if err != nil {
		proxywasm.LogErrorf("sending the local reply failed: %v", err)
	}
	return types.ActionPause
}

// record publishes the decision as filter state for access logs, and to
// the event sinks.
func (h *httpContext) record(decision *filter.Decision) {
	h.observe(decision)
	value := "allow"
	if !decision.Allow {
		value = "deny:" + decision.Code
	}
	if err := setDecisionProperty(value); err != nil {
		proxywasm.LogDebugf("setting filter state %s failed: %v", propertyDecision, err)
	}
}

// fail applies the failure policy to a request that the filter could not
// process: fail_closed sends a 500 JSON reply, fail_open lets it through.
func (h *httpContext) fail(requestID string) types.Action {
	if h.engine != nil && h.engine.FailurePolicy() == config.FailOpen {
		proxywasm.LogWarn("failure_policy is fail_open: letting an unprocessed request through")
		return types.ActionContinue
	}

	decision := filter.InternalErrorDecision(requestID)
	h.observe(&decision)
	if err := setDecisionProperty("deny:" + decision.Code); err != nil {
		proxywasm.LogDebugf("setting filter state %s failed: %v", propertyDecision, err)
	}
	return h.reply(&decision)
}

// recoverRequest turns a panic in the request path into the failure policy's
// reply, so that one bad request never takes down the VM.
func (h *httpContext) recoverRequest(action *types.Action) {
	v := recover()
	if v == nil {
		return
	}
	proxywasm.LogCriticalf("recovered panic while processing request headers: %v", v)
	*action = h.fail("")
}
