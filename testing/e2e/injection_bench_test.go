package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/testing/host"
)

// injectionBenchConfig is authConfig with injection detection on every
// route, so that the typical request pays for both checks.
func injectionBenchConfig() string {
	return strings.Replace(authConfig(), `{`, `{"injection":{"max_body_bytes":131072},`, 1)
}

// typicalJSON returns a JSON body of about size bytes made of ordinary
// API fields: names, prose, numbers and nested objects.
func typicalJSON(size int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":"ord_2026_` + strings.Repeat("7", 4) + `","customer":{"name":"Siobhan O'Connell","email":"s.oconnell@example.org"},` +
			`"note":"Please deliver after 6 pm; ring twice & leave it at the door if nobody answers.","qty":3,"price":19.99,"tags":["gift","express"]}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

// typicalRequest has a path, 5 query parameters, 10 headers with an API
// key, and a JSON body of bodySize bytes.
func typicalRequest(bodySize int) *host.Request {
	headers := [][2]string{
		{"user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15"},
		{"accept", "application/json"},
		{"accept-language", "en-GB,en;q=0.9"},
		{"content-type", "application/json"},
		{"referer", "https://app.example.com/orders?page=2"},
		{"cookie", "theme=dark; locale=en-GB"},
		{"x-request-id", "8d6f0c1e-5a3b-4f7e-9d2c-1b0a9e8f7c6d"},
		{"x-forwarded-for", "203.0.113.7"},
		{"cache-control", "no-cache"},
		{"x-api-key", keyReader.Key},
	}
	return &host.Request{
		Worker: 0, Method: "POST", Authority: "api.example.com", Scheme: "https", SourceAddress: "10.0.0.1:40000",
		Path:    "/orders/search?status=open&sort=-created_at&page=2&per_page=50&q=blue+wool+scarf",
		Headers: headers, Body: []byte(typicalJSON(bodySize)),
	}
}

// BenchmarkHostInjectionTypical is a typical API request (API key,
// path, 5 query parameters, 10 headers, 2 KiB JSON body) with injection
// detection; compare with BenchmarkHostAPIKeyBody.
func BenchmarkHostInjectionTypical(b *testing.B) {
	h, _ := startHost(b, injectionBenchConfig())
	benchmarkHost(b, h, typicalRequest(2<<10), 200)
}

// BenchmarkHostAPIKeyBody is the same request without injection
// detection: the API-key path with a body.
func BenchmarkHostAPIKeyBody(b *testing.B) {
	h, _ := startHost(b, authConfig())
	benchmarkHost(b, h, typicalRequest(2<<10), 200)
}

// BenchmarkHostInjectionJSON64K scans a 64 KiB JSON body.
func BenchmarkHostInjectionJSON64K(b *testing.B) {
	h, _ := startHost(b, injectionBenchConfig())
	benchmarkHost(b, h, typicalRequest(64<<10), 200)
}

// BenchmarkNativeInjectionTypical and BenchmarkNativeInjectionJSON64K run
// the same scans natively, without wasm or the ABI.
func BenchmarkNativeInjectionTypical(b *testing.B) {
	benchmarkNativeScan(b, typicalRequest(2<<10))
}

func BenchmarkNativeInjectionJSON64K(b *testing.B) {
	benchmarkNativeScan(b, typicalRequest(64<<10))
}

func benchmarkNativeScan(b *testing.B, req *host.Request) {
	cfg, err := config.Parse([]byte(injectionBenchConfig()))
	require.NoError(b, err)
	policy := cfg.Injection.Policy("")
	headers := append([][2]string{{":path", req.Path}}, req.Headers...)
	require.Empty(b, policy.ScanTarget(req.Path))
	require.Empty(b, policy.ScanHeaders(headers))
	require.Empty(b, policy.ScanBody("application/json", req.Body))

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		policy.ScanTarget(req.Path)
		policy.ScanHeaders(headers)
		policy.ScanBody("application/json", req.Body)
	}
}
