package e2e

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// collectorKey is the collector's API key, sent in a static header. It
// contains secretMarker, so the leak checks catch it in a log or a payload.
const collectorKey = "otel-" + secretMarker + "-collector-key"

// otlpEvents is an events section with an OTLP sink on cluster "otel".
func otlpEvents(overrides map[string]any) map[string]any {
	otlp := map[string]any{
		"cluster": "otel", "authority": "collector.test", "timeout": "200ms",
		"batch_size": 100, "flush_interval": "1s",
		"headers":             map[string]any{"x-api-key": collectorKey},
		"service_name":        "gateway",
		"resource_attributes": map[string]any{"deployment.environment.name": "test"},
	}
	for k, v := range overrides {
		otlp[k] = v
	}
	return map[string]any{"otlp": otlp}
}

// startOTLPHost starts a host whose cluster "otel" is url.
func startOTLPHost(t *testing.T, cfg, url string) *host.Host {
	t.Helper()
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          2,
		PluginConfig:     []byte(cfg),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		Clusters:         map[string]string{"otel": url},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	return h
}

// sendOn sends a GET from 10.0.0.1 to one worker.
func sendOn(t *testing.T, h *host.Host, worker int, path string, headers ...[2]string) *host.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := host.NewRequest("GET", path)
	req.Worker, req.Authority, req.Scheme, req.SourceAddress = worker, "api.example.com", "https", "10.0.0.1:40000"
	req.Headers = headers
	result, err := h.Do(ctx, req, nil)
	require.NoError(t, err)
	return result
}

func metric(t *testing.T, h *host.Host, name string) uint64 {
	t.Helper()
	v, ok := h.Metric(name)
	require.True(t, ok, "metric %s is not defined", name)
	return v
}

// TestOTLPExportOnTick checks that the events of a few denials reach the
// collector at the tick, decoded by pdata, with every attribute equal to
// the event that the log sink wrote.
func TestOTLPExportOnTick(t *testing.T) {
	receiver := newOTLPReceiver(t)
	h := startOTLPHost(t, withEvents(t, authConfig(), otlpEvents(nil)), receiver.srv.URL)

	sendOn(t, h, 0, "/orders?page=2", [2]string{"x-request-id", "req-1"})
	sendOn(t, h, 0, "/orders", [2]string{"x-api-key", mintKey("unknown").Key})
	sendOn(t, h, 1, "/admin/users", [2]string{"x-api-key", keyReader.Key})
	require.Equal(t, 200, sendOn(t, h, 1, "/orders", [2]string{"x-api-key", keyReader.Key}).Response.Status)
	waitIdle(t, h)
	require.Empty(t, receiver.received(), "nothing is exported before the tick")

	advance(t, h, time.Second)
	requests := receiver.received()
	require.Len(t, requests, 2, "one export per worker")
	for _, req := range requests {
		require.Equal(t, "/v1/logs", req.Path)
		require.Equal(t, "collector.test", req.Host)
		require.Equal(t, "application/json", req.Header.Get("content-type"))
		require.Equal(t, collectorKey, req.Header.Get("x-api-key"))
		resource := req.Logs.ResourceLogs().At(0).Resource().Attributes().AsRaw()
		require.Equal(t, map[string]any{"service.name": "gateway", "deployment.environment.name": "test"}, resource)
		require.Equal(t, "bulwark", req.Logs.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Name())
	}

	logged := eventsLogged(t, h)
	records := receiver.records()
	require.Len(t, logged, 3)
	require.Len(t, records, 3, "one record per event")
	for _, e := range logged {
		r, ok := records[e.Event["event_id"].(string)]
		require.True(t, ok, "event %v was not exported", e.Event["event_id"])
		requireRecordMatches(t, e.Event, r)
	}
	receiver.requireNoSecretExported(t)

	advance(t, h, time.Second)
	require.Equal(t, uint64(3), metric(t, h, "bulwark_events_exported"))
	require.Zero(t, metric(t, h, "bulwark_callout_failures.cluster.otel"))
}

// requireRecordMatches compares a record with the logged event, field by
// field.
func requireRecordMatches(t *testing.T, event map[string]any, r plog.LogRecord) {
	t.Helper()
	eventTime, err := time.Parse(time.RFC3339Nano, event["time"].(string))
	require.NoError(t, err)
	require.Equal(t, eventTime.UnixMicro(), r.Timestamp().AsTime().UnixMicro())
	require.Equal(t, "bulwark."+event["type"].(string), r.EventName())
	require.Equal(t, event["severity"], r.SeverityText())
	severities := map[string]plog.SeverityNumber{"low": plog.SeverityNumberDebug, "medium": plog.SeverityNumberInfo, "high": plog.SeverityNumberWarn}
	require.Equal(t, severities[event["severity"].(string)], r.SeverityNumber())

	attrs := r.Attributes().AsRaw()
	names := map[string]string{
		"event_id": "event.id", "type": "event.type", "severity": "event.severity", "action": "event.action",
		"source_ip": "source.address", "caller_id": "bulwark.caller_id", "method": "http.request.method",
		"route": "bulwark.route", "path": "url.path", "rule": "bulwark.rule", "reason": "bulwark.reason",
		"code": "bulwark.code", "request_id": "bulwark.request_id",
	}
	for field, attr := range names {
		require.Equal(t, event[field], attrs[attr], "%s and %s", field, attr)
	}
	require.Equal(t, int64(event["status"].(float64)), attrs["http.response.status_code"])
	require.Equal(t, len(names)+1-countMissing(event, names), len(attrs), "no other attribute")

	body := r.Body().Str()
	require.True(t, strings.HasPrefix(body, `{"time":`), body)
	require.Contains(t, body, `"event_id":"`+event["event_id"].(string)+`"`)
}

