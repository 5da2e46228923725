package inject

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeSteps(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		plus  bool
		depth int
		want  string
		steps Transform
	}{
		{"plain", "hello", false, 2, "hello", 0},
		{"one pass", "%27%20or", false, 2, "' or", URLDecode},
		{"double encoding", "%252e%252e%252f", false, 2, "../", URLDecode | URLDecodeRepeated},
		{"depth one keeps second layer", "%252e", false, 1, "%2e", URLDecode},
		{"plus as space in query", "a+b", true, 2, "a b", PlusAsSpace},
		{"plus kept elsewhere", "a+b", false, 2, "a+b", 0},
		{"encoded plus is not a space", "a%2Bb", true, 2, "a+b", URLDecode},
		{"iis unicode escape", "%u002e%u002e%u2215", false, 2, "..\u2215", URLDecode},
		{"malformed escape kept", "100%zz", false, 2, "100%zz", 0},
		{"nul removed", "sel%00ect", false, 2, "select", URLDecode | NULRemoved},
		{"overlong nul removed", "a\xc0\x80b", false, 2, "ab", OverlongUTF8 | NULRemoved},
		{"overlong dot", "%c0%ae%c0%ae%c0%af", false, 2, "../", URLDecode | OverlongUTF8},
		{"overlong three bytes", "\xe0\x80\xae", false, 2, ".", OverlongUTF8},
		{"invalid utf8 dropped", "sel\xffect", false, 2, "select", InvalidUTF8},
		{"full-width letters", "ｓｅｌｅｃｔ", false, 2, "select", NFKC},
		{"full-width angle bracket", "＜script＞", false, 2, "<script>", NFKC},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, steps := Normalize(tc.in, tc.plus, tc.depth)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.steps.String(), steps.String())
		})
	}
}

func TestFoldAndDecodeHTML(t *testing.T) {
	folded, changed := Fold("UNION Select")
	require.Equal(t, "union select", folded)
	require.True(t, changed)

	decoded, changed := DecodeHTML("&lt;img src=x onerror=&#x61;lert(1)&gt;")
	require.Equal(t, "<img src=x onerror=alert(1)>", decoded)
	require.True(t, changed)

	_, changed = DecodeHTML("no entities")
	require.False(t, changed)
}

func TestTransformString(t *testing.T) {
	require.Equal(t, "none", Transform(0).String())
	require.Equal(t, "url_decode+nfkc", (URLDecode | NFKC).String())
}
