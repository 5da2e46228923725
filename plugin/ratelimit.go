package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// reasonRateLimited is the Decision.Reason of a request that a rate limit
// rule denied.
const reasonRateLimited = "rate_limited"

// sharedDataStore keeps rate limit state in the proxy's shared data, which
// every worker VM with the same vm_id reads (proxy_get_shared_data and
// proxy_set_shared_data).
type sharedDataStore struct{}

func (sharedDataStore) Get(key string) ([]byte, uint32, error) {
	return (*limiterStore)(nil).Get(key)
}

func (sharedDataStore) Set(key string, value []byte, cas uint32) error {
	return (*limiterStore)(nil).Set(key, value, cas)
}

// limiterStore is sharedDataStore for the rate limiter's hot path, with
// its methods in ratelimit_wasip1.go and ratelimit_other.go. Its methods
// have pointer receivers, so that a call through the Store interface does
// not go through the wrapper that the compiler generates for a value
// receiver.
type limiterStore struct{}

var _ ratelimit.BufferStore = (*limiterStore)(nil)

// newLimiter returns the limiter of cfg's rate limit rules, nil when there
// are none, and creates the rules' shared-data slots. Time is the WASI
// realtime clock, which Envoy (and the test host) provide.
func newLimiter(cfg *config.Config) *ratelimit.Limiter {
	if len(cfg.RateLimits.Rules) == 0 {
		return nil
	}

	limiter := ratelimit.New(&cfg.RateLimits, &limiterStore{}, wallClock)
	if err := limiter.Prepare(); err != nil {
		// Slots that were not created are created on first use, where a
		// race between workers can lose a few counts.
		proxywasm.LogWarnf("creating rate limit slots in shared data failed: %v", err)
	}
	proxywasm.LogInfof("rate limits loaded: rules=%d max_shared_data_bytes=%d",
		len(cfg.RateLimits.Rules), cfg.RateLimits.MaxBytes())
	return limiter
}

// limit applies the rate limit rules to a request that authentication let
// through, and turns the decision into the 429 reply when a rule denies it.
// The caller is the decision's caller id (an API key id or a JWT identity),
// and its tier the key's tier or the token's tier claim.
func (h *httpContext) limit(decision *filter.Decision, request *filter.Request) {
	if h.limiter == nil {
		return
	}

	req := ratelimit.Request{
		Route:     decision.Route,
		Identity:  decision.KeyID,
		Tier:      decision.Tier,
		Headers:   request.Headers,
		Path:      request.Path,
		RequestID: request.RequestID,
	}
	if h.limiter.UsesHeaderKeys() {
		// A header key part counts the value that goes upstream, as in
		// cluster_rate_limits: the filter sets the identity and claim
		// headers itself and drops the client's copies.
		req.Headers = upstreamHeaders(request.Headers, decision)
	}
	if h.limiter.NeedsClientIP() {
		// Check copies what it keeps of the address, and nothing reads
		// the peer scratch again before it returns.
		req.SourceAddress = peerAddressScratch()
	}

	result := h.limiter.Check(&req)
	if len(result.Failures) > 0 || len(result.ShadowExceeded) > 0 {
		// Skipped when there is nothing to log, because a call costs in
		// wasm even when it does nothing.
		logRateLimit(decision, &result)
		h.noteShadowRules(decision, result.ShadowExceeded)
	}
	h.ev.rule = result.Rule
	if result.Allow {
		h.rateHeaders = result.ResponseHeaders
		return
	}

	rateLimited(decision, result.Status, result.Code, result.Body, result.ReplyHeaders)
}

// rateLimited turns an allowed decision into the 429 reply of a rate limit
// rule, keeping the route and the caller for the event and the log.
func rateLimited(decision *filter.Decision, status int, code string, body []byte, headers [][2]string) {
	*decision = filter.Decision{
		Status:       status,
		Code:         code,
		Body:         body,
		ReplyHeaders: headers,
		Route:        decision.Route,
		KeyID:        decision.KeyID,
		Tier:         decision.Tier,
		Reason:       reasonRateLimited,
	}
}

// logRateLimit logs store failures and shadow rules over their limit. Key
// values are never logged, because a header or query key can be a secret.
func logRateLimit(decision *filter.Decision, result *ratelimit.Result) {
	for _, failure := range result.Failures {
		proxywasm.LogWarnf("rate limit rule %q: shared data failed, its failure_mode applies: %v",
			failure.Rule, failure.Err)
	}
	for _, rule := range result.ShadowExceeded {
		proxywasm.LogInfof("rate limit rule %q in shadow mode exceeded: route=%q key_id=%q",
			rule, decision.Route, decision.KeyID)
	}
}

// OnHttpResponseHeaders adds the decision headers and the rate limit
// headers of an allowed request to the upstream's response, and counts an
// upstream status that the brute-force protection counts.
func (h *httpContext) OnHttpResponseHeaders(numHeaders int, endOfStream bool) types.Action {
	h.countUpstreamStatus()
	h.addDecisionHeaders()
	for _, header := range h.rateHeaders {
		if err := proxywasm.AddHttpResponseHeader(header[0], header[1]); err != nil {
			proxywasm.LogDebugf("adding response header %q failed: %v", header[0], err)
		}
	}
	return types.ActionContinue
}
