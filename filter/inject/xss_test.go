package inject

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEncodedAngleBracket(t *testing.T) {
	for _, v := range []string{"&#60;b", "&#x003C;i", `\x3cp`, `\u003Ca`, "&#0060"} {
		require.True(t, hasRuleID(scanText(v), "xss-encoded-angle"), "%q", v)
	}
	// Text spells '<' as &lt;, and other references are plain characters.
	for _, v := range []string{"a &lt; b", "caf&#233;", "&#8592; back", "&#609;", "x3c is hex", "&#x3cf;"} {
		require.Empty(t, scanText(v), "%q", v)
	}
}
