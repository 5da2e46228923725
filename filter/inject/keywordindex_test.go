package inject

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// containsAnyOf is what a keywordIndex spares: the test of each keyword
// on its own.
func containsAnyOf(s string, words []string) bool {
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// requireSameGroups checks match against containsAnyOf for each group.
func requireSameGroups(t *testing.T, x *keywordIndex, groups [][]string, s string) {
	t.Helper()
	got := x.match(s)
	for g, words := range groups {
		require.Equal(t, containsAnyOf(s, words), got&(1<<g) != 0, "group %d %q in %q", g, words, s)
	}
	require.Zero(t, got>>len(groups), "bits beyond the groups for %q", s)
}

// TestKeywordIndexMatchesContains checks the automaton against a
// substring search per keyword on groups whose keywords overlap, nest
// and share suffixes, the cases that failure links handle.
func TestKeywordIndexMatchesContains(t *testing.T) {
	groups := [][]string{
		{"he", "she"}, {"his", "hers"}, {}, {"a"}, {"aaa"}, {"abab", "bab"},
		{"etc/", "etc\\"}, {"\n", "\r"}, {"..", "../"}, {"ushers"},
	}
	x := newKeywordIndex(groups)
	for _, s := range []string{"", "ushers", "shis", "aa", "aaaa", "ababab", "babab", "x/etc\\passwd", "a\r\n", ".", "./..", "h", "hershe"} {
		requireSameGroups(t, x, groups, s)
	}

	r := rand.New(rand.NewPCG(7, 8))
	const alphabet = "abehrsu/\\.\n\rtcx"
	for range 20_000 {
		var b strings.Builder
		for n := r.IntN(12); n > 0; n-- {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		requireSameGroups(t, x, groups, b.String())
	}
}

// TestSignatureKeywordsMatchAnyOf checks the keyword index of each
// signature set against the anyOf test of each signature, which
// checkSignatures no longer runs, on the random values of the gate
// tests.
func TestSignatureKeywordsMatchAnyOf(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(9, 10))
	sets := []struct {
		signatures []Signature
		index      *classIndex
	}{{builtinSignatures, builtinIndex}, {shellSignatures, shellIndex}}
	hits := 0
	for range 30_000 {
		folded, _ := Fold(randomValue(r))
		pairs := pairsOf(folded)
		for _, set := range sets {
			got := set.index.keywords.match(folded)
			for i := range set.signatures {
				sig := &set.signatures[i]
				want := len(sig.anyOf) == 0 || containsKeyword(folded, &pairs, sig.anyOf)
				require.Equal(t, want, got&(1<<i) != 0, "%s on %q", sig.ID, folded)
				if want && len(sig.anyOf) > 0 {
					hits++
				}
			}
		}
	}
	require.Greater(t, hits, 10_000, "too few random values hold keywords to test the index")
}

// TestJavaGadgetIndexMatchesKeywords checks javaGadgetIndex against the
// javaGadgets test that checkToken no longer runs.
func TestJavaGadgetIndexMatchesKeywords(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	pieces := []string{"invoker", "transformer", "java.lang.", "runtime", "process", "builder", "x", ".", "closure", "for", "while"}
	for range 20_000 {
		var b strings.Builder
		for n := 1 + r.IntN(5); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		pairs := pairsOf(s)
		require.Equal(t, containsKeyword(s, &pairs, javaGadgets), javaGadgetIndex.match(s) != 0, "%q", s)
	}
}

// TestQuietTokenHidesNoFinding checks that scanToken finds nothing in the
// random tokens that quietToken rules out, with and without a custom
// signature.
func TestQuietTokenHidesNoFinding(t *testing.T) {
	custom, err := NewSignature("custom-token", CodeInjection, High, `^ab`)
	require.NoError(t, err)
	withCustom := DefaultPolicy()
	withCustom.Custom = []Signature{custom}

	r := rand.New(rand.NewPCG(13, 14))
	pieces := []string{"a", "b", "X", "7", "-", "_", ".", "__", "0x2", "0X2e", "proto", "process", ".env",
		"java.", "lang", "runtime", "invoker", "transformer", "forclosure", "rO0AB", "cm9P", "Q2xvc3VyZQ", "ab"}
	quiet, flagged := 0, 0
	for range 50_000 {
		var b strings.Builder
		for n := 1 + r.IntN(6); n > 0 && b.Len() < maxTokenBytes-10; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		token := b.String()
		c := classify(token)
		require.True(t, c.only(cToken), "%q is not a token", token)
		for _, policy := range []*Policy{DefaultPolicy(), withCustom} {
			s := scan{policy: policy}
			s.scanToken(token, c, Location{Kind: InJSONKey})
			if s.quietToken(token, c) {
				quiet++
				require.Empty(t, s.findings, "quietToken rules out %q, which scanToken flags", token)
			} else if len(s.findings) > 0 {
				flagged++
			}
		}
	}
	require.Greater(t, quiet, 5_000, "too few random tokens are quiet to test quietToken")
	require.Greater(t, flagged, 5_000, "too few random tokens are flagged to test quietToken")
}

// TestKeywordIndexTablesInRange checks what match relies on to read its
// tables without bounds checks: each table has a row of columns entries
// per state, each entry of next is a state, and each column is below
// columns. It covers every index of the package and one built here.
func TestKeywordIndexTablesInRange(t *testing.T) {
	indexes := map[string]*keywordIndex{
		"builtin signatures": builtinIndex.keywords,
		"shell signatures":   shellIndex.keywords,
		"java gadgets":       javaGadgetIndex,
		"test groups":        newKeywordIndex([][]string{{"he", "she"}, {}, {"\x00", "\xff"}}),
	}
	for name, x := range indexes {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, len(x.found)*x.columns, len(x.next), "next has a row per state")
			for i, state := range x.next {
				require.Less(t, int(state), len(x.found), "next[%d]", i)
			}
			for b, col := range x.column {
				require.Less(t, int(col), x.columns, "column of byte %#x", b)
			}
		})
	}
}
