package inject

// wordSet is a fixed set of short words, such as libinjection's keywords
// or the command names. It replaces a map[string]bool on the hot paths,
// because in wasm a Go map hashes strings with its portable fallback
// hash. Under wazero, isSQLWord of a 7-byte word that passes its shape
// test took about 100 ns with an upper-cased copy and a map lookup, and
// takes about 70 ns with hasUpper. The set hashes with 32-bit FNV-1a and
// probes an open-addressing table that is at most a quarter full, so most
// misses stop at an empty slot or a different hash without comparing
// text.
type wordSet struct {
	slots []wordSlot
	mask  uint32
}

type wordSlot struct {
	hash uint32
	word string // "" marks an empty slot
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// newWordSet returns the set of the words of m whose value is true.
// Empty words are left out, because has and hasUpper report false for
// an empty word.
func newWordSet(m map[string]bool) *wordSet {
	size := 16
	for size < 4*len(m) {
		size *= 2
	}
	w := &wordSet{slots: make([]wordSlot, size), mask: uint32(size - 1)}
	for word, in := range m {
		if !in || word == "" {
			continue
		}
		h := uint32(fnvOffset)
		for i := 0; i < len(word); i++ {
			h = (h ^ uint32(word[i])) * fnvPrime
		}
		i := h & w.mask
		for w.slots[i].word != "" {
			i = (i + 1) & w.mask
		}
		w.slots[i] = wordSlot{hash: h, word: word}
	}
	return w
}

// has reports whether s is in the set.
func (w *wordSet) has(s string) bool {
	if s == "" {
		return false
	}
	h := uint32(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	for i := h & w.mask; ; i = (i + 1) & w.mask {
		slot := &w.slots[i]
		if slot.word == "" {
			return false
		}
		if slot.hash == h && slot.word == s {
			return true
		}
	}
}

// hasUpper reports whether s, with a-z turned into A-Z, is in the set,
// without making the upper-case copy.
func (w *wordSet) hasUpper(s string) bool {
	if s == "" {
		return false
	}
	h := uint32(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(upperASCII(s[i]))) * fnvPrime
	}
	for i := h & w.mask; ; i = (i + 1) & w.mask {
		slot := &w.slots[i]
		if slot.word == "" {
			return false
		}
		if slot.hash == h && equalUpper(slot.word, s) {
			return true
		}
	}
}

// equalUpper reports whether s, with a-z turned into A-Z, equals upper.
func equalUpper(upper, s string) bool {
	if len(upper) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if upperASCII(s[i]) != upper[i] {
			return false
		}
	}
	return true
}
