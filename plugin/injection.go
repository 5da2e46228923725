package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/inject"
)

// Codes and messages of the injection replies.
const (
	codeInjectionDetected = "injection_detected"
	codeBodyTooLarge      = "body_too_large"

	messageInjectionDetected = "The request was rejected because it looks like an injection attack."
)

// injectionState is what the body phase needs from the headers phase:
// after on_request_headers returns Continue, the host no longer gives the
// request headers.
type injectionState struct {
	config *config.Injection

	// policy is the route's policy; nil when the body is not scanned.
	policy      *inject.Policy
	contentType string
	requestID   string
	routeName   string

	// done is set once the body was scanned or given up on, so that later
	// chunks pass straight through.
	done bool
}

// scanInjection scans the request target and headers of an allowed
// request. A finding in block mode turns the decision into a 403; in detect
// mode it is only logged. It arms the body phase when a body follows.
func (h *httpContext) scanInjection(decision *filter.Decision, request *filter.Request, headers [][2]string, endOfStream bool) {
	policy := h.inj.config.Policy(decision.Route)
	if policy == nil || policy.Disabled {
		return
	}

	findings := policy.ScanTarget(request.Path)
	if len(findings) == 0 {
		findings = policy.ScanHeaders(headers)
	}
	if len(findings) > 0 && h.judge(policy, findings, decision.Route, request.RequestID) {
		*decision = injectionDecision(request.RequestID, decision.Route, newEventID(findings))
		return
	}

	if endOfStream || policy.MaxBodyBytes == 0 {
		return
	}
	h.inj.policy = policy
	h.inj.requestID = request.RequestID
	h.inj.routeName = decision.Route
	for _, header := range headers {
		if header[0] == "content-type" {
			h.inj.contentType = header[1]
		}
	}
}

// OnHttpRequestBody buffers the request body (StopIterationAndBuffer, so
// each call sees everything so far) until the end of the stream or
// max_body_bytes, then scans it once.
func (h *httpContext) OnHttpRequestBody(bodySize int, endOfStream bool) (action types.Action) {
	defer h.recoverRequest(&action)

	policy := h.inj.policy
	if policy == nil || h.inj.done {
		return types.ActionContinue
	}
	oversize := bodySize > policy.MaxBodyBytes
	if !endOfStream && !oversize {
		return types.ActionPause
	}
	h.inj.done = true

	if oversize && policy.Oversize == inject.Reject {
		proxywasm.LogDebugf("request body over max_body_bytes=%d route=%q", policy.MaxBodyBytes, h.inj.routeName)
		decision := bodyTooLargeDecision(h.inj.requestID, h.inj.routeName, policy.MaxBodyBytes)
		h.record(&decision)
		return h.reply(&decision)
	}

	body, err := proxywasm.GetHttpRequestBody(0, min(bodySize, policy.MaxBodyBytes))
	if err != nil {
		proxywasm.LogErrorf("reading the request body failed: %v", err)
		return h.fail(h.inj.requestID)
	}

	findings := policy.ScanBody(h.inj.contentType, body)
	if len(findings) == 0 || !h.judge(policy, findings, h.inj.routeName, h.inj.requestID) {
		return types.ActionContinue
	}
	decision := injectionDecision(h.inj.requestID, h.inj.routeName, newEventID(findings))
	h.record(&decision)
	return h.reply(&decision)
}

// judge logs the findings and reports whether the request must be blocked.
// Findings hold no request data besides parameter names, so they are safe
// to log.
func (h *httpContext) judge(policy *inject.Policy, findings []inject.Finding, routeName, requestID string) bool {
	for _, f := range findings {
		proxywasm.LogWarnf("injection detected mode=%s route=%q request_id=%q %s", policy.Mode, routeName, requestID, f)
	}
	return policy.Mode == inject.Block
}

// newEventID returns 16 random hex digits that tie the reply to the log
// lines of the findings; the first finding's category is logged with it.
func newEventID(findings []inject.Finding) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// NOTE: crypto/rand on wasip1 reads random_get, which the host
		// always provides; an id is still useful without it.
		return "unavailable"
	}
	id := hex.EncodeToString(b[:])
	proxywasm.LogWarnf("injection blocked event_id=%s category=%s", id, findings[0].Category)
	return id
}

// injectionDecision is the 403 reply to a blocked request.
func injectionDecision(requestID, routeName, eventID string) filter.Decision {
	return errorDecision(403, codeInjectionDetected, messageInjectionDetected, requestID, routeName, eventID)
}

func bodyTooLargeDecision(requestID, routeName string, limit int) filter.Decision {
	message := "The request body is larger than the maximum of " + strconv.Itoa(limit) + " bytes that can be checked."
	return errorDecision(413, codeBodyTooLarge, message, requestID, routeName, "")
}

// replyBody is the JSON body of the injection replies: the fields of every
// local reply plus event_id.
type replyBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	EventID   string `json:"event_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// errorDecision builds a denial with the JSON body of every local reply,
// plus event_id when given.
func errorDecision(status int, code, message, requestID, routeName, eventID string) filter.Decision {
	body, err := json.Marshal(replyBody{Code: code, Message: message, EventID: eventID, RequestID: requestID})
	if err != nil {
		panic("BUG: encoding a reply body failed: " + err.Error())
	}
	return filter.Decision{
		Status:       status,
		Code:         code,
		Body:         body,
		ReplyHeaders: [][2]string{{"content-type", "application/json"}},
		Route:        routeName,
		Reason:       code,
	}
}
