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

// FuzzAppendString checks that AppendString and Quote write valid JSON that
// decodes to what encoding/json's string decodes to (both replace invalid
// UTF-8), and that AppendString escapes HTML. encoding/json writes \b and \f
// where these write \u0008 and \u000c, so the bytes may differ.
func FuzzAppendString(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		var expected string
		require.NoError(t, json.Unmarshal(want, &expected))

		for _, out := range []string{string(AppendString(nil, s)), Quote(s)} {
			var got string
			require.NoError(t, json.Unmarshal([]byte(out), &got), "invalid JSON %q", out)
			require.Equal(t, expected, got)
		}
		require.NotContains(t, string(AppendString(nil, s)), "<")
	})
}

func BenchmarkAppendStringPlain(b *testing.B) {
	s := `{"time":"2026-12-04T23:51:32.452275Z","event_id":"f89ea2d4bef992de","type":"rate_limit_exceeded","severity":"medium"}`
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}