func countMissing(event map[string]any, names map[string]string) int {
	n := 0
	for field := range names {
		if _, ok := event[field]; !ok {
			n++
		}
	}
	return n
}

// TestOTLPExportOnBatchSize checks that a full batch is exported at a tick
// brought forward, not after flush_interval.
func TestOTLPExportOnBatchSize(t *testing.T) {
	receiver := newOTLPReceiver(t)
	h := startOTLPHost(t, withEvents(t, authConfig(), otlpEvents(map[string]any{"batch_size": 2, "flush_interval": "1h"})), receiver.srv.URL)

	sendOn(t, h, 0, "/orders")
	require.NoError(t, h.Advance(time.Millisecond))
	waitIdle(t, h)
	require.Empty(t, receiver.received(), "one event is not a batch")

	sendOn(t, h, 0, "/orders")
	sendOn(t, h, 0, "/orders")
	require.NoError(t, h.Advance(time.Millisecond))
	waitIdle(t, h)
	requests := receiver.received()
	require.Len(t, requests, 1)
	require.Equal(t, 2, requests[0].Logs.LogRecordCount(), "an export holds batch_size records at most")

	// The third event waits for the next full batch or flush_interval.
	advance(t, h, 3*time.Second)
	require.Len(t, receiver.received(), 1)
	require.Equal(t, uint64(2), metric(t, h, "bulwark_events_exported"))
}

// TestOTLPBufferBound checks that events beyond max_buffer are dropped and
// counted, and that the buffered ones are still exported.
func TestOTLPBufferBound(t *testing.T) {
	receiver := newOTLPReceiver(t)
	h := startOTLPHost(t, withEvents(t, authConfig(), otlpEvents(map[string]any{"batch_size": 3, "max_buffer": 3})), receiver.srv.URL)

	for range 5 {
		require.Equal(t, 401, sendOn(t, h, 0, "/orders").Response.Status)
	}
	advance(t, h, 2*time.Second)

	require.Len(t, receiver.records(), 3)
	require.Equal(t, uint64(2), metric(t, h, "bulwark_events_dropped.reason.buffer_full"))
	require.Equal(t, uint64(3), metric(t, h, "bulwark_events_exported"))
	require.Equal(t, uint64(5), metric(t, h, "bulwark_events.type.auth_failure"), "every event is still counted and logged")
	require.Len(t, eventsLogged(t, h), 5)
}

// TestOTLPSinkFailures checks that a collector that is down, slow or
// rejecting never changes a request's outcome. Its batches are dropped and
// counted, and the failure is logged once per streak. One
// dependency_failure event goes to the log but never to the collector.
func TestOTLPSinkFailures(t *testing.T) {
	tests := []struct {
		name   string
		status int
		delay  time.Duration
		down   bool
		reason string
	}{
		{name: "connection refused", down: true, reason: "unavailable"},
		{name: "slow", status: 200, delay: 500 * time.Millisecond, reason: "timeout"},
		{name: "server error", status: 500, reason: "unavailable"},
		{name: "bad request", status: 400, reason: "rejected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			receiver := newOTLPReceiver(t)
			receiver.set(tc.status, tc.delay)
			url := receiver.srv.URL
			if tc.down {
				url = closedListenerURL(t)
			}
			h := startOTLPHost(t, withEvents(t, authConfig(), otlpEvents(nil)), url)

			for round := range 2 {
				require.Equal(t, 401, sendOn(t, h, 0, "/orders").Response.Status)
				require.Equal(t, 200, sendOn(t, h, 0, "/orders", [2]string{"x-api-key", keyReader.Key}).Response.Status)
				advance(t, h, time.Second)
				require.Equal(t, 401, sendOn(t, h, 0, "/orders").Response.Status, "round %d", round)
				advance(t, h, time.Second)
			}
			advance(t, h, time.Second) // sends the counts of the last response

			require.Equal(t, uint64(4), metric(t, h, "bulwark_events_dropped.reason."+tc.reason))
			require.Equal(t, uint64(4), metric(t, h, "bulwark_callout_failures.cluster.otel"))
			require.Zero(t, metric(t, h, "bulwark_events_exported"))
			require.Equal(t, 1, countLogs(h, host.LogWarn, "otlp: exporting"), "one warning per failure streak")
			require.Equal(t, uint64(1), metric(t, h, "bulwark_events.type.dependency_failure"))

			var failures []map[string]any
			for _, e := range eventsLogged(t, h) {
				if e.Event["type"] == "dependency_failure" {
					failures = append(failures, e.Event)
				}
			}
			require.Len(t, failures, 1)
			require.Equal(t, "export_"+tc.reason, failures[0]["reason"])
			require.Equal(t, "otel", failures[0]["details"].(map[string]any)["cluster"])
			for _, r := range receiver.records() {
				v, _ := r.Attributes().Get("event.type")
				require.NotEqual(t, "dependency_failure", v.Str(), "the sink's own failure is not exported")
			}
			receiver.requireNoSecretExported(t)

			// The collector works again: the next export succeeds and is
			// logged once at info.
			if !tc.down {
				receiver.set(200, 0)
				sendOn(t, h, 0, "/orders")
				advance(t, h, 2*time.Second)
				require.Equal(t, uint64(1), metric(t, h, "bulwark_events_exported"))
				require.Equal(t, 1, countLogs(h, host.LogInfo, "works again"))
			}
		})
	}
}

// closedListenerURL returns the URL of a loopback port with no listener.
func closedListenerURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return url
}

func countLogs(h *host.Host, level host.LogLevel, part string) int {
	n := 0
	for _, entry := range h.Logs() {
		if entry.Level == level && strings.Contains(entry.Message, part) {
			n++
		}
	}
	return n
}
