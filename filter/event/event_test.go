package event

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/config"
)

var testTime = time.Date(2026, 6, 1, 12, 0, 0, 123456789, time.UTC)

func TestAppendJSONGolden(t *testing.T) {
	tests := []struct {
		name  string
		event Event
		want  string
	}{
		{
			name: "every field",
			event: Event{
				Time: testTime, ID: "0123456789abcdef", Type: RateLimitExceeded, Severity: Medium,
				Action: Blocked, SourceIP: "192.0.2.7", CallerID: "billing", Method: "POST",
				Route: "orders", Path: "/orders", Rule: "per-key", Reason: "rate_limited",
				Code: "rate_limited", Status: 429, RequestID: "req-1",
				Details: []Detail{String("tier", "gold"), Int("limit", 10)},
			},
			want: `{"time":"2026-06-01T12:00:00.123456Z","event_id":"0123456789abcdef","type":"rate_limit_exceeded",` +
				`"severity":"medium","action":"blocked","source_ip":"192.0.2.7","caller_id":"billing","method":"POST",` +
				`"route":"orders","path":"/orders","rule":"per-key","reason":"rate_limited","code":"rate_limited",` +
				`"status":429,"request_id":"req-1","details":{"tier":"gold","limit":10}}`,
		},
		{
			name:  "empty fields left out",
			event: Event{Time: testTime.In(time.FixedZone("x", 3600)), Type: ConfigRejected, Severity: Critical},
			want: `{"time":"2026-06-01T12:00:00.123456Z","type":"config_rejected","severity":"critical",` +
				`"action":"blocked","details":{}}`,
		},
		{
			name:  "escaped strings",
			event: Event{Time: testTime, Type: SuspiciousActivity, Action: Logged, Path: "/a\"b<\x01>"},
			want: `{"time":"2026-06-01T12:00:00.123456Z","type":"suspicious_activity","severity":"low",` +
				`"action":"logged","path":"/a\"b\u003c\u0001\u003e","details":{}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.event.AppendJSON(nil)
			require.Equal(t, tc.want, string(got))
			require.True(t, json.Valid(got))
		})
	}
}

func TestNames(t *testing.T) {
	var names []string
	for _, typ := range Types {
		names = append(names, typ.String())
	}
	require.Equal(t, []string{"auth_failure", "unauthorized_access", "rate_limit_exceeded", "injection_attempt",
		"brute_force_attack", "suspicious_activity", "dependency_failure", "config_rejected"}, names)
	require.Equal(t, "unknown", Type(200).String())
	require.Equal(t, "unknown", Severity(9).String())
	require.Equal(t, "unknown", Action(9).String())
	require.Equal(t, "banned", Banned.String())
	require.Equal(t, []string{"low", "medium", "high", "critical"}, SeverityNames)
}

func TestBuildClassifies(t *testing.T) {
	tests := []struct {
		name     string
		decision filter.Decision
		typ      Type
		severity Severity
	}{
		{"missing key", filter.Decision{Status: 401, Code: "missing_credential"}, AuthFailure, Low},
		{"missing token", filter.Decision{Status: 401, Code: "missing_token"}, AuthFailure, Low},
		{"invalid key", filter.Decision{Status: 401, Code: "invalid_credential"}, AuthFailure, Medium},
		{"bad signature", filter.Decision{Status: 401, Code: "bad_signature"}, AuthFailure, Medium},
		{"missing scope", filter.Decision{Status: 403, Code: "insufficient_scope"}, UnauthorizedAccess, Medium},
		{"rate limited", filter.Decision{Status: 429, Code: "rate_limited"}, RateLimitExceeded, Medium},
		{"injection", filter.Decision{Status: 403, Code: "injection_detected"}, InjectionAttempt, High},
		{"malformed path", filter.Decision{Status: 400, Code: "malformed_request"}, SuspiciousActivity, Medium},
		{"body too large", filter.Decision{Status: 413, Code: "body_too_large"}, SuspiciousActivity, Low},
		{"keys unavailable", filter.Decision{Status: 401, Code: "keys_unavailable"}, DependencyFailure, High},
		{"internal error", filter.Decision{Status: 500, Code: "internal_error"}, DependencyFailure, High},
		{"other 403", filter.Decision{Status: 403, Code: "forbidden"}, UnauthorizedAccess, Medium},
		{"other 429", filter.Decision{Status: 429, Code: "slow_down"}, RateLimitExceeded, Medium},
		{"other", filter.Decision{Status: 418, Code: "teapot"}, SuspiciousActivity, Medium},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := Build(&tc.decision, &Facts{})
			require.True(t, ok)
			require.Equal(t, tc.typ, e.Type)
			require.Equal(t, tc.severity, e.Severity)
			require.Equal(t, Blocked, e.Action)
			require.Equal(t, tc.decision.Code, e.Code)
			require.Equal(t, tc.decision.Status, e.Status)
		})
	}

	_, ok := Build(&filter.Decision{Allow: true}, &Facts{})
	require.False(t, ok, "an allowed decision has no event")
}

func TestBuildFields(t *testing.T) {
	d := filter.Decision{Status: 403, Code: "insufficient_scope", Reason: "missing_scope", Route: "admin", KeyID: "demo"}
	f := Facts{
		Time: testTime, ID: "e1", SourceAddress: "[::ffff:192.0.2.1]:5000", Method: "GET",
		Path: "/admin/users?token=abc", RequestID: "r1", Rule: "x", Details: []Detail{Int("n", 1)},
	}
	e, ok := Build(&d, &f)
	require.True(t, ok)
	require.Equal(t, Event{
		Time: testTime, ID: "e1", Type: UnauthorizedAccess, Severity: Medium, Action: Blocked,
		SourceIP: "192.0.2.1", CallerID: "demo", Method: "GET", Route: "admin", Path: "/admin/users",
		Rule: "x", Reason: "missing_scope", Code: "insufficient_scope", Status: 403, RequestID: "r1",
		Details: []Detail{Int("n", 1)},
	}, e)
}

func TestSourceIP(t *testing.T) {
	tests := map[string]string{
		"192.0.2.1:443":        "192.0.2.1",
		"192.0.2.1":            "192.0.2.1",
		"[2001:db8::1]:80":     "2001:db8::1",
		"2001:db8::1":          "2001:db8::1",
		"[::ffff:10.0.0.1]:80": "10.0.0.1",
		"/var/run/envoy.sock":  "",
		"":                     "",
		"not an address":       "",
	}
	for in, want := range tests {
		require.Equal(t, want, SourceIP(in), "SourceIP(%q)", in)
	}
}

func TestPathOnly(t *testing.T) {
	require.Equal(t, "/a/b", PathOnly("/a/b?api_key=x&b=2"))
	require.Equal(t, "/a", PathOnly("/a"))
	require.Equal(t, "", PathOnly("?x"))
	long := PathOnly("/" + strings.Repeat("a", 5000))
	require.Len(t, long, MaxPathBytes)
	require.True(t, strings.HasSuffix(long, "..."))

	e := New(AuthFailure, Low, Logged, &Facts{RequestID: strings.Repeat("r", filter.MaxRequestIDBytes+1)})
	require.Empty(t, e.RequestID, "an over-long request id is dropped")
}

// marker is planted in every credential of TestEventsNeverContainSecrets.
const marker = "PLANTEDSECRET"

func TestEventsNeverContainSecrets(t *testing.T) {
	key := "bwk_" + marker + "_0123456789"
	digest := apikey.Digest(apikey.HashSHA256, nil, key)
	cfg, err := config.Parse([]byte(`{
  "api_keys": {
    "sources": [{"header": "x-api-key"}, {"header": "authorization", "prefix": "ApiKey "},
      {"query": "api_key"}, {"cookie": "api_key"}],
    "keys": [{"id": "demo", "digest": "` + hex.EncodeToString(digest[:]) + `", "scopes": ["read"]}]
  },
  "routes": [{"name": "admin", "match": {"prefix": "/admin/"}, "scopes": ["admin"]}]
}`))
	require.NoError(t, err)
	engine := filter.New(cfg)

	requests := []filter.Request{
		{Method: "GET", Path: "/orders", Headers: [][2]string{{"x-api-key", key}}},
		{Method: "GET", Path: "/admin/users", Headers: [][2]string{{"x-api-key", key}}},
		{Method: "GET", Path: "/orders", Headers: [][2]string{{"x-api-key", key + "x"}}},
		{Method: "GET", Path: "/orders", Headers: [][2]string{{"authorization", "ApiKey " + key + "x"}}},
		{Method: "GET", Path: "/orders?api_key=" + key + "x", Headers: nil},
		{Method: "GET", Path: "/admin/x?api_key=" + key, Headers: nil},
		{Method: "GET", Path: "/orders", Headers: [][2]string{{"cookie", "api_key=" + key + "x; other=" + marker}}},
		{Method: "GET", Path: "/orders", Headers: [][2]string{{"x-api-key", key}, {"authorization", "ApiKey " + marker}}},
		{Method: "GET", Path: "/orders", Headers: [][2]string{{"x-api-key", marker + strings.Repeat("z", 300)}}},
		{Method: "GET", Path: "/orders", Headers: [][2]string{{"x-api-key", marker + "%zz"}}},
	}
	denials := 0
	for i := range requests {
		req := &requests[i]
		d := engine.Check(req)
		f := Facts{Time: testTime, ID: "e", SourceAddress: "192.0.2.1:1", Method: req.Method, Path: req.Path}
		e, ok := Build(&d, &f)
		if !ok {
			continue
		}
		denials++
		line := string(e.AppendJSON(nil))
		require.NotContains(t, line, marker, "request %d", i)
		require.NotContains(t, line, hex.EncodeToString(digest[:])[:8], "request %d", i)
	}
	require.GreaterOrEqual(t, denials, 8, "most requests must be denied for the test to mean anything")
}

func BenchmarkAppendJSON(b *testing.B) {
	e := Event{Time: testTime, ID: "0123456789abcdef", Type: AuthFailure, Severity: Medium, Action: Blocked,
		SourceIP: "192.0.2.7", Method: "GET", Route: "orders", Path: "/orders", Reason: "unknown",
		Code: "invalid_credential", Status: 401, RequestID: "8d2c4f1e-5b0a-4c7e-9f3d-2a1b0c9d8e7f"}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.AppendJSON(buf[:0])
	}
}
