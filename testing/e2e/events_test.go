package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// loggedEvent is an event line of the proxy log, decoded.
type loggedEvent struct {
	Level host.LogLevel
	Event map[string]any
}

// eventsLogged returns the bulwark_event lines of the log, decoded.
func eventsLogged(t *testing.T, h *host.Host) []loggedEvent {
	t.Helper()
	var out []loggedEvent
	for _, entry := range h.Logs() {
		text, ok := strings.CutPrefix(entry.Message, "bulwark_event ")
		if !ok {
			continue
		}
		var e map[string]any
		require.NoError(t, json.Unmarshal([]byte(text), &e), "event line %q", entry.Message)
		out = append(out, loggedEvent{Level: entry.Level, Event: e})
	}
	return out
}

// TestEventPerDenial checks that each denial logs one event in the schema,
// at the level of its severity, and publishes its id as filter state.
func TestEventPerDenial(t *testing.T) {
	h, _ := startHost(t, authConfig())
	unknownKey := mintKey("unknown").Key

	tests := []struct {
		name    string
		path    string
		headers [][2]string
		typ     string
		level   host.LogLevel
		fields  map[string]any
	}{
		{"missing key", "/orders?page=2", nil, "auth_failure", host.LogDebug,
			map[string]any{"severity": "low", "reason": "no_credential", "code": "missing_credential", "status": 401.0}},
		{"unknown key", "/orders", [][2]string{{"x-api-key", unknownKey}}, "auth_failure", host.LogInfo,
			map[string]any{"severity": "medium", "reason": "unknown"}},
		{"missing scope", "/admin/users", [][2]string{{"x-api-key", keyReader.Key}}, "unauthorized_access", host.LogInfo,
			map[string]any{"severity": "medium", "caller_id": "reader", "route": "admin", "code": "insufficient_scope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(eventsLogged(t, h))
			headers := append([][2]string{{"x-request-id", "req-" + tc.typ}}, tc.headers...)
			result := get(t, h, tc.path, headers...)

			events := eventsLogged(t, h)[before:]
			require.Len(t, events, 1, "one event per denial")
			e := events[0]
			require.Equal(t, tc.level, e.Level)
			require.Equal(t, tc.typ, e.Event["type"])
			require.Equal(t, "blocked", e.Event["action"])
			require.Equal(t, "10.0.0.1", e.Event["source_ip"])
			require.Equal(t, "GET", e.Event["method"])
			require.Equal(t, strings.Split(tc.path, "?")[0], e.Event["path"], "the query never reaches an event")
			require.Equal(t, "req-"+tc.typ, e.Event["request_id"])
			for name, want := range tc.fields {
				require.Equal(t, want, e.Event[name], name)
			}
			_, err := time.Parse(time.RFC3339Nano, e.Event["time"].(string))
			require.NoError(t, err)
			require.Len(t, e.Event["event_id"], 16)
			require.Equal(t, e.Event["event_id"], string(result.FilterState["wasm.bulwark_event_id"]))
		})
	}

	// An allowed request has no event.
	before := len(eventsLogged(t, h))
	result := get(t, h, "/orders", [2]string{"x-api-key", keyReader.Key})
	require.Equal(t, 200, result.Response.Status)
	require.Len(t, eventsLogged(t, h), before)
	require.NotContains(t, result.FilterState, "wasm.bulwark_event_id")
	requireNoSecretLogged(t, h)
}

// TestEventReusesInjectionID checks that a blocked injection logs its event
// under the id of the reply, and that detect mode logs a "logged" event.
func TestEventReusesInjectionID(t *testing.T) {
	h, _ := startHost(t, injectionConfig)

	result := sendWithBody(t, h, "GET", "/search?q=1%27%20OR%20%271%27%3D%271", "", "")
	require.Equal(t, 403, result.Response.Status)
	reply := decodeInjectionReply(t, result)
	result = sendWithBody(t, h, "POST", "/notes", "application/json", `{"text": "<script>alert(1)</script>"}`)
	require.Equal(t, 200, result.Response.Status)

	events := eventsLogged(t, h)
	require.Len(t, events, 2)
	blocked, logged := events[0].Event, events[1].Event
	require.Equal(t, reply.EventID, blocked["event_id"])
	require.Equal(t, "injection_attempt", blocked["type"])
	require.Equal(t, "blocked", blocked["action"])
	require.Equal(t, host.LogWarn, events[0].Level)
	require.NotEmpty(t, blocked["rule"])
	require.Equal(t, "/search", blocked["path"])

	require.Equal(t, "injection_attempt", logged["type"])
	require.Equal(t, "logged", logged["action"])
	require.Equal(t, "notes", logged["route"])
	require.Equal(t, logged["event_id"], string(result.FilterState["wasm.bulwark_event_id"]))
}

