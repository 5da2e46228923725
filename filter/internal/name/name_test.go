package name

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidNames(t *testing.T) {
	for _, s := range []string{"a", "partner", "tier_2-b", "A9", strings.Repeat("n", 64)} {
		require.True(t, Valid(s), s)
	}
	for _, s := range []string{"", strings.Repeat("n", 65), "gold plan", "a.b", "gőld", "a\n", "a/b"} {
		require.False(t, Valid(s), s)
	}
}
