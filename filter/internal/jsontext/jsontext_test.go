package jsontext

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

var samples = []string{
	"",
	"plain",
	`quote " and backslash \`,
	"tab\t newline\n return\r nul\x00 unit\x1f delete\x7f",
	"<script>&amp;</script>",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	"invalid \xff\xfe utf-8 \xc3",
	"line\u2028separator\u2029",
}

// AppendString must produce what encoding/json produces for a string.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range samples {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), string(AppendString(nil, s)), "input %q", s)
	}
}

func TestAppendStringAppends(t *testing.T) {
	require.Equal(t, `x:"a"`, string(AppendString([]byte("x:"), "a")))
}

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"html kept", "<a&b>", `"<a&b>"`},
		{"escapes", "a\"b\\c\nd\x01", `"a\"b\\c\nd\u0001"`},
		{"invalid utf-8", "a\xffb", `"a\ufffdb"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Quote(tc.in))

			var back string
			require.NoError(t, json.Unmarshal([]byte(Quote(tc.in)), &back), "Quote must return valid JSON")
		})
	}
}
