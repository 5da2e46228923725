package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-dev/bulwark/filter/inject"
)

// scanNative runs the default policy's scan on an item natively, in the
// order the filter does: target, headers, body. It returns the findings.
func scanNative(p *inject.Policy, it *item) []inject.Finding {
	target := it.Path
	if it.Query != "" {
		target += "?" + it.Query
	}
	if f := p.ScanTarget(target); len(f) > 0 {
		return f
	}
	var headers [][2]string
	for name, value := range it.Headers {
		headers = append(headers, [2]string{strings.ToLower(name), value})
	}
	sort.Slice(headers, func(i, j int) bool { return headers[i][0] < headers[j][0] })
	if f := p.ScanHeaders(headers); len(f) > 0 {
		return f
	}
	if it.Body == "" {
		return nil
	}
	return p.ScanBody(it.ContentType, []byte(it.Body))
}

// TestCorpusMisses lists the attack items of the category in
// BULWARK_CORPUS_MISSES that the native scan misses, or for "benign" the
// items it flags. It writes one line per item, with its id and request
// parts, to BULWARK_CORPUS_REPORT (default stdout). It is an analysis aid,
// so the detectors must be tuned on what a category means, never on the
// items it lists.
func TestCorpusMisses(t *testing.T) {
	category := os.Getenv("BULWARK_CORPUS_MISSES")
	if category == "" {
		t.Skip("set BULWARK_CORPUS_MISSES to a corpus category to list its misses")
	}
	items := loadItems(t, filepath.Join(corpusDir(t), category+".jsonl"), 1)
	out := os.Stdout
	if name := os.Getenv("BULWARK_CORPUS_REPORT"); name != "" {
		f, err := os.Create(name)
		if err != nil {
			t.Fatalf("creating the report %s failed: %v", name, err)
		}
		defer f.Close()
		out = f
	}

	p := inject.DefaultPolicy()
	listed := 0
	for i := range items {
		it := &items[i]
		findings := scanNative(p, it)
		if (category == "benign") != (len(findings) > 0) {
			continue
		}
		listed++
		fmt.Fprintf(out, "%s\t%s %s?%s\tbody=%.300q\tfindings=%v\n", it.ID, it.Method, it.Path, it.Query, it.Body, findings)
	}
	fmt.Fprintf(os.Stderr, "%s: %d of %d items listed (%.1f%%)\n", category, listed, len(items), 100*float64(listed)/float64(len(items)))
}
