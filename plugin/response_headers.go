package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
)

// Response headers that tell the client the decision and the event id
// when events.response_headers allows it.
const (
	headerDecision = "x-bulwark-decision"
	headerEventID  = "x-bulwark-event-id"
)

// replyHeaders returns the headers of the local reply of decision: its
// own, plus the decision and the event id unless events.response_headers
// is "none". The decision's headers are shared by every request, so they
// are copied, never appended to.
func (h *httpContext) replyHeaders(decision *filter.Decision) [][2]string {
	sink := h.ev.sink
	if sink == nil || sink.responseHeaders == config.ResponseHeadersNone {
		return decision.ReplyHeaders
	}
	headers := make([][2]string, 0, len(decision.ReplyHeaders)+2)
	headers = append(headers, decision.ReplyHeaders...)
	headers = append(headers, [2]string{headerDecision, "deny:" + decision.Code})
	if h.ev.emittedID != "" {
		headers = append(headers, [2]string{headerEventID, h.ev.emittedID})
	}
	return headers
}

// addDecisionHeaders sets the decision, and the id of a logged event, on
// the upstream's response to an allowed request when
// events.response_headers is "all". Local replies carry theirs already.
func (h *httpContext) addDecisionHeaders() {
	sink := h.ev.sink
	if sink == nil || sink.responseHeaders != config.ResponseHeadersAll || !h.ev.allowed {
		return
	}
	if err := proxywasm.ReplaceHttpResponseHeader(headerDecision, "allow"); err != nil {
		proxywasm.LogDebugf("setting response header %q failed: %v", headerDecision, err)
	}
	if h.ev.emittedID == "" {
		return
	}
	if err := proxywasm.ReplaceHttpResponseHeader(headerEventID, h.ev.emittedID); err != nil {
		proxywasm.LogDebugf("setting response header %q failed: %v", headerEventID, err)
	}
}
