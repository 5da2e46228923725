package inject

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// commandAfterSeparatorByByte is commandAfterSeparator as it tested the
// class of every byte before it searched for the separators.
func commandAfterSeparatorByByte(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if byteClass[c]&(cSemicolon|cPipe|cAmp|cLParen) == 0 || c == '(' && (i == 0 || s[i-1] != '$') {
			continue
		}
		if commandNameAt(s, i+1) {
			return true
		}
	}
	return false
}

// batchKeywordByByte is batchKeywordAtCommandStart as it tested the
// class of every byte.
func batchKeywordByByte(s string) bool {
	if batchKeywordAt(s, 0) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if byteClass[s[i]]&(cAmp|cPipe|cLParen) != 0 && batchKeywordAt(s, i+1) {
			return true
		}
	}
	return false
}

// TestSeparatorSearchMatchesByteLoop compares the guards that search for
// separator bytes with the byte-by-byte loops they replace, on random
// values of separators, command names and prose, given the classes of
// the value and given every class.
func TestSeparatorSearchMatchesByteLoop(t *testing.T) {
	parts := []string{";", "|", "&", "(", "$(", "$", ")", " ", "\t", "{", "`", "/", "/usr/bin/", ".", ",",
		"id", "cat", "whoami", "base64", "for ", "if ", "ring", "twice", "x", "ls -l", "please"}
	r := rand.New(rand.NewPCG(17, 18))
	commands, keywords := 0, 0
	for range 50_000 {
		var b strings.Builder
		for n := r.IntN(9); n > 0; n-- {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		v := b.String()

		want := commandAfterSeparatorByByte(v)
		require.Equal(t, want, commandAfterSeparatorIn(v, classify(v)), "commandAfterSeparatorIn(%q)", v)
		require.Equal(t, want, commandAfterSeparatorIn(v, ^class(0)), "commandAfterSeparatorIn(%q) with every class", v)
		require.Equal(t, want, commandAfterSeparator(v), "commandAfterSeparator(%q)", v)
		if want {
			commands++
		}

		want = batchKeywordByByte(v)
		require.Equal(t, want, batchKeywordAtCommandStart(v, classify(v)), "batchKeywordAtCommandStart(%q)", v)
		require.Equal(t, want, batchKeywordAtCommandStart(v, ^class(0)), "batchKeywordAtCommandStart(%q) with every class", v)
		if want {
			keywords++
		}
	}
	require.Greater(t, commands, 1000, "too few random values hold a command after a separator")
	require.Greater(t, keywords, 1000, "too few random values hold a batch keyword at a command start")
}
