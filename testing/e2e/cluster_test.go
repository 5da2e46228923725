package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
	"github.com/bulwark-dev/bulwark/testing/rlservice"
)

// The tests of this file run two proxies (two hosts of two workers each)
// against one real envoyproxy/ratelimit service backed by a real Redis.

// clusterLimitsYAML is the service's limits file of the tests: per client
// address, 7 requests an hour. An hour, rather than a minute, keeps the
// service's fixed window from ending during a test; each test uses client
// addresses of its own.
const clusterLimitsYAML = `
domain: bulwark-e2e
descriptors:
  - key: client_ip
    rate_limit:
      unit: hour
      requests_per_unit: 7
`

// clusterConfig is a plugin configuration with one cluster-wide rule.
func clusterConfig(mode, failureMode, extra string) string {
	return `{
  "default_route": {"auth": "none"},
  "rate_limits": {"headers": {"on_allowed": true}},
  "cluster_rate_limits": {
    "service": {"cluster": "ratelimit", "timeout": "2s"},
    "domain": "bulwark-e2e",
    "circuit_breaker": {"failures": 3, "cool_down": "30s"}` + extra + `,
    "rules": [{"name": "per-ip", "mode": "` + mode + `", "failure_mode": "` + failureMode + `",
               "descriptor": [{"key": "client_ip", "from": "client_ip"}]}]
  }
}`
}

// startProxy starts one "proxy": a host of two workers whose ratelimit
// cluster is the service. Tests record a transcript to count callouts;
// benchmarks do not, since recording costs time.
func startProxy(t testing.TB, pluginConfig, serviceURL string) (*host.Host, *host.ManualClock) {
	t.Helper()
	_, benchmark := t.(*testing.B)
	clock := host.NewManualClock(testNow)
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          2,
		PluginConfig:     []byte(pluginConfig),
		Clock:            clock,
		CompilationCache: compilationCache,
		Clusters:         map[string]string{"ratelimit": serviceURL},
		Transcript:       !benchmark,
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	return h, clock
}

// randomClient returns a client address that no other test run uses, so
// that the service's counters start from zero.
func randomClient() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("10.%d.%d.%d", b[0], b[1], b[2])
}

// send sends one GET from client on the given worker and returns the
// client's status.
func send(t *testing.T, h *host.Host, worker int, client string) *host.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result, err := h.Do(ctx, &host.Request{
		Worker: worker, Method: "GET", Path: "/v1/items", SourceAddress: client + ":40000",
	}, nil)
	require.NoError(t, err)
	return result
}

// callouts counts the callouts a host made.
func callouts(h *host.Host) int {
	n := 0
	for _, call := range h.Transcript() {
		if call.Name == "proxy_http_call" {
			n++
		}
	}
	return n
}

// sameHour runs f until the service's hourly window did not change while it
// ran, at most twice, so that a run across an hour boundary cannot fail.
func sameHour(t *testing.T, f func(t *testing.T) bool) {
	sameWindow(t, time.Hour, f)
}

// sameWindow runs f until the service's fixed window of length unit did
// not change while it ran, at most twice.
func sameWindow(t *testing.T, unit time.Duration, f func(t *testing.T) bool) {
	for range 2 {
		start := time.Now().UTC().Truncate(unit)
		done := f(t)
		if done && time.Now().UTC().Truncate(unit).Equal(start) {
			return
		}
		t.Logf("the service's %s window changed during the run; running again", unit)
	}
}

func startService(t *testing.T) (*rlservice.Redis, *rlservice.Service) {
	t.Helper()
	redis := rlservice.StartRedis(t)
	return redis, rlservice.StartService(t, redis, clusterLimitsYAML)
}

