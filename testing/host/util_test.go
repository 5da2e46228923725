package host

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func itoa(n int) string { return strconv.Itoa(n) }

func hexOf(s string) string { return hex.EncodeToString([]byte(s)) }

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// requireLine checks that the stream's output has a line that is want, or
// starts with want followed by a space (more fields follow).
func requireLine(t testing.TB, res *Result, want string, msgAndArgs ...any) {
	t.Helper()
	for _, l := range outLines(res) {
		if l == want || strings.HasPrefix(l, want+" ") {
			return
		}
	}
	require.Fail(t, "missing output line", "want %q in %q %v", want, outLines(res), msgAndArgs)
}
