package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// memoryWorkers is the number of worker VMs of the memory test, as on a
// two-core Envoy.
const memoryWorkers = 2

// maxVMMemory is the linear memory that no worker VM may exceed after the
// memory test's requests. It is about twice the figures that the test logs
// and docs/deploy.md reports, so the test fails on growth, not on noise.
const maxVMMemory = 32 << 20

// TestVMMemoryStaysBounded sends a mix of every kind of request that the
// filter handles to two worker VMs and checks that their linear memory and
// the shared data stay within bounds. Every API-key request comes from a new
// client address and every token is new, so the rate limiter's key space and
// the verified-token cache fill to their limits.
//
// It sends 3,000 requests by default; BULWARK_MEMORY_REQUESTS sets another
// number, such as the 100,000 that docs/deploy.md reports:
//
//	BULWARK_MEMORY_REQUESTS=100000 go test -count=1 -v -run TestVMMemoryStaysBounded ./testing/e2e/
func TestVMMemoryStaysBounded(t *testing.T) {
	requests := 3000
	if v := os.Getenv("BULWARK_MEMORY_REQUESTS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "BULWARK_MEMORY_REQUESTS must be a number of requests, such as 100000")
		requests = n
	}

	keys := sharedJWTKeys(t)
	clock := host.NewManualClock(testNow)
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          memoryWorkers,
		PluginConfig:     []byte(memoryConfig(t, keys)),
		Clock:            clock,
		CompilationCache: compilationCache,
	})
	require.NoError(t, err)
	closeAtEnd(t, h)

	atStart := vmMemory(h)
	statuses := map[string]map[int]int{}
	var afterWarmUp []uint64
	for i := 0; i < requests; i++ {
		kind, req, want := memoryRequest(t, keys, i)
		result, err := h.Do(context.Background(), req, nil)
		require.NoError(t, err, "request %d (%s)", i, kind)
		require.Contains(t, want, result.Response.Status, "request %d (%s): %s", i, kind, result.Response.Body)

		if statuses[kind] == nil {
			statuses[kind] = map[int]int{}
		}
		statuses[kind][result.Response.Status]++

		if i%1000 == 999 {
			require.NoError(t, h.Advance(time.Second))
		}
		if i == 999 {
			afterWarmUp = vmMemory(h)
		}
	}

	end := vmMemory(h)
	t.Logf("requests: %d on %d workers; statuses by kind: %v", requests, memoryWorkers, statuses)
	t.Logf("linear memory per VM at start: %s; after 1,000 requests: %s; at the end: %s", mebibytes(atStart), mebibytes(afterWarmUp), mebibytes(end))
	t.Logf("shared data: %d keys, %d bytes", len(h.SharedDataKeys()), h.SharedDataBytes())

	for i, size := range end {
		require.LessOrEqual(t, size, uint64(maxVMMemory), "worker %d's linear memory", i)
	}
	// The three rules have 110,001 slots of well under 200 bytes each, key
	// included, whatever the number of requests.
	require.Less(t, h.SharedDataBytes(), 24<<20, "shared data bytes")
	require.Zero(t, statuses["api_key"][500]+statuses["jwt"][500]+statuses["injection"][500], "no request may fail")
}

// TestRateLimitSlotsDoNotGrowTheHeap starts two workers with a rule of
// 100,000 slots. The first worker creates the slots and the second reads
// each one back, so the host allocates every value that it returns in the
// module. If those buffers stayed pinned, the second worker's memory would
// grow with the number of slots.
func TestRateLimitSlotsDoNotGrowTheHeap(t *testing.T) {
	start := func(pluginConfig string) []uint64 {
		h, err := host.New(context.Background(), moduleBytes(t), host.Options{
			Workers:          2,
			PluginConfig:     []byte(pluginConfig),
			CompilationCache: compilationCache,
		})
		require.NoError(t, err)
		defer h.Close(context.Background())
		return vmMemory(h)
	}

	without := start(authConfig())
	with := start(rateConfig(t, map[string]any{"rules": []any{
		map[string]any{"name": "per-ip", "algorithm": "token_bucket", "capacity": 10, "refill_per_second": 1, "key": []any{"client_ip"}, "max_keys": 100000},
	}}))
	t.Logf("linear memory per VM at start: %s without rate limits, %s with 100,000 slots", mebibytes(without), mebibytes(with))

	for i := range with {
		require.LessOrEqual(t, with[i], without[i]+4<<20, "worker %d grew by more than 4 MiB while the slots were created", i)
	}
}

