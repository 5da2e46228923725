package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestResponseHeadersModes checks which responses carry the decision and
// the event id for each value of events.response_headers.
func TestResponseHeadersModes(t *testing.T) {
	tests := []struct {
		mode      string
		onDenied  bool
		onAllowed bool
	}{
		{mode: "none"},
		{mode: "denied", onDenied: true},
		{mode: "all", onDenied: true, onAllowed: true},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			h, _ := startHost(t, withEvents(t, authConfig(), map[string]any{"response_headers": tc.mode}))

			denied := get(t, h, "/orders")
			require.Equal(t, 401, denied.Response.Status)
			decision, hasDecision := header(denied.Response.Headers, "x-bulwark-decision")
			id, hasID := header(denied.Response.Headers, "x-bulwark-event-id")
			require.Equal(t, tc.onDenied, hasDecision)
			require.Equal(t, tc.onDenied, hasID)
			if tc.onDenied {
				require.Equal(t, "deny:missing_credential", decision)
				require.Equal(t, string(denied.FilterState["wasm.bulwark_event_id"]), id)
				require.Equal(t, "ApiKey realm=\"bulwark\"", denied.Response.Header("www-authenticate"), "the reply keeps its own headers")
			}

			allowed := get(t, h, "/orders", [2]string{"x-api-key", keyReader.Key})
			require.Equal(t, 200, allowed.Response.Status)
			decision, hasDecision = header(allowed.Response.Headers, "x-bulwark-decision")
			require.Equal(t, tc.onAllowed, hasDecision)
			if tc.onAllowed {
				require.Equal(t, "allow", decision)
			}
			_, hasID = header(allowed.Response.Headers, "x-bulwark-event-id")
			require.False(t, hasID, "a plain pass has no event")

			// A second denial must not inherit the first one's headers.
			again := get(t, h, "/orders")
			require.Len(t, headerValues(again.Response.Headers, "x-bulwark-decision"), boolCount(tc.onDenied))
		})
	}
}

func boolCount(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestResponseHeadersLoggedEvent checks that an allowed request with a
// logged event (injection in detect mode) carries that event's id when
// response_headers is "all".
func TestResponseHeadersLoggedEvent(t *testing.T) {
	h, _ := startHost(t, withEvents(t, injectionConfig, map[string]any{"response_headers": "all"}))

	result := sendWithBody(t, h, "POST", "/notes", "application/json", `{"text": "<script>alert(1)</script>"}`)
	require.Equal(t, 200, result.Response.Status)
	require.Equal(t, "allow", result.Response.Header("x-bulwark-decision"))
	events := eventsLogged(t, h)
	require.Len(t, events, 1)
	require.Equal(t, events[0].Event["event_id"], result.Response.Header("x-bulwark-event-id"))
}

// TestJWKSFailureEvent checks that a failing JWKS fetch emits one
// dependency_failure event per failure streak and counts failed callouts.
func TestJWKSFailureEvent(t *testing.T) {
	server := newJWKSServer(t, rotationKeys()[0])
	server.setStatus(500)
	h := startRemoteHost(t, server, "0s")
	waitIdle(t, h)
	advance(t, h, 30*time.Second)
	require.GreaterOrEqual(t, server.count(), 3, "failed fetches are retried")

	var failures []map[string]any
	for _, e := range eventsLogged(t, h) {
		if e.Event["type"] == "dependency_failure" {
			failures = append(failures, e.Event)
		}
	}
	require.Len(t, failures, 1, "one event per failure streak")
	require.Equal(t, "jwks_fetch_failed", failures[0]["reason"])
	require.Equal(t, "logged", failures[0]["action"])
	require.Equal(t, map[string]any{"provider": "idp", "document": "JWKS", "cluster": "idp", "status": 500.0}, failures[0]["details"])

	// The next retry is 10 s away, so this second only sends the counts.
	fetches := server.count()
	advance(t, h, time.Second)
	require.Equal(t, fetches, server.count())
	require.Equal(t, uint64(fetches), metric(t, h, "bulwark_callout_failures.cluster.idp"))
	require.Equal(t, uint64(1), metric(t, h, "bulwark_events.type.dependency_failure"))
}

// TestCacheMetrics checks the API key cache counters after a repeated key.
func TestCacheMetrics(t *testing.T) {
	h, _ := startHost(t, authConfig())
	for range 3 {
		require.Equal(t, 200, sendOn(t, h, 0, "/orders", [2]string{"x-api-key", keyReader.Key}).Response.Status)
	}
	sendOn(t, h, 0, "/orders", [2]string{"x-api-key", mintKey("unknown").Key})
	require.NoError(t, h.Advance(time.Second))

	require.Equal(t, uint64(2), metric(t, h, "bulwark_cache_hits.cache.api_key"))
	require.Equal(t, uint64(2), metric(t, h, "bulwark_cache_misses.cache.api_key"))
	require.Zero(t, metric(t, h, "bulwark_cache_hits.cache.jwt"))
	require.Zero(t, metric(t, h, "bulwark_cache_misses.cache.jwt"))
}
