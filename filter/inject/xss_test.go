package inject

import (
	"math/rand/v2"
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

// TestXSSNeedsMarkupClasses checks the test that checkClassified makes
// before it calls checkXSS: a value without '<', '=' or '&' gives no XSS
// finding even when checkXSS runs every check, with its gates off.
func TestXSSNeedsMarkupClasses(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(19, 20))
	exhaustive = true
	defer func() { exhaustive = false }()

	checked := 0
	for range 20_000 {
		v := randomValue(r)
		if classify(v).has(cLT | cEquals | cAmp) {
			continue
		}
		s := scan{policy: DefaultPolicy()}
		s.checkXSS(v, classify(v), 0, Location{Kind: InJSONValue})
		require.Empty(t, s.findings, "%q", v)
		checked++
	}
	require.Greater(t, checked, 5000, "too few random values without markup classes")
}
