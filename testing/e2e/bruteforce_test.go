package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// bruteConfig is authConfig with the given brute_force section and, when
// rateLimits is not nil, rate_limits section.
func bruteConfig(t testing.TB, bruteForce, rateLimits any) string {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(authConfig()), &doc))
	doc["brute_force"] = bruteForce
	if rateLimits != nil {
		doc["rate_limits"] = rateLimits
	}
	return mustJSON(doc)
}

// sendFrom sends GET /orders on worker from the peer source, with the
// upstream's response when upstream is not nil.
func sendFrom(t testing.TB, h *host.Host, worker int, source string, upstream host.Upstream, headers ...[2]string) *host.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result, err := h.Do(ctx, &host.Request{
		Worker: worker, Method: "GET", Path: "/orders", Authority: "api.example.com",
		Headers: headers, SourceAddress: source,
	}, upstream)
	require.NoError(t, err)
	return result.Response
}

// banEvents returns the logged brute_force_attack events with the given
// action.
func banEvents(t *testing.T, h *host.Host, action string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range eventsLogged(t, h) {
		if e.Event["type"] == "brute_force_attack" && e.Event["action"] == action {
			out = append(out, e.Event)
		}
	}
	return out
}

func requireBanReply(t *testing.T, resp *host.Response, status int, retryAfter string) {
	t.Helper()
	require.Equal(t, status, resp.Status)
	require.Equal(t, retryAfter, resp.Header("retry-after"))
	require.Equal(t, "application/json", resp.Header("content-type"))
	var body errorBody
	require.NoError(t, json.Unmarshal(resp.Body, &body), "body: %s", resp.Body)
	require.Equal(t, "too_many_failures", body.Code)
	require.NotEmpty(t, body.Message)
	require.NotEmpty(t, body.RequestID)
}

var readerKeyHeader = [2]string{"x-api-key", keyReader.Key}

// TestBruteForceBanAcrossWorkers spreads failures from one address over
// four workers at once. The ban starts at exactly the threshold and every
// worker rejects the address, while other addresses go on. One event
// reports the ban, and the ban lifts after ban_duration by the clock.
func TestBruteForceBanAcrossWorkers(t *testing.T) {
	const workers, threshold = 4, 12
	const attacker, bystander = "203.0.113.7:5000", "198.51.100.20:5000"
	h, clock := startRateHost(t, workers, bruteConfig(t, map[string]any{
		"window": "1m", "max_failures_per_ip": threshold, "ban_duration": "60s",
	}, nil))

	statuses := failConcurrently(t, h, workers, attacker, threshold-1)
	for i, status := range statuses {
		require.Equal(t, http.StatusUnauthorized, status, "failure %d", i+1)
	}
	require.Equal(t, http.StatusOK, sendFrom(t, h, 0, attacker, nil, readerKeyHeader).Status, "one failure below the threshold")
	require.Equal(t, http.StatusUnauthorized, sendFrom(t, h, 1, attacker, nil, [2]string{"x-api-key", mintKey("last").Key}).Status)

	for worker := range workers {
		requireBanReply(t, sendFrom(t, h, worker, attacker, nil, readerKeyHeader), http.StatusTooManyRequests, "60")
		require.Equal(t, http.StatusOK, sendFrom(t, h, worker, bystander, nil, readerKeyHeader).Status)
	}

	bans := banEvents(t, h, "banned")
	require.Len(t, bans, 1, "one event per ban")
	details := bans[0]["details"].(map[string]any)
	require.Equal(t, "max_failures_per_ip", details["threshold"])
	require.Equal(t, float64(threshold), details["count"])
	require.Equal(t, float64(60), details["ban_seconds"])
	require.Equal(t, "203.0.113.7/32", details["client"])
	require.Len(t, banEvents(t, h, "blocked"), workers, "each refusal is a low blocked event")

	clock.Advance(59 * time.Second)
	requireBanReply(t, sendFrom(t, h, 0, attacker, nil, readerKeyHeader), http.StatusTooManyRequests, "1")
	require.NoError(t, h.Advance(time.Second))
	for worker := range workers {
		require.Equal(t, http.StatusOK, sendFrom(t, h, worker, attacker, nil, readerKeyHeader).Status)
	}

	requireMetric(t, h, "bulwark_brute_force_bans", 1)
	requireMetric(t, h, "bulwark_brute_force_rejected", workers+1)
	requireMetric(t, h, "bulwark_requests.decision.denied.reason.banned", workers+1)

	// Workers racing past the threshold together start one ban.
	failConcurrently(t, h, workers, attacker, 3*threshold)
	require.Len(t, banEvents(t, h, "banned"), 2)
}

