package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/testing/host"
)

// benchHeaders are the headers of a typical API request, so that both the
// floor and the authenticated case move the same header map through the ABI.
func benchHeaders(extra ...[2]string) [][2]string {
	headers := [][2]string{
		{"user-agent", "curl/8.5.0"},
		{"accept", "application/json"},
		{"x-request-id", "8d6f0c1e-5a3b-4f7e-9d2c-1b0a9e8f7c6d"},
	}
	return append(headers, extra...)
}

func benchRequest(path string, headers [][2]string) *host.Request {
	return &host.Request{
		Worker: 0, Method: "GET", Path: path, Authority: "api.example.com", Scheme: "https",
		Headers: headers, SourceAddress: "10.0.0.1:40000",
	}
}

// BenchmarkHostPublicRoute is the floor: one request through the ABI on a
// route that needs no authentication.
func BenchmarkHostPublicRoute(b *testing.B) {
	h, _ := startHost(b, authConfig())
	req := benchRequest("/healthz", benchHeaders())
	benchmarkHost(b, h, req, 200)
}

// BenchmarkHostAPIKey is an API-key-authenticated request through the ABI.
func BenchmarkHostAPIKey(b *testing.B) {
	h, _ := startHost(b, authConfig())
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	benchmarkHost(b, h, req, 200)
}

// BenchmarkHostAPIKeyUncached is BenchmarkHostAPIKey with the key cache
// disabled, so that every request computes the key's SHA-256 digest: the
// cost of a key's first request on a worker.
func BenchmarkHostAPIKeyUncached(b *testing.B) {
	config := strings.Replace(authConfig(), `"api_keys":{`, `"api_keys":{"cache_entries":0,`, 1)
	require.NotEqual(b, authConfig(), config, "cache_entries was not inserted")
	h, _ := startHost(b, config)
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	benchmarkHost(b, h, req, 200)
}

func benchmarkHost(b *testing.B, h *host.Host, req *host.Request, status int) {
	ctx := context.Background()
	result, err := h.Do(ctx, req, nil)
	require.NoError(b, err)
	require.Equal(b, status, result.Response.Status)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.Do(ctx, req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNativePublicRoute and BenchmarkNativeAPIKey run the same decision
// natively, without wasm or the ABI.
func BenchmarkNativePublicRoute(b *testing.B) {
	benchmarkNative(b, &filter.Request{Method: "GET", Path: "/healthz", Headers: benchHeaders()})
}

func BenchmarkNativeAPIKey(b *testing.B) {
	benchmarkNative(b, &filter.Request{Method: "GET", Path: "/orders", Headers: benchHeaders([2]string{"x-api-key", keyReader.Key})})
}

func benchmarkNative(b *testing.B, req *filter.Request) {
	cfg, err := config.Parse([]byte(authConfig()))
	require.NoError(b, err)
	engine := filter.New(cfg)
	require.True(b, engine.Check(req).Allow)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		engine.Check(req)
	}
}

// BenchmarkHostAPIKeyNoMetrics is BenchmarkHostAPIKey with metrics turned
// off, which shows what the metrics cost an allowed request.
func BenchmarkHostAPIKeyNoMetrics(b *testing.B) {
	config := strings.Replace(authConfig(), `{`, `{"events":{"metrics":false},`, 1)
	require.NotEqual(b, authConfig(), config, "events was not inserted")
	h, _ := startHost(b, config)
	req := benchRequest("/orders", benchHeaders([2]string{"x-api-key", keyReader.Key}))
	benchmarkHost(b, h, req, 200)
}

// BenchmarkHostMissingKey is a request without a key: the 401 reply and,
// since events exist, its auth_failure event.
func BenchmarkHostMissingKey(b *testing.B) {
	h, _ := startHost(b, authConfig())
	benchmarkHost(b, h, benchRequest("/orders", benchHeaders()), 401)
}
