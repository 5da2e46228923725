package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestClusterDenialCarriesOneRateLimitSet checks that a 429 from a
// cluster-wide rule carries that rule's rate limit headers only. A local
// rule with on_allowed let the request through first, and its headers are
// meant for the upstream's response. Envoy also calls the plugin's
// on_response_headers for the plugin's own local reply, where they must
// not be added.
func TestClusterDenialCarriesOneRateLimitSet(t *testing.T) {
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		_, _ = w.Write([]byte(`{"overallCode":"OVER_LIMIT","statuses":[{"code":"OVER_LIMIT",` +
			`"currentLimit":{"requestsPerUnit":7,"unit":"HOUR"},"durationUntilReset":"600s"}]}`))
	}))
	t.Cleanup(service.Close)

	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers: 1,
		PluginConfig: []byte(`{
  "default_route": {"auth": "none"},
  "rate_limits": {
    "headers": {"on_allowed": true},
    "rules": [{"name": "local", "algorithm": "token_bucket", "capacity": 100, "refill_per_second": 1}]
  },
  "cluster_rate_limits": {
    "service": {"cluster": "ratelimit", "timeout": "2s"},
    "domain": "bulwark-e2e",
    "rules": [{"name": "cluster", "mode": "sync", "descriptor": [{"key": "client_ip", "from": "client_ip"}]}]
  }
}`),
		Clock:            host.NewManualClock(testNow),
		CompilationCache: compilationCache,
		Clusters:         map[string]string{"ratelimit": service.URL},
	})
	require.NoError(t, err)
	closeAtEnd(t, h)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result, err := h.Do(ctx, &host.Request{Method: "GET", Path: "/v1/items", SourceAddress: "192.0.2.1:40000"}, nil)
	require.NoError(t, err)

	resp := result.Response
	require.Equal(t, http.StatusTooManyRequests, resp.Status)
	require.Contains(t, string(resp.Body), `"rule":"cluster"`)
	require.Equal(t, []string{`"cluster";q=7;w=3600`}, headerValues(resp.Headers, "ratelimit-policy"))
	require.Len(t, headerValues(resp.Headers, "ratelimit"), 1, "one RateLimit header, the cluster rule's")
}