// TestMetricsCountRequests checks the request, event, rule and timing
// metrics after a few requests on two workers, once the tick sent them.
func TestMetricsCountRequests(t *testing.T) {
	rule := map[string]any{"name": "burst", "algorithm": "token_bucket", "capacity": 3, "refill_per_second": 0.001, "key": []any{"identity"}}
	h, _ := startHost(t, rateConfig(t, map[string]any{"rules": []any{rule}}))

	for range 5 {
		get(t, h, "/orders", [2]string{"x-api-key", keyReader.Key})
	}
	get(t, h, "/orders")
	get(t, h, "/orders")
	get(t, h, "/healthz")

	_, ok := h.Metric("bulwark_requests.decision.allowed.reason.authenticated")
	require.True(t, ok, "metrics are defined at start")
	require.NoError(t, h.Advance(time.Second))

	want := map[string]uint64{
		"bulwark_requests.decision.allowed.reason.authenticated": 3,
		"bulwark_requests.decision.denied.reason.rate_limited":   2,
		"bulwark_requests.decision.denied.reason.no_credential":  2,
		"bulwark_requests.decision.allowed.reason.public_route":  1,
		"bulwark_events.type.rate_limit_exceeded":                2,
		"bulwark_events.type.auth_failure":                       2,
		"bulwark_events.type.injection_attempt":                  0,
		"bulwark_rate_limit_hits.rule.burst":                     2,
	}
	for name, n := range want {
		got, ok := h.Metric(name)
		require.True(t, ok, name)
		require.Equal(t, n, got, name)
	}
	// The first request of each worker, then one in eight, is timed.
	require.Len(t, h.HistogramSamples("bulwark_request_headers_duration_us"), 2)
}

// TestMetricsOff checks that "metrics": false defines no metric.
func TestMetricsOff(t *testing.T) {
	h, _ := startHost(t, strings.Replace(authConfig(), `{`, `{"events":{"metrics":false,"log":false},`, 1))
	get(t, h, "/orders")
	require.NoError(t, h.Advance(time.Second))

	for _, name := range h.MetricNames() {
		require.False(t, strings.HasPrefix(name, "bulwark_"), name)
	}
	require.Empty(t, eventsLogged(t, h), "log is off")
}

// TestConfigRejectedEvent checks the event of a configuration that fails.
func TestConfigRejectedEvent(t *testing.T) {
	var logs strings.Builder
	_, err := host.New(t.Context(), moduleBytes(t), host.Options{
		PluginConfig: []byte(`{"events": {"log": "yes"}}`), CompilationCache: compilationCache, LogOutput: &logs,
	})
	require.Error(t, err)
	require.Contains(t, logs.String(), `bulwark_event {"time":`)
	require.Contains(t, logs.String(), `"type":"config_rejected","severity":"critical","action":"blocked"`)
	require.Contains(t, logs.String(), `"details":{"errors":1}`)
}

// TestMetricsFlushWithoutTick checks that a busy VM sends its counts before
// the tick, once flushEvery updates are pending.
func TestMetricsFlushWithoutTick(t *testing.T) {
	h, _ := startHost(t, authConfig())
	const n = 150
	for range n {
		get(t, h, "/healthz")
	}

	name := "bulwark_requests.decision.allowed.reason.public_route"
	sent, _ := h.Metric(name)
	require.Positive(t, sent, "no count was sent before the tick")
	require.Less(t, sent, uint64(n))

	require.NoError(t, h.Advance(time.Second))
	sent, _ = h.Metric(name)
	require.Equal(t, uint64(n), sent)
}
