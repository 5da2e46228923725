package corpus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// startHost loads build/bulwark.wasm on two workers with pluginConfig and
// closes it when the test ends. A missing module fails the test.
func startHost(t *testing.T, pluginConfig string) *host.Host {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "build", "bulwark.wasm")
	module, err := os.ReadFile(path)
	if err != nil {
		require.NoError(t, fmt.Errorf("%w: build the filter first with `make build`", err))
	}

	h, err := host.New(context.Background(), module, host.Options{Workers: 2, PluginConfig: []byte(pluginConfig)})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}