func TestClusterSyncAdmitsExactlyTheLimitAcrossProxies(t *testing.T) {
	_, svc := startService(t)
	proxies := make([]*host.Host, 2)
	for i := range proxies {
		proxies[i], _ = startProxy(t, clusterConfig("sync", "allow", ""), svc.URL())
	}

	sameHour(t, func(t *testing.T) bool {
		client := randomClient()
		var admitted, denied atomic.Int32
		var wg sync.WaitGroup
		for p := range proxies {
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						result := send(t, proxies[p], w, client)
						switch result.Response.Status {
						case 200:
							admitted.Add(1)
						case 429:
							denied.Add(1)
							require.NotEmpty(t, result.Response.Header("retry-after"))
						default:
							t.Errorf("status %d: %s", result.Response.Status, result.Response.Body)
						}
					}
				}()
			}
		}
		wg.Wait()
		require.EqualValues(t, 7, admitted.Load(), "the service's limit holds across both proxies")
		require.EqualValues(t, 13, denied.Load())

		// Each denial logged one rate_limit_exceeded event naming the rule.
		events := 0
		for _, h := range proxies {
			for _, e := range eventsLogged(t, h) {
				if e.Event["type"] == "rate_limit_exceeded" && e.Event["rule"] == "per-ip" && e.Event["source_ip"] == client {
					events++
				}
			}
		}
		require.Equal(t, 13, events, "one event per denial")

		// The OVER_LIMIT verdicts are remembered, so a blocked client costs
		// no callout on either proxy until the service's reset.
		for _, h := range proxies {
			before := callouts(h)
			result := send(t, h, 1, client)
			require.Equal(t, 429, result.Response.Status)
			require.Contains(t, result.Response.Header("ratelimit"), `"per-ip";r=0;t=`)
			require.Equal(t, before, callouts(h), "a blocked descriptor must not cause a callout")
		}

		// Another client is admitted, with the service's quota in the
		// headers.
		result := send(t, proxies[0], 0, randomClient())
		require.Equal(t, 200, result.Response.Status)
		require.Equal(t, `"per-ip";q=7;w=3600`, result.Response.Header("ratelimit-policy"))
		return true
	})
}

func TestClusterAsyncStaysWithinTheBound(t *testing.T) {
	_, svc := startService(t)
	const interval = 200 * time.Millisecond
	extra := `, "sync_interval": "200ms"`
	type proxy struct {
		h     *host.Host
		clock *host.ManualClock
	}
	proxies := make([]proxy, 2)
	for i := range proxies {
		proxies[i].h, proxies[i].clock = startProxy(t, clusterConfig("async", "allow", extra), svc.URL())
	}

	sameHour(t, func(t *testing.T) bool {
		// Each proxy admits perInterval requests of one client per sync
		// interval; the worst case over-admission is then
		// proxies × perInterval (docs/config.md): the hits of the interval
		// in which the service's count crossed the limit.
		const perInterval, limit = 3, 7
		client := randomClient()
		admitted, blockedAfter := 0, -1
		for round := range 8 {
			for _, p := range proxies {
				for i := range perInterval {
					if send(t, p.h, i%2, client).Response.Status == 200 {
						admitted++
					}
				}
			}
			for _, p := range proxies {
				require.NoError(t, p.h.Advance(interval))
				waitIdle(t, p.h)
			}
			if blockedAfter < 0 && send(t, proxies[0].h, 0, client).Response.Status == 429 {
				blockedAfter = round
			} else if blockedAfter < 0 {
				admitted++
			}
		}
		t.Logf("admitted %d of a limit of %d; blocked after round %d", admitted, limit, blockedAfter)
		require.GreaterOrEqual(t, admitted, limit)
		require.LessOrEqual(t, admitted, limit+len(proxies)*perInterval+1,
			"within the documented bound (the +1 is the probe request of each round)")
		require.GreaterOrEqual(t, blockedAfter, 0, "the OVER_LIMIT answer blocks the client")
		for _, p := range proxies {
			require.Equal(t, 429, send(t, p.h, 1, client).Response.Status, "blocked on every worker of every proxy")
		}
		return true
	})
}

