// Package corpus replays the labelled request corpus through the compiled
// filter in the proxy-wasm host and reports the detection rate per attack
// category and the false-positive rate on benign requests.
//
// The corpus lives outside the repository; BULWARK_CORPUS names its folder
// (default ../../../shared/corpus from this package). Without the corpus
// the test is skipped, unless BULWARK_CORPUS is set, as .ci/run sets it.
// By default it replays every item; BULWARK_CORPUS_STRIDE=N takes every
// Nth. `make corpus` prints the table.
package corpus

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// item is one corpus record; see the corpus README for the fields.
type item struct {
	ID          string            `json:"id"`
	Label       string            `json:"label"`
	Category    string            `json:"category"`
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Query       string            `json:"query"`
	Headers     map[string]string `json:"headers"`
	Body        string            `json:"body"`
	ContentType string            `json:"content_type"`
}

// categories are the corpus files, attack categories first.
var categories = []string{"sqli", "xss", "cmdi", "traversal", "nosqli", "other", "benign"}

// replayConfig is the filter configuration of the replay: no
// authentication, injection detection with every default.
const replayConfig = `{"default_route": {"auth": "none"}, "injection": {}}`

func corpusDir(t *testing.T) string {
	if dir := os.Getenv("BULWARK_CORPUS"); dir != "" {
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
}

func loadItems(t *testing.T, path string, stride int) []item {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err, "open the corpus file; set BULWARK_CORPUS to the corpus folder")
	defer f.Close()

	var items []item
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 4<<20)
	for n := 0; scanner.Scan(); n++ {
		if n%stride != 0 {
			continue
		}
		var it item
		require.NoError(t, json.Unmarshal(scanner.Bytes(), &it), "%s line %d", path, n+1)
		items = append(items, it)
	}
	require.NoError(t, scanner.Err())
	return items
}

// request turns a corpus item into a host request. Host becomes the
// authority; Content-Length is implied by the body.
func request(it *item) *host.Request {
	target := it.Path
	if it.Query != "" {
		target += "?" + it.Query
	}
	req := &host.Request{Worker: host.AnyWorker, Method: it.Method, Path: target, Scheme: "https", Body: []byte(it.Body)}
	for name, value := range it.Headers {
		if strings.EqualFold(name, "host") {
			req.Authority = value
			continue
		}
		req.Headers = append(req.Headers, [2]string{name, value})
	}
	return req
}

// blocked replays items on two goroutines and counts the requests that
// did not reach the upstream: 403 from the injection check, and 400 from
// the path check, which rejects malformed paths before any scan.
func blocked(t *testing.T, h *host.Host, items []item) int {
	var count, failed int
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan *item)
	for range 2 {
		wg.Go(func() {
			for it := range next {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				result, err := h.Do(ctx, request(it), nil)
				cancel()
				mu.Lock()
				switch {
				case err != nil || result.Response == nil:
					failed++
					t.Errorf("%s: replay failed: %v", it.ID, err)
				case result.Response.Status == 403 || result.Response.Status == 400:
					count++
				case result.Response.Status != 200:
					failed++
					t.Errorf("%s: status %d: %s", it.ID, result.Response.Status, result.Response.Body)
				}
				mu.Unlock()
			}
		})
	}
	for i := range items {
		next <- &items[i]
	}
	close(next)
	wg.Wait()
	return count
}

// TestCorpusReplay prints one line per category: items, blocked, rate.
func TestCorpusReplay(t *testing.T) {
	dir := corpusDir(t)
	if _, err := os.Stat(dir); err != nil && (testing.Short() || os.Getenv("BULWARK_CORPUS") == "") {
		// The corpus lives outside the repository; .ci/run sets
		// BULWARK_CORPUS when it finds it, so a missing corpus there fails.
		t.Skipf("corpus not found at %s; set BULWARK_CORPUS to the corpus folder", dir)
	}
	stride := 1
	if s := os.Getenv("BULWARK_CORPUS_STRIDE"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "BULWARK_CORPUS_STRIDE must be a positive integer")
		stride = max(n, 1)
	}
	h := startHost(t, replayConfig)

	var attacks, caught int
	rates := map[string]float64{}
	for _, category := range categories {
		items := loadItems(t, filepath.Join(dir, category+".jsonl"), stride)
		start := time.Now()
		n := blocked(t, h, items)
		rates[category] = 100 * float64(n) / float64(len(items))
		fmt.Printf("corpus %-9s %5d items  %5d blocked  %5.1f%%  (%v)\n",
			category, len(items), n, rates[category], time.Since(start).Round(time.Millisecond))
		if category != "benign" {
			attacks += len(items)
			caught += n
		}
	}
	fmt.Printf("corpus all attacks %5d items  %5d blocked  %5.1f%%\n", attacks, caught, 100*float64(caught)/float64(attacks))

	// Floors a little under the measured rates, so that a detector
	// regression fails the test; BENCHMARKS.md has the measured numbers.
	require.Less(t, rates["benign"], 5.6, "false positives at most half of CRS level 1 (11.2%)")
	require.Greater(t, 100*float64(caught)/float64(attacks), 85.8, "overall detection rate")
	if stride == 1 {
		for category, floor := range detectionFloors {
			require.Greater(t, rates[category], floor, "detection rate of %s", category)
		}
	}
}

// detectionFloors are the per-category detection rates, in percent, that
// a full replay must exceed: the measured rates rounded down by about half
// a point (BENCHMARKS.md has the measured numbers).
var detectionFloors = map[string]float64{
	"sqli": 86.3, "xss": 95.6, "cmdi": 75.6, "traversal": 93.4, "nosqli": 97.7, "other": 73.4,
}
