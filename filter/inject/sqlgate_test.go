package inject

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/corazawaf/libinjection-go"
	"github.com/stretchr/testify/require"
)

// operatorRounds is the number of random values of
// TestOperatorStartNeverHidesSQLi; 3,000,000 also pass.
const operatorRounds = 300_000

// TestOperatorStartNeverHidesSQLi checks on random values that
// libinjection flags none of the values that operatorStart lets
// checkSQLi skip, and that checkValue still finds what the exhaustive
// scan finds in them, with the quote prefix of the continuation check
// among others. The values start with '-', '/' or another operator or
// comment start, then words, variables, numbers, quotes, comment starts
// and keywords of libinjection's own table, in mixed case.
func TestOperatorStartNeverHidesSQLi(t *testing.T) {
	skipUnderRace(t)
	keywords := make([]string, 0, len(sqlWords))
	for word := range sqlWords {
		keywords = append(keywords, word)
	}
	slices.Sort(keywords)
	prefixes := []string{"-", "-", "-", "-", "-", "-", "-", "-", "/", "/", "/", "/", "--", "-/", "/-", "//", "-+", "+", "~", "!", "#", "*", "=", "(", "- ", "/ ", "-1", "/1"}
	plain := []string{"created_at", "orders", "Search", "v1", "x", "_id", "foo.bar", "O'Connell", "it's", "x'", "'",
		"x'41'", "N'a'", "nq'[a]'", "U&'a'", "e'a'", "b'1'", "q'<a>'", "user", "database", "password",
		"price", "name", "page", "blue", "wool", "scarf", "a", "Z9", "s.oconnell", "example.org"}
	heads := []string{" ", "\t", "\n", "/", "-", "--", "#", "@", "@@", "1", "1e5", ".", "(", ")", ",", ";", ":", "::", ":=", "=", "'", "\\", "\\N", "$$", "*"}

	r := rand.New(rand.NewPCG(21, 22))
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	word := func() string {
		switch r.IntN(4) {
		case 0:
			return strings.ToLower(pick(keywords))
		case 1:
			return pick(keywords)
		}
		return pick(plain)
	}

	accepted := map[byte]int{}
	flagged, flaggedAfterQuote, compared := 0, 0, 0
	for i := range operatorRounds {
		var b strings.Builder
		b.WriteString(pick(prefixes))
		for n := range 2 + r.IntN(5) {
			switch {
			case n < 2:
				// Words first, most often, so that many values pass.
				b.WriteString(word())
			case r.IntN(3) == 0:
				b.WriteString(pick(heads))
			case r.IntN(2) == 0:
				b.WriteString(pick(sqlFragments))
			default:
				b.WriteString(word())
			}
			if r.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		v := b.String()

		if !plainBytes(v) || !operatorStart(v) {
			if ok, _ := libinjection.IsSQLi(v); ok && (v[0] == '-' || v[0] == '/') {
				flagged++
			}
			continue
		}
		accepted[v[0]]++
		ok, fingerprint := libinjection.IsSQLi(v)
		require.False(t, ok, "operatorStart accepts %q but libinjection flags it as %q", v, fingerprint)

		afterQuote, _ := libinjection.IsSQLi("'" + v)
		if afterQuote {
			if flaggedAfterQuote < 5 {
				t.Logf("after a quote: %q", v)
			}
			flaggedAfterQuote++
		}
		if afterQuote || i%20 == 0 {
			compared++
			fast, full := checkBoth(v, false)
			require.Equal(t, findingKeys(full), findingKeys(fast), "%q", v)
		}
	}

	require.Greater(t, accepted['-'], 10_000, "too few values start with '-' and barewords")
	require.Greater(t, accepted['/'], 20_000, "too few values start with '/' and a word")
	require.Greater(t, flagged, 5000, "too few values that start with '-' or '/' are SQL to libinjection")
	require.Greater(t, flaggedAfterQuote, 100, "too few accepted values are SQL after a quote")
	t.Logf("accepted %d values with '-' and %d with '/'; %d others flagged, %d accepted ones flagged after a quote, %d compared with the exhaustive scan",
		accepted['-'], accepted['/'], flagged, flaggedAfterQuote, compared)
}

func TestOperatorStart(t *testing.T) {
	cases := []struct {
		value string
		want  bool
	}{
		{"-created_at", true},
		{"-created_at desc", false}, // DESC is a keyword
		{"-price name", true},
		{"-price,name", false},
		{"/orders/search", true},
		{"/orders/search?q=1 union select 1", true},
		{"/o'reilly/books", true},
		{"/x' or 1=1 --", false},
		{"/x'' or 1=1", false},
		{"/x\\' y", false},
		{"-x' or 1=1 --", false},
		{"-select 1", false},
		{"-name union select 1", false},
		{"-1 union select 1", false},
		{"--created_at", false},
		{"- created_at", false},
		{"/*x*/ union", false},
		{"//x", false},
		{"+created_at", false},
		{"-", false},
		{"/", false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, plainBytes(tc.value) && operatorStart(tc.value), "%q", tc.value)
	}
}

// TestOperatorStartSkipsOnlyTheValueAlone checks that a value that
// operatorStart accepts is still checked after a quote, where
// libinjection reads a string and then the operator.
func TestOperatorStartSkipsOnlyTheValueAlone(t *testing.T) {
	v := "/ascii( @@ "
	require.True(t, operatorStart(v))
	require.True(t, sqlContinuation(v, classify(v)))
	ok, _ := libinjection.IsSQLi("'" + v)
	require.True(t, ok, "libinjection no longer flags %q after a quote; pick another value", v)
	require.True(t, hasRule(scanText(v), SQLi, "libinjection-sqli-context"), "%q", v)
}
