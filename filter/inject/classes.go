package inject

import "strings"

// class is a set of byte classes: the punctuation, controls and upper-case
// letters that a value contains. One pass over a value finds its set, and each
// detector states the classes without which it cannot match, so that most
// values skip most detectors without further work. Lower-case letters and
// digits have no class: every detector tolerates them.
type class uint64

// The byte classes.
const (
	cUpper   class = 1 << iota
	cSpace         // space or tab
	cNewline       // \n or \r
	cDot
	cDash
	cUnderscore
	cSQuote
	cDQuote
	cBacktick
	cSemicolon
	cPipe
	cAmp
	cDollar
	cLParen
	cRParen
	cLT
	cGT
	cSlash
	cBackslash
	cColon
	cEquals
	cPercent
	cPlus
	cLBrace
	cRBrace
	cLBracket
	cRBracket
	cHash
	cStar
	cComma
	cAt
	cExclam
	cOtherPunct // ? ^ ~
	cControl    // other bytes below 0x20, and DEL
	cNUL
	cNonASCII
)

// Unions of classes that detectors and normalisation steps ask about.
const (
	// cToken is what a plain token may hold besides lower-case letters
	// and digits: name characters.
	cToken = cUpper | cDot | cDash | cUnderscore

	// cDecode marks values that Normalize may change.
	cDecode = cPercent | cPlus | cNUL | cNonASCII

	// cQuoting marks values that shell quoting tricks may hide a command
	// in; see deobfuscateShell.
	cQuoting = cSQuote | cDQuote | cBackslash | cDollar
)

// byteClass maps each byte to its class; 0 for lower-case letters and
// digits.
var byteClass = func() (t [256]class) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = cUpper
	}
	for c := 0; c < 0x20; c++ {
		t[c] = cControl
	}
	t[0x7f] = cControl
	for c := 0x80; c < 0x100; c++ {
		t[c] = cNonASCII
	}
	punct := map[byte]class{
		' ': cSpace, '\t': cSpace, '\n': cNewline, '\r': cNewline, 0: cNUL,
		'.': cDot, '-': cDash, '_': cUnderscore, '\'': cSQuote, '"': cDQuote,
		'`': cBacktick, ';': cSemicolon, '|': cPipe, '&': cAmp, '$': cDollar,
		'(': cLParen, ')': cRParen, '<': cLT, '>': cGT, '/': cSlash,
		'\\': cBackslash, ':': cColon, '=': cEquals, '%': cPercent, '+': cPlus,
		'{': cLBrace, '}': cRBrace, '[': cLBracket, ']': cRBracket, '#': cHash,
		'*': cStar, ',': cComma, '@': cAt, '!': cExclam,
		'?': cOtherPunct, '^': cOtherPunct, '~': cOtherPunct,
	}
	for c, cl := range punct {
		t[c] = cl
	}
	return t
}()

// classify returns the classes of the bytes of s.
func classify(s string) class {
	var c class
	for i := 0; i < len(s); i++ {
		c |= byteClass[s[i]]
	}
	return c
}

// has reports whether c contains at least one of the classes of set.
func (c class) has(set class) bool { return c&set != 0 }

// only reports whether c contains no class outside allowed.
func (c class) only(allowed class) bool { return c&^allowed == 0 }

// pairSet is a 256-bit summary of the adjacent byte pairs of a value: bit
// pairHash(a, b) is set for each pair ab. A keyword whose pairs are not
// all in the set of a value cannot occur in it, so most keyword tests
// cost four AND operations instead of a substring search.
type pairSet [4]uint64

func pairHash(a, b byte) uint32 {
	return (uint32(a)<<8 | uint32(b)) * 0x9e3779b1 >> 24
}

func (p *pairSet) add(a, b byte) {
	h := pairHash(a, b)
	p[h>>6] |= 1 << (h & 63)
}

// pairsOf returns the pair set of s.
func pairsOf(s string) pairSet {
	var p pairSet
	for i := 1; i < len(s); i++ {
		p.add(s[i-1], s[i])
	}
	return p
}

// covers reports whether p contains every pair of sub.
func (p *pairSet) covers(sub *pairSet) bool {
	return p[0]&sub[0] == sub[0] && p[1]&sub[1] == sub[1] &&
		p[2]&sub[2] == sub[2] && p[3]&sub[3] == sub[3]
}

// keyword is a substring with its pair set.
type keyword struct {
	text  string
	pairs pairSet
}

func keywords(texts ...string) []keyword {
	out := make([]keyword, len(texts))
	for i, t := range texts {
		out[i] = keyword{text: t, pairs: pairsOf(t)}
	}
	return out
}

// traits are the byte classes and the pair set of a value, computed once
// before the detectors run. The pair set is left empty where only
// signatures without keywords, or a classIndex, which finds keywords
// itself, read the traits.
type traits struct {
	classes class
	pairs   pairSet
}

func traitsOf(s string) traits {
	return traits{classes: classify(s), pairs: pairsOf(s)}
}

// containsKeyword reports whether s, whose pair set is p, contains one of
// the keywords.
func containsKeyword(s string, p *pairSet, list []keyword) bool {
	for i := range list {
		if p.covers(&list[i].pairs) && strings.Contains(s, list[i].text) {
			return true
		}
	}
	return false
}