func TestClusterServiceDownFollowsFailureModeAndRecovers(t *testing.T) {
	// Two proxies share the service: one with a sync rule, one with an
	// async rule, both with failure_mode deny.
	_, svc := startService(t)
	syncProxy, _ := startProxy(t, clusterConfig("sync", "deny", ""), svc.URL())
	asyncProxy, _ := startProxy(t, clusterConfig("async", "deny", `, "sync_interval": "200ms"`), svc.URL())
	client := randomClient()

	require.Equal(t, 200, send(t, syncProxy, 0, client).Response.Status)
	require.Equal(t, 200, send(t, asyncProxy, 0, client).Response.Status)
	svc.Stop()

	// A service that is down returns nothing, so each sync request gets
	// the rule's failure_mode (deny) at once. After 3 failures the breaker
	// opens.
	for i := range 6 {
		start := time.Now()
		result := send(t, syncProxy, i%2, client)
		require.Equal(t, 429, result.Response.Status)
		require.Less(t, time.Since(start), 2*time.Second, "no hang beyond the timeout")
	}
	require.Equal(t, 3, callouts(syncProxy)-1, "no callouts while the breaker is open")
	requireLogOnce(t, syncProxy, "circuit breaker opened")
	requireLogOnce(t, syncProxy, `"type":"dependency_failure"`)
	requireLogOnce(t, syncProxy, `"cluster":"ratelimit","breaker":"opened","error":"rate limit service: connection failed"`)

	// The async proxy admits until 3 reports in a row have failed; then its
	// breaker opens and its rule denies.
	for range 3 {
		require.Equal(t, 200, send(t, asyncProxy, 1, client).Response.Status)
		require.NoError(t, asyncProxy.Advance(200*time.Millisecond))
		waitIdle(t, asyncProxy)
	}
	requireLogOnce(t, asyncProxy, "circuit breaker opened")
	require.Equal(t, 429, send(t, asyncProxy, 0, client).Response.Status)

	// After the cool-down one callout probes; the service is back, so the
	// breaker closes and requests are admitted again.
	svc.Start()
	require.NoError(t, syncProxy.Advance(30*time.Second))
	value, _ := syncProxy.Metric("bulwark_cluster_rate_limit_breaker.transition.opened")
	require.EqualValues(t, 1, value, "the metrics that the tick flushed")
	value, _ = syncProxy.Metric("bulwark_callout_failures.cluster.ratelimit")
	require.EqualValues(t, 3, value, "the failed callouts before the breaker opened")
	require.Equal(t, 200, send(t, syncProxy, 1, client).Response.Status)
	requireLogOnce(t, syncProxy, "circuit breaker closed")
	require.Equal(t, 200, send(t, syncProxy, 0, client).Response.Status)

	require.NoError(t, asyncProxy.Advance(30*time.Second))
	waitIdle(t, asyncProxy)
	requireLogOnce(t, asyncProxy, "circuit breaker closed")
	require.Equal(t, 200, send(t, asyncProxy, 0, client).Response.Status)
}

func TestClusterRedisDownFollowsFailureModeAndRecovers(t *testing.T) {
	redis, svc := startService(t)
	h, _ := startProxy(t, clusterConfig("sync", "allow", ""), svc.URL())
	client := randomClient()
	require.Equal(t, 200, send(t, h, 0, client).Response.Status)

	redis.Stop()
	for i := range 4 {
		require.Equal(t, 200, send(t, h, i%2, client).Response.Status, "failure_mode allow")
	}
	requireLogOnce(t, h, "circuit breaker opened")

	// Each probe after a cool-down finds out whether the service responds
	// again, which takes it a moment after Redis is back.
	redis.Start()
	require.Eventually(t, func() bool {
		require.NoError(t, h.Advance(30*time.Second))
		send(t, h, 0, client)
		return countLogsContaining(h, "circuit breaker closed") == 1
	}, 20*time.Second, 200*time.Millisecond, "the breaker closes once Redis is back")
	require.Equal(t, 200, send(t, h, 1, client).Response.Status)
}

