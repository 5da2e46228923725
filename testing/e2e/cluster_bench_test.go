package e2e

import (
	"strings"
	"testing"

	"github.com/bulwark-dev/bulwark/testing/rlservice"
)

// The cluster-wide benchmarks compare one rule per client address counted
// locally, in async mode and in sync mode (one callout per request to the
// real service on loopback), on a public route. The service's limit is
// high enough that every request passes.

const benchClusterLimitsYAML = `
domain: bulwark-e2e
descriptors:
  - key: client_ip
    rate_limit:
      unit: hour
      requests_per_unit: 1000000000
`

func benchClusterConfig(mode string) string {
	config := clusterConfig(mode, "allow", "")
	if mode == "local" {
		config = `{
  "default_route": {"auth": "none"},
  "rate_limits": {"rules": [{"name": "per-ip", "algorithm": "sliding_window", "limit": 1000000, "window": "1h"}]}
}`
	}
	return strings.Replace(config, `"headers": {"on_allowed": true}`, `"headers": {"on_allowed": false}`, 1)
}

func benchmarkCluster(b *testing.B, mode string) {
	url := "http://127.0.0.1:9" // unused by the local and async rules
	if mode == "sync" {
		redis := rlservice.StartRedis(b)
		url = rlservice.StartService(b, redis, benchClusterLimitsYAML).URL()
	}
	h, _ := startProxy(b, benchClusterConfig(mode), url)
	req := benchRequest("/v1/items", benchHeaders())
	benchmarkHost(b, h, req, 200)
}

// BenchmarkHostClusterLocal is the local rule, the reference.
func BenchmarkHostClusterLocal(b *testing.B) { benchmarkCluster(b, "local") }

// BenchmarkHostClusterAsync counts the hit in shared data; the report on
// tick is not part of the request.
func BenchmarkHostClusterAsync(b *testing.B) { benchmarkCluster(b, "async") }

// BenchmarkHostClusterSync pauses each request for one callout.
func BenchmarkHostClusterSync(b *testing.B) { benchmarkCluster(b, "sync") }
