package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestGarbageCollectionDuringHostcalls runs the module with GOGC=1, so that
// Go's collector runs between and within the callbacks in which the host
// hands it memory through proxy_on_memory_allocate, on two workers at once.
// Every decision and every forwarded header must stay intact.
func TestGarbageCollectionDuringHostcalls(t *testing.T) {
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          2,
		PluginConfig:     []byte(authConfig()),
		Environment:      map[string]string{"GOGC": "1", "GODEBUG": "gctrace=1"},
		CompilationCache: compilationCache,
	})
	require.NoError(t, err)
	closeAtEnd(t, h)

	var wg sync.WaitGroup
	for client := 0; client < 4; client++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				key, status := keyReader.Key, 200
				if i%3 == 0 {
					key, status = keyUnknown.Key, 401
				}
				result, err := h.Do(context.Background(), &host.Request{
					Worker: host.AnyWorker, Method: "GET", Path: "/orders?page=1", Authority: "api.example.com",
					Headers: [][2]string{{"x-api-key", key}, {"x-filler", strings.Repeat("f", 512)}},
				}, nil)
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				if !assertStatus(t, result, status) {
					return
				}
				if status == 200 {
					id, _ := header(result.Upstream.Headers, "x-bulwark-client-id")
					filler, _ := header(result.Upstream.Headers, "x-filler")
					if id != "reader" || filler != strings.Repeat("f", 512) {
						t.Errorf("request %d: corrupt upstream headers: id %q, filler of %d bytes", i, id, len(filler))
						return
					}
				}
			}
		}()
	}
	wg.Wait()

	require.True(t, loggedAtLeast(h, host.LogInfo, "gc "), "the collector never ran: GOGC did not reach the module")
	require.False(t, h.Failed(0) || h.Failed(1), "a worker VM failed")
}

func assertStatus(t *testing.T, result *host.Result, status int) bool {
	t.Helper()
	if result.Response.Status != status {
		t.Errorf("status %d, want %d: %s", result.Response.Status, status, result.Response.Body)
		return false
	}
	return true
}
