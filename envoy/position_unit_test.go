package envoy

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONPathAt(t *testing.T) {
	data := []byte(`{"a":[{"b":1},{"c":[true,"x"]}],"d":{"e":null}}`)
	tests := []struct {
		token string
		want  string
	}{
		{`1}`, "a[0].b"},
		{`"c"`, "a[1].c"},
		{`"x"`, "a[1].c[1]"},
		{`true`, "a[1].c[0]"},
		{`null`, "d.e"},
		{`"d"`, "d"},
	}
	for _, tc := range tests {
		t.Run(tc.token, func(t *testing.T) {
			offset := strings.Index(string(data), tc.token)
			require.GreaterOrEqual(t, offset, 0)

			path, ok := jsonPathAt(data, offset)
			require.True(t, ok)
			require.Equal(t, tc.want, path.String())
		})
	}
}

func TestJSONPathAtPastEnd(t *testing.T) {
	_, ok := jsonPathAt([]byte(`{"a":1}`), 100)
	require.False(t, ok)
}

// TestBootstrapErrorHidesConfiguration checks that a plugin configuration
// in the wrong wrapper type is reported without any of its text.
func TestBootstrapErrorHidesConfiguration(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid-bootstrap/configuration-bytes.yaml")
	require.NoError(t, err)

	report := strings.Join(checkBootstrap(data), "\n")
	require.Contains(t, report, "configuration.value")
	require.NotContains(t, report, "SECRET-MARKER")
	require.NotContains(t, report, "c9ae65d2031e49d7")
}