// failConcurrently sends n requests with distinct unknown keys from source,
// spread over the workers and concurrently, and returns their statuses.
func failConcurrently(t *testing.T, h *host.Host, workers int, source string, n int) []int {
	t.Helper()
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := [2]string{"x-api-key", mintKey(fmt.Sprintf("guess%d", i)).Key}
			statuses[i] = sendFrom(t, h, i%workers, source, nil, key).Status
		})
	}
	wg.Wait()
	return statuses
}

func requireMetric(t *testing.T, h *host.Host, name string, want uint64) {
	t.Helper()
	require.NoError(t, h.Advance(time.Second), "the tick sends pending metrics")
	got, ok := h.Metric(name)
	require.True(t, ok, name)
	require.Equal(t, want, got, name)
}

// TestBruteForceCredentialStuffing bans an address that tries many
// different keys, and not one that repeats one wrong key.
func TestBruteForceCredentialStuffing(t *testing.T) {
	const threshold = 4
	h, _ := startRateHost(t, 2, bruteConfig(t, map[string]any{
		"max_failures_per_ip": 1000, "max_identities_per_ip": threshold,
	}, nil))

	wrong := [2]string{"x-api-key", mintKey("typo").Key}
	for range 30 {
		require.Equal(t, http.StatusUnauthorized, sendFrom(t, h, host.AnyWorker, "192.0.2.10:1", nil, wrong).Status)
	}

	tried := 0
	for i := range 3 * threshold {
		key := [2]string{"x-api-key", mintKey(fmt.Sprintf("stuffed%d", i)).Key}
		if sendFrom(t, h, host.AnyWorker, "192.0.2.11:1", nil, key).Status == http.StatusTooManyRequests {
			break
		}
		tried++
	}
	// Linear counting over 64 bits trips at about the threshold: exactly
	// there unless two of these keys share a bit.
	require.GreaterOrEqual(t, tried, threshold)
	require.LessOrEqual(t, tried, threshold+2)

	bans := banEvents(t, h, "banned")
	require.Len(t, bans, 1)
	require.Equal(t, "max_identities_per_ip", bans[0]["details"].(map[string]any)["threshold"])
	require.Equal(t, http.StatusOK, sendFrom(t, h, 0, "192.0.2.10:1", nil, readerKeyHeader).Status)
}

// TestBruteForceTargetedIdentity bans the addresses that keep failing on
// one account from many addresses, not the account.
func TestBruteForceTargetedIdentity(t *testing.T) {
	h, _ := startRateHost(t, 2, bruteConfig(t, map[string]any{
		"max_failures_per_ip": 1000, "max_failures_per_identity": 3,
	}, nil))
	expired := [2]string{"x-api-key", keyExpired.Key}

	for i := range 4 {
		require.Equal(t, http.StatusUnauthorized, sendFrom(t, h, i%2, fmt.Sprintf("192.0.2.%d:1", 20+i), nil, expired).Status)
	}
	for i, want := range []int{200, 200, 429, 429} {
		got := sendFrom(t, h, 0, fmt.Sprintf("192.0.2.%d:1", 20+i), nil, readerKeyHeader).Status
		require.Equal(t, want, got, "address %d", i)
	}
	require.Len(t, banEvents(t, h, "banned"), 2)
}