// memoryConfig enables every check: API keys, JWT (HS256 and RS256 in pure
// Go), three local rate limit rules and injection detection in block mode.
func memoryConfig(t *testing.T, keys jwtKeys) string {
	var doc, jwtDoc map[string]any
	require.NoError(t, json.Unmarshal([]byte(authConfig()), &doc))
	require.NoError(t, json.Unmarshal([]byte(keys.config(t)), &jwtDoc))

	doc["jwt"] = jwtDoc["jwt"]
	doc["routes"] = append(doc["routes"].([]any), map[string]any{"name": "jwt", "match": map[string]any{"prefix": "/jwt/"}, "auth": "jwt"})
	doc["rate_limits"] = map[string]any{
		"rules": []any{
			map[string]any{"name": "per-ip", "algorithm": "sliding_window", "limit": 100, "window": "1m", "key": []any{"client_ip"}, "max_keys": 10000},
			map[string]any{"name": "per-caller", "algorithm": "token_bucket", "capacity": 1000000, "refill_per_second": 1000, "key": []any{"caller"}, "max_keys": 100000},
			map[string]any{"name": "global", "algorithm": "token_bucket", "capacity": 1000000, "refill_per_second": 100000, "key": []any{"global"}, "max_keys": 1},
		},
	}
	doc["injection"] = map[string]any{"mode": "block", "max_body_bytes": 65536}
	return mustJSON(doc)
}

// memoryRequest returns the i-th request of the memory test, its kind and
// the statuses it may get.
func memoryRequest(t *testing.T, keys jwtKeys, i int) (string, *host.Request, []int) {
	source := fmt.Sprintf("10.%d.%d.%d:40000", i>>16&0xff, i>>8&0xff, i&0xff)
	req := &host.Request{Worker: host.AnyWorker, Authority: "api.example.com", Scheme: "https", SourceAddress: source}

	switch i % 10 {
	case 4:
		// A typical API request with a JSON body whose values change.
		typical := typicalRequest(2048)
		typical.Worker, typical.SourceAddress = host.AnyWorker, source
		typical.Body = []byte(strings.ReplaceAll(string(typical.Body), "O'Connell", "O'Connell "+strconv.Itoa(i)))
		return "injection", typical, []int{200}
	case 5:
		req.Path = fmt.Sprintf("/orders?id=%d'%%20OR%%201=1--", i)
		req.Headers = [][2]string{{"x-api-key", keyReader.Key}}
		return "injection", req, []int{403}
	case 6, 8:
		alg := "HS256"
		if i%100 == 8 {
			alg = "RS256"
		}
		token := keys.mint(t, alg, map[string]any{
			"iss": "https://" + strings.ToLower(alg[:2]) + ".test", "aud": "api", "sub": "user-" + strconv.Itoa(i),
			"jti": "memory-" + strconv.Itoa(i), "exp": testNow.Add(24 * time.Hour).Unix(),
		})
		req.Path = "/jwt/profile"
		req.Headers = [][2]string{{"authorization", "Bearer " + token}}
		return "jwt", req, []int{200}
	case 7:
		req.Path = "/orders"
		req.Headers = [][2]string{{"x-api-key", keyUnknown.Key}}
		return "api_key", req, []int{401}
	default:
		req.Path = "/orders?page=" + strconv.Itoa(i)
		req.Headers = [][2]string{{"x-api-key", keyReader.Key}, {"user-agent", "client/" + strconv.Itoa(i%50)}}
		return "api_key", req, []int{200}
	}
}

func vmMemory(h *host.Host) []uint64 {
	sizes := make([]uint64, h.Workers())
	for i := range sizes {
		sizes[i] = h.Worker(i).MemoryBytes()
	}
	return sizes
}

func mebibytes(sizes []uint64) string {
	parts := make([]string, len(sizes))
	for i, size := range sizes {
		parts[i] = fmt.Sprintf("%.1f MiB", float64(size)/(1<<20))
	}
	return strings.Join(parts, ", ")
}
