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

// injectionState is the part of the headers phase that the body phase
// needs, because after on_request_headers returns Continue the host no
// longer returns the request headers.
type injectionState struct {
	config *config.Injection

	// policy is the route's policy; nil when the body is not scanned.
	policy      *inject.Policy
	contentType string
	requestID   string
	routeName   string
	keyID       string

	// done is set once the body was scanned or given up on, so that later
	// chunks pass straight through.
	done bool
}

// headerCache holds the header values in which the VM's policies found
// nothing, so that a User-Agent or Referer that repeats is scanned once.
// The VM runs one request at a time, so one cache serves all of them. 256
// slots of at most 512-byte values bound it at about 150 KiB.
var headerCache = inject.NewHeaderCache(256)

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
		findings = policy.ScanHeadersCached(headers, headerCache)
	}
	if len(findings) > 0 {
		eventID, block := judge(policy, findings, decision.Route, request.RequestID, decision.KeyID)
		h.noteInjection(eventID, findings, block, decision.Route, decision.KeyID)
		if block {
			*decision = injectionDecision(request.RequestID, decision.Route, decision.KeyID, eventID)
			return
		}
	}

	if endOfStream || policy.MaxBodyBytes == 0 {
		return
	}
	h.inj.policy = policy
	h.inj.requestID = request.RequestID
	h.inj.routeName = decision.Route
	h.inj.keyID = decision.KeyID
	for _, header := range headers {
		if header[0] == "content-type" {
			h.inj.contentType = header[1]
		}
	}
}

// OnHttpRequestBody buffers the request body (StopIterationAndBuffer, so
// each call receives everything so far) until the end of the stream or
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
		decision := bodyTooLargeDecision(h.inj.requestID, h.inj.routeName, h.inj.keyID, policy.MaxBodyBytes)
		h.record(&decision)
		return h.reply(&decision)
	}

	body, err := proxywasm.GetHttpRequestBody(0, min(bodySize, policy.MaxBodyBytes))
	if err != nil {
		proxywasm.LogErrorf("reading the request body failed: %v", err)
		return h.fail(h.inj.requestID)
	}

	findings := policy.ScanBody(h.inj.contentType, body)
	if len(findings) == 0 {
		return types.ActionContinue
	}
	eventID, block := judge(policy, findings, h.inj.routeName, h.inj.requestID, h.inj.keyID)
	h.noteInjection(eventID, findings, block, h.inj.routeName, h.inj.keyID)
	if !block {
		return types.ActionContinue
	}
	decision := injectionDecision(h.inj.requestID, h.inj.routeName, h.inj.keyID, eventID)
	h.record(&decision)
	return h.reply(&decision)
}

// judge logs every finding under one new event id, in block and detect
// mode alike, and reports whether the request must be blocked. Each line
// carries the event id, route, request id and key id, so that an event id
// from a client leads to its findings on any worker. Findings hold no
// request data besides parameter names, so they are safe to log.
func judge(policy *inject.Policy, findings []inject.Finding, routeName, requestID, keyID string) (eventID string, block bool) {
	eventID = newEventID()
	for _, f := range findings {
		proxywasm.LogWarnf("injection detected event_id=%s mode=%s route=%q request_id=%q key_id=%q %s",
			eventID, policy.Mode, routeName, requestID, keyID, f)
	}
	return eventID, policy.Mode == inject.Block
}

// newEventID returns 16 random hex digits.
func newEventID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// NOTE: crypto/rand on wasip1 reads random_get, which the host
		// always provides; an id is still useful without it.
		return "unavailable"
	}
	return hex.EncodeToString(b[:])
}

// injectionDecision is the 403 reply to a blocked request.
func injectionDecision(requestID, routeName, keyID, eventID string) filter.Decision {
	d := errorDecision(403, codeInjectionDetected, messageInjectionDetected, requestID, routeName, eventID)
	d.KeyID = keyID
	return d
}

func bodyTooLargeDecision(requestID, routeName, keyID string, limit int) filter.Decision {
	message := "The request body is larger than the maximum of " + strconv.Itoa(limit) + " bytes that can be checked."
	d := errorDecision(413, codeBodyTooLarge, message, requestID, routeName, "")
	d.KeyID = keyID
	return d
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
	if len(requestID) > filter.MaxRequestIDBytes {
		requestID = "" // as in the filter's own replies
	}
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
