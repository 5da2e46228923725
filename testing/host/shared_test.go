package host

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSharedDataCompareAndSwap(t *testing.T) {
	h := newTestHost(t, Options{Workers: 2, VMID: "vm"})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers",
		"shared-get k; shared-set k v1 0; shared-get k; shared-set k v2 99; shared-set k v2 1; shared-get k; shared-set other x 55; shared-get other; shared-set empty - 0; shared-get empty"), nil)
	require.NoError(t, err)

	require.Equal(t, []string{
		"shared-get k st=1 cas=0 v=",
		"shared-set k st=0",
		"shared-get k st=0 cas=1 v=v1",
		"shared-set k st=8", // stale cas
		"shared-set k st=0",
		"shared-get k st=0 cas=2 v=v2",
		"shared-set other st=0", // a non-zero cas on an absent key creates it
		"shared-get other st=0 cas=3 v=x",
		"shared-set empty st=0",
		"shared-get empty st=0 cas=4 v=",
	}, outLines(res))

	res, err = h.Do(testCtx(t), &Request{Worker: 1, Headers: [][2]string{{"x-on-request-headers", "shared-get k"}}}, nil)
	require.NoError(t, err)
	requireLine(t, res, "shared-get k st=0 cas=2 v=v2", "every worker of the vm_id shares the store")

	value, cas, ok := h.SharedData("k")
	require.True(t, ok)
	require.Equal(t, "v2", string(value))
	require.Equal(t, uint32(2), cas)
	require.Equal(t, []string{"empty", "k", "other"}, h.SharedDataKeys())
	require.Equal(t, len("empty")+len("kv2")+len("otherx"), h.SharedDataBytes())
}

// TestSharedDataHammer increments one counter from 4 workers at once with
// compare-and-swap loops; no increment may be lost.
func TestSharedDataHammer(t *testing.T) {
	const workers, perWorker = 4, 25
	h := newTestHost(t, Options{Workers: workers})
	h.SetSharedData("hits", []byte("0"))
	var wg sync.WaitGroup
	retries := make(chan string, workers*perWorker)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				req := &Request{Worker: w, Headers: [][2]string{{"x-on-request-headers", "shared-incr hits"}}}
				res, err := h.Do(context.Background(), req, nil)
				if err != nil {
					retries <- err.Error()
					continue
				}
				retries <- outLines(res)[0]
			}
		}()
	}
	wg.Wait()
	close(retries)

	for line := range retries {
		require.True(t, strings.HasPrefix(line, "shared-incr hits attempts="), line)
	}
	value, _, _ := h.SharedData("hits")
	require.Equal(t, itoa(workers*perWorker), string(value))
}

func TestSharedDataInjectedCasMismatch(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	h.SetSharedData("n", []byte("5"))
	require.NoError(t, h.InjectFault(Fault{Kind: FaultCasMismatch, Count: 2}))

	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "shared-incr n"), nil)
	require.NoError(t, err)

	requireLine(t, res, "shared-incr n attempts=3")
	value, _, _ := h.SharedData("n")
	require.Equal(t, "6", string(value))
}

func TestSharedQueueNotifiesLastRegistrant(t *testing.T) {
	h := newTestHost(t, Options{Workers: 2, PluginConfig: []byte("on-configure: queue-register jobs\non-queue: queue-dequeue 1; queue-dequeue 1")})
	require.Equal(t, []string{"queue-register st=0 token=1", "queue-register st=0 token=1"}, rootOutput(h))
	h.ResetLogs()

	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "queue-resolve - jobs; queue-enqueue 1 hello"), nil)
	require.NoError(t, err)
	require.NoError(t, h.WaitIdle(testCtx(t)))

	require.Equal(t, []string{"queue-resolve st=0 token=1", "queue-enqueue st=0"}, outLines(res))
	require.Equal(t, []string{"queue-ready token=1", "queue-dequeue st=0 v=hello", "queue-dequeue st=7 v="}, rootOutput(h))
	for _, e := range h.LogsAt(LogInfo) {
		require.Equal(t, 1, e.Worker, "worker 1 registered last, so it is notified")
	}
}
