package rlservice

import (
	"errors"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hangTimeout is the client timeout after which a request counts as hanging.
const hangTimeout = 500 * time.Millisecond

func TestServiceWithRedisDown(t *testing.T) {
	r := StartRedis(t)
	s := StartService(t, r, testLimits)
	waitForFreshMinute(t)
	counted := request("bulwark-test", 0, []string{"client_ip", "192.0.2.10"})
	failing := request("bulwark-test", 0, []string{"client_ip", "192.0.2.11"})

	for range 2 {
		require.Equal(t, 200, mustPost(t, s, counted).Status)
	}
	r.Stop()

	// Each pooled connection that Redis reset fails one request at once,
	// with the same response as a malformed request.
	a := mustPost(t, s, failing)
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "Bad Request\n", a.Body)
	assert.Less(t, a.Elapsed, 100*time.Millisecond)
	t.Logf("first response with Redis down: %d in %s", a.Status, a.Elapsed)

	// Once the pool has no connection left, a request waits for a new one
	// without a deadline. REDIS_TIMEOUT does not bound that wait.
	short := &http.Client{Timeout: hangTimeout}
	fast, hung := 1, false
	for range 12 {
		a, err := postJSON(t, short, s, failing)
		if err != nil {
			hung = true
			assert.GreaterOrEqual(t, a.Elapsed, hangTimeout)
			break
		}
		require.Equal(t, 400, a.Status)
		fast++
	}
	require.True(t, hung, "no request hung after %d fast responses", fast)
	assert.LessOrEqual(t, fast, 10, "fast responses; the pool has REDIS_POOL_SIZE=10 connections")
	t.Logf("%d fast 400 responses, then requests hang", fast)

	// The health check does not look at Redis.
	resp, err := healthClient.Get(s.URL() + "/healthcheck")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	// A request sent now waits until Redis is back. The pool redials with a
	// backoff from 125 ms up to 4 s, so it may wait that long after Redis
	// restarts. Redis restarts empty, so the earlier hits are gone.
	replies := make(chan reply, 1)
	go func() {
		a, err := postJSON(t, jsonClient, s, counted)
		assert.NoError(t, err)
		replies <- a
	}()
	time.Sleep(hangTimeout)
	require.Empty(t, replies, "a request returned while Redis was down")

	r.Start()
	restarted := time.Now()
	a = <-replies
	t.Logf("waiting request returned %s after Redis restarted", time.Since(restarted))
	assert.Less(t, time.Since(restarted), 5*time.Second)
	require.Equal(t, 200, a.Status, a.Body)
	doc := a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OK", status("OK", 3, "MINUTE", 2)), doc)
}

func TestServiceStopAndStart(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	waitForFreshMinute(t)
	body := request("bulwark-test", 0, []string{"client_ip", "192.0.2.12"})
	require.Equal(t, 200, mustPost(t, s, body).Status)

	s.Stop()
	_, err := postJSON(t, jsonClient, s, body)
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "error %v", err)

	// The counters live in Redis, so the second request continues the count.
	start := time.Now()
	s.Start()
	t.Logf("service restarted in %s", time.Since(start))
	a := mustPost(t, s, body)
	require.Equal(t, 200, a.Status, a.Body)
	doc := a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OK", status("OK", 3, "MINUTE", 1)), doc)
}

func TestServiceWithRedisPaused(t *testing.T) {
	r := StartRedis(t)
	s := StartService(t, r, testLimits)
	waitForFreshMinute(t)
	body := request("bulwark-test", 0, []string{"client_ip", "192.0.2.14"})
	require.Equal(t, 200, mustPost(t, s, body).Status)

	// Redis accepts connections but sends nothing. The request waits,
	// although REDIS_TIMEOUT is 1 s, because the service gives Redis calls no
	// deadline.
	r.Pause()
	replies := make(chan reply, 1)
	go func() {
		a, err := postJSON(t, jsonClient, s, body)
		assert.NoError(t, err)
		replies <- a
	}()
	time.Sleep(1500 * time.Millisecond)
	require.Empty(t, replies, "a request returned while Redis was paused")

	// The waiting request completes once Redis responds again.
	r.Resume()
	select {
	case a := <-replies:
		require.Equal(t, 200, a.Status, a.Body)
		doc := a.decode(t)
		takeDurations(t, doc)
		assert.Equal(t, response("OK", status("OK", 3, "MINUTE", 1)), doc)
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not return within 5 s after Redis resumed")
	}
}

func TestServiceStartWithRedisDown(t *testing.T) {
	r := StartRedis(t)
	r.Stop()

	_, err := startService(t, r, testLimits, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ratelimit exited before it was ready")
}

// invalidLimits has a unit the service does not know.
const invalidLimits = `
domain: bulwark-test
descriptors:
  - key: client_ip
    rate_limit:
      unit: fortnight
      requests_per_unit: 3
`

func TestServiceStartWithInvalidLimits(t *testing.T) {
	s, err := startService(t, StartRedis(t), invalidLimits, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "limits.yaml: invalid rate limit unit 'fortnight'")
	assert.Contains(t, s.Log(), "Error loading new configuration")
}

func TestServiceInvalidLimitsWithDefaultHealth(t *testing.T) {
	// With the service's default HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED,
	// it reports healthy without limits and rejects every request.
	s := StartService(t, StartRedis(t), invalidLimits, "HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED=false")
	a := mustPost(t, s, request("bulwark-test", 0, []string{"client_ip", "192.0.2.15"}))
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "Bad Request\n", a.Body)
	assert.Contains(t, s.Log(), "no rate limit configuration loaded")
}
