package host

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

// testModule is testdata/testmod compiled once per test binary run.
var testModule struct {
	once  sync.Once
	dir   string
	wasm  []byte
	err   error
	cache wazero.CompilationCache
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "host-testmod-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create temp dir:", err)
		os.Exit(1)
	}
	testModule.dir = dir
	testModule.cache = wazero.NewCompilationCache()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testWasm builds testdata/testmod for wasip1 (cached per run); a build
// failure fails the test rather than skipping it.
func testWasm(t testing.TB) []byte {
	t.Helper()
	testModule.once.Do(func() {
		out := filepath.Join(testModule.dir, "testmod.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/testmod")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if output, err := cmd.CombinedOutput(); err != nil {
			testModule.err = fmt.Errorf("build testdata/testmod: %v\n%s", err, output)
			return
		}
		testModule.wasm, testModule.err = os.ReadFile(out)
	})
	require.NoError(t, testModule.err)
	return testModule.wasm
}

// newTestHost starts a Host on the test module and closes it with the test.
func newTestHost(t testing.TB, opts Options) *Host {
	t.Helper()
	if opts.CompilationCache == nil {
		opts.CompilationCache = testModule.cache
	}
	h, err := New(context.Background(), testWasm(t), opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, h.Close(ctx))
	})
	return h
}

// testCtx returns a context that ends with the test or after 20 s.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cmdRequest returns a request for worker 0 whose x-on-<phase> headers
// carry test-module commands.
func cmdRequest(phases ...string) *Request {
	req := &Request{Method: "GET", Path: "/", Authority: "example.com"}
	for i := 0; i+1 < len(phases); i += 2 {
		req.Headers = append(req.Headers, [2]string{"x-on-" + phases[i], phases[i+1]})
	}
	return req
}

// outLines returns the test module's output lines for a stream.
func outLines(r *Result) []string {
	out := string(r.FilterState["wasm.test.out"])
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// outLine returns the first output line that starts with prefix.
func outLine(t testing.TB, r *Result, prefix string) string {
	t.Helper()
	for _, l := range outLines(r) {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no output line starts with %q; output: %q", prefix, outLines(r))
	return ""
}

// rootOutput returns the root context's "out: " log lines.
func rootOutput(h *Host) []string {
	var lines []string
	for _, e := range h.LogsAt(LogInfo) {
		if line, ok := strings.CutPrefix(e.Message, "out: "); ok {
			lines = append(lines, line)
		}
	}
	return lines
}
