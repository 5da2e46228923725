package inject

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestWordSetsMatchMaps compares each wordSet with the map it is built
// from, on every word of the map, on their prefixes, suffixes and case
// variants, and on random words.
func TestWordSetsMatchMaps(t *testing.T) {
	sets := []struct {
		name  string
		words map[string]bool
		set   *wordSet
		upper bool
	}{
		{"sqlWords", sqlWords, sqlWordSet, true},
		{"commandNames", commandNames, commandNameSet, false},
		{"commandPrefixes", commandPrefixes, commandPrefixSet, false},
		{"unambiguousNames", unambiguousNames, unambiguousNameSet, false},
	}
	rng := rand.New(rand.NewPCG(6, 2))
	for _, tc := range sets {
		t.Run(tc.name, func(t *testing.T) {
			lookup, want := tc.set.has, func(s string) bool { return tc.words[s] }
			if tc.upper {
				lookup, want = tc.set.hasUpper, func(s string) bool { return tc.words[strings.Map(upperRune, s)] }
			}
			var probes []string
			for word := range tc.words {
				probes = append(probes, word, strings.ToLower(word), strings.ToUpper(word),
					word[1:], word[:len(word)-1], word+"s", "x"+word)
			}
			for range 20000 {
				probes = append(probes, randomWord(rng))
			}
			found := 0
			for _, probe := range probes {
				got := lookup(probe)
				if got != want(probe) {
					t.Fatalf("lookup(%q) = %v; want %v", probe, got, !got)
				}
				if got {
					found++
				}
			}
			if found < len(tc.words) {
				t.Errorf("found %d probes; want at least the %d words of the map", found, len(tc.words))
			}
		})
	}
}

// upperRune upper-cases ASCII letters only, as isSQLWord did before it
// used sqlWordSet.
func upperRune(r rune) rune {
	if 'a' <= r && r <= 'z' {
		return r - ('a' - 'A')
	}
	return r
}

// randomWord returns a word of 1 to 12 bytes from letters, digits and a
// few punctuation bytes, in both cases.
func randomWord(rng *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-&|"
	b := make([]byte, 1+rng.IntN(12))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}
