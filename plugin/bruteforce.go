package main

import (
	"strconv"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/bruteforce"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/event"
	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// reasonBanned is the Decision.Reason of a request rejected because its
// client address is banned.
const reasonBanned = "banned"

// Metric names of the brute-force protection.
const (
	metricBruteForceBans     = "bulwark_brute_force_bans"
	metricBruteForceRejected = "bulwark_brute_force_rejected"
)

// bruteGuard is the brute-force protection of one plugin on one VM.
type bruteGuard struct {
	guard *bruteforce.Guard

	// bans counts the bans this VM started, and rejected the requests it
	// rejected under a ban. Both are nil when metrics are off.
	bans, rejected *counter
	metrics        *metrics
}

// bruteStream is the per-request state of the brute-force protection.
type bruteStream struct {
	guard  *bruteGuard
	client bruteforce.Client

	// keyID is the authenticated caller, for an upstream 401 or 403.
	keyID string
}

// newBruteGuard returns the brute-force protection of cfg, nil when the
// section is absent, and creates its shared-data slots.
func newBruteGuard(cfg *config.Config, m *metrics) *bruteGuard {
	if cfg.BruteForce == nil {
		return nil
	}

	g := &bruteGuard{
		guard:   bruteforce.New(cfg.BruteForce, &cfg.RateLimits.ClientIP, &limiterStore{}, wallClock),
		metrics: m,
	}
	if m != nil {
		g.bans, g.rejected = m.define(metricBruteForceBans), m.define(metricBruteForceRejected)
	}
	if err := g.guard.Prepare(); err != nil {
		// A slot that was not created is created on first use, where a
		// race between workers can lose a few counts.
		proxywasm.LogWarnf("creating brute-force slots in shared data failed: %v", err)
	}
	proxywasm.LogInfof("brute-force protection loaded: max_keys=%d max_shared_data_bytes=%d",
		cfg.BruteForce.MaxKeys, g.guard.MaxBytes())
	return g
}

// rejectBanned finds the client address and, when it is banned, ends the
// request with the ban reply. It runs before authentication, so that a
// banned client costs one shared-data read. A store failure lets the
// request through to authentication, with a warning.
func (h *httpContext) rejectBanned(request *filter.Request) bool {
	g := h.bf.guard
	if g == nil {
		return false
	}

	h.bf.client = g.guard.Client(peerAddress(), request.Headers)
	ban, banned, err := g.guard.Check(&h.bf.client)
	if err != nil {
		proxywasm.LogWarnf("brute force: reading the ban from shared data failed, the request goes on: %v", err)
	}
	if !banned {
		return false
	}

	reply := g.guard.Reply(ban, request.RequestID)
	decision := filter.Decision{
		Status:       reply.Status,
		Code:         bruteforce.CodeBanned,
		Body:         reply.Body,
		ReplyHeaders: reply.Headers,
		Reason:       reasonBanned,
	}
	g.count(g.rejected)
	h.record(&decision)
	h.reply(&decision)
	return true
}

// countAuthFailure counts a request that authentication rejected with 401,
// except for a missing credential, which guesses nothing.
func (h *httpContext) countAuthFailure(decision *filter.Decision) {
	if h.bf.guard == nil {
		return
	}
	if decision.Allow {
		h.bf.keyID = decision.KeyID
		return
	}
	if decision.Status != 401 || decision.Code == filter.CodeMissingCredential || decision.Code == jwt.CodeMissingToken {
		return
	}
	h.countFailure(decision.ClaimedID, decision.Route, decision.KeyID)
}

// countUpstreamStatus counts an upstream response whose status the
// configuration lists, such as the upstream's own 401. The filter's own
// local replies pass this callback too. They are not upstream responses, so
// only a request that the filter let through is counted.
func (h *httpContext) countUpstreamStatus() {
	g := h.bf.guard
	if g == nil || len(g.guard.Config().CountUpstream) == 0 || !h.bf.client.Found || !h.ev.allowed {
		return
	}
	value, err := proxywasm.GetHttpResponseHeader(":status")
	if err != nil {
		return
	}
	status, err := strconv.Atoi(value)
	if err != nil || !g.guard.Config().CountsUpstream(status) {
		return
	}

	claimed := ""
	if h.bf.keyID != "" {
		claimed = bruteforce.ClaimedKeyID(h.bf.keyID)
	}
	h.countFailure(claimed, "", h.bf.keyID)
}

// countFailure counts one failure and, when it started a ban, emits the
// ban's brute_force_attack event.
func (h *httpContext) countFailure(claimed, routeName, keyID string) {
	g := h.bf.guard
	trip, err := g.guard.Fail(&h.bf.client, claimed)
	if err != nil {
		proxywasm.LogWarnf("brute force: counting a failure in shared data failed: %v", err)
		return
	}
	if !trip.Started {
		return
	}

	g.count(g.bans)
	proxywasm.LogInfof("brute force: banned client=%s threshold=%s count=%d ban_seconds=%d",
		h.bf.client.Network, trip.Threshold, trip.Count, int64(trip.Duration/time.Second))
	var f event.Facts
	h.facts(&f)
	f.Details = []event.Detail{
		event.String("client", h.bf.client.Network.String()),
		event.String("threshold", trip.Threshold),
		event.Int("count", trip.Count),
		event.Int("ban_seconds", int64(trip.Duration/time.Second)),
	}
	e := event.New(event.BruteForceAttack, event.High, event.Banned, &f)
	e.Route, e.CallerID, e.Reason = routeName, keyID, "ban_started"
	h.emit(&e)
}

// count adds one to c when metrics are on.
func (g *bruteGuard) count(c *counter) {
	if c != nil {
		g.metrics.add(c)
	}
}
