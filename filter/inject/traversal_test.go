package inject

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTraversalRulesFlagEncodedSteps(t *testing.T) {
	cases := []struct {
		value string
		rule  string
	}{
		{"0x2e0x2e0x2f0x2e0x2e0x2fsecret.txt", "traversal-escaped-steps"},
		{`.\.\/.\.\/.\.\/x`, "traversal-escaped-steps"},
		{"..%25zz..%25zz..%25zzconfig.yml", "traversal-repeated-steps"},
		{"..\u00a7..\u00a7..\u00a7x", "traversal-repeated-steps"},
		{"etc%25c1%25zzshadow", "traversal-obfuscated-system-file"},
		{"x%5Cboot.ini", "traversal-obfuscated-system-file"},
		{"c:/windows//system32/x", "traversal-obfuscated-system-file"},
		{"/static//var/lib/secret", "traversal-absolute-path"},
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.value, func(t *testing.T) {
			findings := scanQuery(tc.value)
			require.True(t, hasRuleID(findings, tc.rule), "%q: findings %v", tc.value, findings)
		})
	}
}

func TestTraversalRulesPassLookAlikes(t *testing.T) {
	values := []string{
		// File paths in prose.
		"see ../images/logo.png for the logo",
		"the etc. hosts file is described below",
		"windows and system32 folders",
		"wait..what..what..what",
		"version 1..2..3..4",
		"0x2e is the code of a dot",
		"the list continues... and so on...",
		"https://example.com/docs/var/setup",
	}
	for _, v := range values {
		require.Empty(t, scanText(v), "%q", v)
	}
}
