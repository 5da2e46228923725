package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// secretMarker is planted in every test key, so that a test can search
// everything the host captured for a leaked key.
const secretMarker = "LEAKCANARY"

// testNow is the time of the manual clock that every test starts from.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// compilationCache lets every Host of the test binary reuse the machine
// code that wazero compiled from the module once.
var compilationCache = wazero.NewCompilationCache()

var (
	wasmOnce  sync.Once
	wasmBytes []byte
	wasmErr   error
)

// moduleBytes returns build/bulwark.wasm, read once per test binary.
func moduleBytes(t testing.TB) []byte {
	t.Helper()
	wasmOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		path := filepath.Join(filepath.Dir(file), "..", "..", "build", "bulwark.wasm")
		wasmBytes, wasmErr = os.ReadFile(path)
		if wasmErr != nil {
			wasmErr = fmt.Errorf("%w: build the filter first with `make build`", wasmErr)
		}
	})
	require.NoError(t, wasmErr)
	return wasmBytes
}

// testKey is an API key minted for a test, with its configuration digest.
type testKey struct {
	Key    string
	Digest string
}

func mintKey(name string) testKey {
	key := "bwk_" + secretMarker + "_" + name + "_0123456789abcdef"
	sum := sha256.Sum256([]byte(key))
	return testKey{Key: key, Digest: hex.EncodeToString(sum[:])}
}

// startHost loads the module with the given plugin configuration on two
// workers and a manual clock, and closes it when the test ends.
func startHost(t testing.TB, pluginConfig string) (*host.Host, *host.ManualClock) {
	t.Helper()
	clock := host.NewManualClock(testNow)
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          2,
		PluginConfig:     []byte(pluginConfig),
		Clock:            clock,
		CompilationCache: compilationCache,
	})
	require.NoError(t, err)
	closeAtEnd(t, h)
	return h, clock
}

// closeAtEnd closes h when the test ends, after checking that no log line
// it captured holds a test key (secretMarker) or a JWT ("eyJ", the base64url
// of `{"`), so every end-to-end test is also a leak test.
func closeAtEnd(t testing.TB, h *host.Host) {
	t.Cleanup(func() {
		for _, entry := range h.Logs() {
			if strings.Contains(entry.Message, secretMarker) || strings.Contains(entry.Message, "eyJ") {
				t.Errorf("a log line leaked a credential: level %s, worker %d", entry.Level, entry.Worker)
				break
			}
		}
		h.Close(context.Background())
	})
}

// get sends a GET request with the given headers from 10.0.0.1.
func get(t testing.TB, h *host.Host, path string, headers ...[2]string) *host.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	result, err := h.Do(ctx, &host.Request{
		Worker:        -1,
		Method:        "GET",
		Path:          path,
		Authority:     "api.example.com",
		Scheme:        "https",
		Headers:       headers,
		SourceAddress: "10.0.0.1:40000",
	}, nil)
	require.NoError(t, err)
	return result
}

// errorBody is the JSON body of every local reply.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

func decodeError(t testing.TB, result *host.Result) errorBody {
	t.Helper()
	var body errorBody
	require.NoError(t, json.Unmarshal(result.Response.Body, &body), "body: %s", result.Response.Body)
	return body
}

func header(headers [][2]string, name string) (string, bool) {
	for _, h := range headers {
		if h[0] == name {
			return h[1], true
		}
	}
	return "", false
}

func headerValues(headers [][2]string, name string) []string {
	var values []string
	for _, h := range headers {
		if h[0] == name {
			values = append(values, h[1])
		}
	}
	return values
}

// requireNoSecretLogged fails when any captured log line holds a test key.
func requireNoSecretLogged(t testing.TB, h *host.Host) {
	t.Helper()
	for _, entry := range h.Logs() {
		require.NotContains(t, entry.Message, secretMarker, "a log line leaked a key")
	}
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

func containsAny(s string, parts ...string) bool {
	for _, part := range parts {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}