// TestBruteForceCountsUpstream401 counts the upstream's 401 responses, and
// the filter's own 401 once, not again as a response.
func TestBruteForceCountsUpstream401(t *testing.T) {
	h, _ := startRateHost(t, 2, bruteConfig(t, map[string]any{
		"max_failures_per_ip": 3, "count_upstream": []int{401},
	}, nil))
	const source = "192.0.2.30:1"
	denied := func(*host.UpstreamRequest) *host.Response { return &host.Response{Status: 401} }
	unknown := [2]string{"x-api-key", mintKey("unknown").Key}

	require.Equal(t, 401, sendFrom(t, h, 0, source, denied, readerKeyHeader).Status)
	require.Equal(t, 401, sendFrom(t, h, 1, source, nil, unknown).Status)
	require.Equal(t, 200, sendFrom(t, h, 0, source, nil, readerKeyHeader).Status, "two failures so far")
	require.Equal(t, 401, sendFrom(t, h, 1, source, denied, readerKeyHeader).Status)
	require.Equal(t, 429, sendFrom(t, h, 0, source, nil, readerKeyHeader).Status)
}

// TestBruteForceExemptNetworks never counts an exempt address.
func TestBruteForceExemptNetworks(t *testing.T) {
	h, _ := startRateHost(t, 2, bruteConfig(t, map[string]any{
		"max_failures_per_ip": 2, "exempt": []string{"10.0.0.0/8"},
	}, nil))
	unknown := [2]string{"x-api-key", mintKey("unknown").Key}
	for range 10 {
		require.Equal(t, 401, sendFrom(t, h, host.AnyWorker, "10.1.2.3:1", nil, unknown).Status)
	}
	require.Equal(t, 200, sendFrom(t, h, 0, "10.1.2.3:1", nil, readerKeyHeader).Status)
	require.Empty(t, banEvents(t, h, "banned"))
}

// TestBruteForceForwardedClient bans the client that X-Forwarded-For
// names when rate_limits.client_ip trusts one hop, with status 403.
func TestBruteForceForwardedClient(t *testing.T) {
	h, _ := startRateHost(t, 2, bruteConfig(t, map[string]any{
		"max_failures_per_ip": 2, "status": 403, "ban_duration": "2m",
	}, map[string]any{"client_ip": map[string]any{"xff_trusted_hops": 1}}))
	const proxy = "127.0.0.1:1"
	unknown := [2]string{"x-api-key", mintKey("unknown").Key}
	attacker := [2]string{"x-forwarded-for", "198.51.100.9"}
	other := [2]string{"x-forwarded-for", "198.51.100.10"}

	sendFrom(t, h, 0, proxy, nil, unknown, attacker)
	sendFrom(t, h, 1, proxy, nil, unknown, attacker)
	requireBanReply(t, sendFrom(t, h, 0, proxy, nil, readerKeyHeader, attacker), http.StatusForbidden, "120")
	require.Equal(t, 200, sendFrom(t, h, 1, proxy, nil, readerKeyHeader, other).Status)
}

// TestBruteForceBoundedSharedData sends failures from many addresses: the
// shared data does not grow past what the plugin created at start.
func TestBruteForceBoundedSharedData(t *testing.T) {
	h, _ := startRateHost(t, 2, bruteConfig(t, map[string]any{
		"max_failures_per_ip": 2, "max_failures_per_identity": 5, "max_keys": 400,
	}, nil))
	before := h.SharedDataBytes()
	keys := 0
	for _, key := range h.SharedDataKeys() {
		if strings.HasPrefix(key, "bulwark/bf/") {
			keys++
		}
	}
	require.Equal(t, 2*100, keys, "two tables of 400 entries, 4 per slot")

	unknown := [2]string{"x-api-key", mintKey("unknown").Key}
	for i := range 600 {
		sendFrom(t, h, host.AnyWorker, fmt.Sprintf("100.64.%d.%d:1", i/250, i%250), nil, unknown)
	}
	require.Equal(t, before, h.SharedDataBytes())
	t.Logf("shared data: %d bytes for 2 tables of 400 entries", before)
}