func countLogsContaining(h *host.Host, text string) int {
	n := 0
	for _, entry := range h.Logs() {
		if strings.Contains(entry.Message, text) {
			n++
		}
	}
	return n
}

func requireLogOnce(t *testing.T, h *host.Host, text string) {
	t.Helper()
	require.Equal(t, 1, countLogsContaining(h, text), "log lines containing %q", text)
}

func TestClusterSlowServiceTimesOut(t *testing.T) {
	config := strings.Replace(clusterConfig("sync", "deny", ""), `"timeout": "2s"`, `"timeout": "100ms"`, 1)
	h, _ := startProxy(t, config, silentService(t))
	start := time.Now()
	result := send(t, h, 0, randomClient())
	elapsed := time.Since(start)
	require.Equal(t, 429, result.Response.Status, "failure_mode deny")
	require.GreaterOrEqual(t, elapsed, 100*time.Millisecond)
	require.Less(t, elapsed, 2*time.Second, "the timeout bounds the wait")
	require.Equal(t, 1, countLogsContaining(h, "rate limit service: timed out"), "the debug log names the timeout")
}

func TestClusterExampleMatchesItsLimitsFile(t *testing.T) {
	pluginConfig, err := os.ReadFile("../../examples/cluster-rate-limits.json")
	require.NoError(t, err)
	// The example's 50 ms timeout suits a service next to Envoy. On a busy
	// 2-core test machine a callout can take longer, which would apply the
	// rule's failure_mode and fail the test for the wrong reason.
	patched := strings.Replace(string(pluginConfig), `"timeout": "50ms"`, `"timeout": "2s"`, 1)
	require.NotEqual(t, string(pluginConfig), patched, "the example's timeout was not found")
	pluginConfig = []byte(patched)
	limits, err := os.ReadFile("../../examples/cluster-rate-limits.yaml")
	require.NoError(t, err)

	redis := rlservice.StartRedis(t)
	svc := rlservice.StartService(t, redis, string(limits))
	h, _ := startProxy(t, string(pluginConfig), svc.URL())

	// The login-per-ip rule sends [route=login, client_ip=…], which the
	// limits file caps at 5 a minute per client.
	sameWindow(t, time.Minute, func(t *testing.T) bool {
		var b [2]byte
		_, _ = rand.Read(b[:])
		client := fmt.Sprintf("198.18.%d.%d", b[0], b[1])
		statuses := make([]int, 0, 6)
		for i := range 6 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			result, err := h.Do(ctx, &host.Request{Worker: i % 2, Method: "POST", Path: "/v1/login",
				SourceAddress: client + ":1234"}, nil)
			cancel()
			require.NoError(t, err)
			statuses = append(statuses, result.Response.Status)
			if i == 0 {
				require.Equal(t, `"login-per-ip";q=5;w=60`, result.Response.Header("ratelimit-policy"))
			}
		}
		require.Equal(t, []int{200, 200, 200, 200, 200, 429}, statuses)
		return true
	})
}

func TestClusterAbandonedRequestCountsAsUnfinished(t *testing.T) {
	// A service that never answers keeps the request paused until the
	// client goes away.
	h, _ := startProxy(t, clusterConfig("sync", "deny", ""), silentService(t))
	stream := h.Worker(0).NewStream(&host.Request{Method: "GET", Path: "/v1/items", SourceAddress: randomClient() + ":1"})
	require.Equal(t, host.ActionPause, stream.RequestHeaders(true))
	stream.Done()

	require.NoError(t, h.Advance(time.Second), "the tick sends the counters")
	value, ok := h.Metric("bulwark_requests.decision.denied.reason.unfinished")
	require.True(t, ok)
	require.EqualValues(t, 1, value)
}

// silentService returns the URL of a loopback server that accepts
// connections and never answers.
func silentService(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	return "http://" + listener.Addr().String()
}
