package event

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// decodeOTLP decodes an export request with the OpenTelemetry collector's
// own OTLP/HTTP JSON decoder.
func decodeOTLP(t *testing.T, body []byte) plog.Logs {
	t.Helper()
	logs, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
	require.NoError(t, err, "body: %s", body)
	return logs
}

func attributes(m pcommon.Map) map[string]any {
	return m.AsRaw()
}

func TestOTLPRecordDecodes(t *testing.T) {
	enc := NewOTLPEncoder("payments", [][2]string{{"deployment.environment.name", "prod"}})
	full := Event{
		Time: testTime, ID: "0123456789abcdef", Type: RateLimitExceeded, Severity: High,
		Action: Blocked, SourceIP: "192.0.2.7", CallerID: "billing", Method: "POST",
		Route: "orders", Path: "/orders/\"7\"<x>", Rule: "per-key", Reason: "rate_limited",
		Code: "rate_limited", Status: 429, RequestID: "req-1",
		Details: []Detail{String("tier", "gold"), Int("limit", 10)},
	}
	sparse := Event{Time: testTime, ID: "fedcba9876543210", Type: ConfigRejected, Severity: Critical}

	records := enc.AppendRecord(nil, &full)
	records = append(records, ',')
	records = enc.AppendRecord(records, &sparse)
	logs := decodeOTLP(t, enc.AppendRequest(nil, records))

	require.Equal(t, 1, logs.ResourceLogs().Len())
	rl := logs.ResourceLogs().At(0)
	require.Equal(t, map[string]any{"service.name": "payments", "deployment.environment.name": "prod"},
		attributes(rl.Resource().Attributes()))
	require.Equal(t, 1, rl.ScopeLogs().Len())
	sl := rl.ScopeLogs().At(0)
	require.Equal(t, OTLPScopeName, sl.Scope().Name())
	require.Equal(t, 2, sl.LogRecords().Len())

	r := sl.LogRecords().At(0)
	require.Equal(t, testTime.UnixNano(), r.Timestamp().AsTime().UnixNano())
	require.Equal(t, testTime.UnixNano(), r.ObservedTimestamp().AsTime().UnixNano())
	require.Equal(t, plog.SeverityNumberWarn, r.SeverityNumber())
	require.Equal(t, "high", r.SeverityText())
	require.Equal(t, "bulwark.rate_limit_exceeded", r.EventName())
	require.Equal(t, pcommon.ValueTypeStr, r.Body().Type())
	require.Equal(t, string(full.AppendJSON(nil)), r.Body().Str(), "the body is the log sink's JSON")
	require.Equal(t, map[string]any{
		"event.type": "rate_limit_exceeded", "event.id": "0123456789abcdef", "event.severity": "high",
		"event.action": "blocked", "source.address": "192.0.2.7", "bulwark.caller_id": "billing",
		"http.request.method": "POST", "bulwark.route": "orders", "url.path": "/orders/\"7\"<x>",
		"bulwark.rule": "per-key", "bulwark.reason": "rate_limited", "bulwark.code": "rate_limited",
		"http.response.status_code": int64(429), "bulwark.request_id": "req-1",
		"bulwark.details.tier": "gold", "bulwark.details.limit": int64(10),
	}, attributes(r.Attributes()))

	r = sl.LogRecords().At(1)
	require.Equal(t, plog.SeverityNumberError, r.SeverityNumber())
	require.Equal(t, "critical", r.SeverityText())
	require.Equal(t, map[string]any{
		"event.type": "config_rejected", "event.id": "fedcba9876543210", "event.severity": "critical", "event.action": "blocked",
	}, attributes(r.Attributes()))
}

func TestOTLPSeverityNumbers(t *testing.T) {
	want := map[Severity]plog.SeverityNumber{
		Low: plog.SeverityNumberDebug, Medium: plog.SeverityNumberInfo,
		High: plog.SeverityNumberWarn, Critical: plog.SeverityNumberError,
	}
	enc := NewOTLPEncoder("bulwark", nil)
	for severity, number := range want {
		e := Event{Time: testTime, Type: AuthFailure, Severity: severity}
		logs := decodeOTLP(t, enc.AppendRequest(nil, enc.AppendRecord(nil, &e)))
		r := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		require.Equal(t, number, r.SeverityNumber(), severity.String())
	}
}

func TestOTLPEmptyRequestDecodes(t *testing.T) {
	enc := NewOTLPEncoder("bulwark", nil)
	logs := decodeOTLP(t, enc.AppendRequest(nil, nil))
	require.Equal(t, 0, logs.LogRecordCount())
}

func BenchmarkOTLPRecord(b *testing.B) {
	enc := NewOTLPEncoder("bulwark", nil)
	e := Event{
		Time: testTime, ID: "0123456789abcdef", Type: AuthFailure, Severity: Medium,
		Action: Blocked, SourceIP: "192.0.2.7", Method: "GET", Route: "orders", Path: "/orders",
		Reason: "unknown", Code: "invalid_credential", Status: 401, RequestID: "req-1",
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = enc.AppendRecord(buf[:0], &e)
	}
}
