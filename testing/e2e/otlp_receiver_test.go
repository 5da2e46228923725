package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// otlpReceiver is a loopback OTLP/HTTP logs endpoint. It decodes every
// export request with the OpenTelemetry collector's own JSON decoder, and
// responds with the status and after the delay that the test sets.
type otlpReceiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	status   int
	delay    time.Duration
	requests []otlpRequest
}

// otlpRequest is one export request as the receiver got it.
type otlpRequest struct {
	Header http.Header
	Host   string
	Path   string
	Body   []byte
	Logs   plog.Logs
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{t: t, status: 200}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	require.True(t, strings.HasPrefix(r.srv.URL, "http://127.0.0.1:"), "the OTLP receiver must be on loopback")
	return r
}

func (r *otlpReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(400)
		return
	}
	logs, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
	if err != nil {
		r.t.Errorf("the export request does not decode as OTLP/HTTP JSON: %v", err)
	}

	r.mu.Lock()
	r.requests = append(r.requests, otlpRequest{Header: req.Header.Clone(), Host: req.Host, Path: req.URL.Path, Body: body, Logs: logs})
	status, delay := r.status, r.delay
	r.mu.Unlock()

	if delay > 0 {
		time.Sleep(delay)
	}
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	if status == 200 {
		w.Write([]byte(`{}`))
	}
}

func (r *otlpReceiver) set(status int, delay time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.delay = status, delay
}

func (r *otlpReceiver) received() []otlpRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]otlpRequest(nil), r.requests...)
}

// records returns every log record received, with its attributes, by
// event id.
func (r *otlpReceiver) records() map[string]plog.LogRecord {
	out := map[string]plog.LogRecord{}
	for _, req := range r.received() {
		rls := req.Logs.ResourceLogs()
		for i := 0; i < rls.Len(); i++ {
			sls := rls.At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					id, _ := lrs.At(k).Attributes().Get("event.id")
					out[id.Str()] = lrs.At(k)
				}
			}
		}
	}
	return out
}

// requireNoSecretExported fails when an export request holds a test key or
// a JWT.
func (r *otlpReceiver) requireNoSecretExported(t *testing.T) {
	t.Helper()
	for _, req := range r.received() {
		require.False(t, containsAny(string(req.Body), secretMarker, "eyJ"), "an export request leaked a credential")
	}
}

// withEvents returns the plugin configuration cfg with its events section
// set to events.
func withEvents(t testing.TB, cfg string, events map[string]any) string {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(cfg), &doc))
	doc["events"] = events
	return mustJSON(doc)
}
