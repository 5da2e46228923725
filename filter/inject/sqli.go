package inject

import (
	"strings"
	"unsafe"

	"github.com/corazawaf/libinjection-go"
)

// isSQLi runs libinjection's SQL check on value, whose classes are c. It
// passes an upper-cased
// copy of an ASCII value, built in s.sqlBuffer, because libinjection
// upper-cases each word to look it up in its keyword table, and a word
// that is already upper case costs no allocation there. With prefix
// true, the check reads "'" + value: the value as the continuation of a
// quoted string (see sqlContinuation).
//
// Upper-casing leaves libinjection's result unchanged for ASCII input
// except where libinjection v0.3.6 is case-sensitive: "\N", MySQL's
// alias of NULL, is upper case only, and a comment that holds
// "sp_password" is matched in lower case. Values with a backslash or
// "sp_password" are therefore passed as they are, as are non-ASCII ones,
// whose upper case may change their bytes. TestSQLiUpperCaseAgrees
// compares both forms.
func (s *scan) isSQLi(value, folded string, c class, prefix bool) bool {
	tokens := 2
	if prefix {
		tokens = 1
	}
	if !exhaustive && plainClasses(value, c) && barewordStart(value, tokens) {
		return false
	}

	if exhaustive || !canUpperCaseSQL(value, folded, c) {
		if prefix {
			value = "'" + value
		}
		ok, _ := libinjection.IsSQLi(value)
		return ok
	}

	buf := s.sqlBuffer[:0]
	if prefix {
		buf = append(buf, '\'')
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf = append(buf, c)
	}
	s.sqlBuffer = buf

	// libinjection keeps no reference to its input after the call, so the
	// buffer may be reused for the next value.
	ok, _ := libinjection.IsSQLi(unsafe.String(unsafe.SliceData(buf), len(buf)))
	return ok
}

// fold returns value, whose classes are c, lower-cased as Fold does. An
// ASCII value is folded into s.foldBuffer, so the result is valid only
// until the next call.
func (s *scan) fold(value string, c class) (string, bool) {
	if c.has(cNonASCII) {
		return Fold(value)
	}
	if !c.has(cUpper) {
		return value, false
	}

	buf := append(s.foldBuffer[:0], value...)
	for i, b := range buf {
		if 'A' <= b && b <= 'Z' {
			buf[i] = b + 'a' - 'A'
		}
	}
	s.foldBuffer = buf
	return unsafe.String(unsafe.SliceData(buf), len(buf)), true
}

// canUpperCaseSQL reports whether the upper case of value, whose classes
// are c, gives the same libinjection result as value; folded is its lower
// case.
func canUpperCaseSQL(value, folded string, c class) bool {
	return len(value) > 0 && !c.has(cNonASCII|cBackslash) &&
		(!c.has(cUnderscore) || !strings.Contains(folded, "sp_password"))
}

// libinjectionKeywords is libinjection's keyword table: upper-case words,
// phrases and fingerprints, each with its token type. The table is not
// exported, and a copy here would drift from the version in go.mod, so
// the linker binds this name to it. A release that renames the table
// fails the build.
//
//go:linkname libinjectionKeywords github.com/corazawaf/libinjection-go.sqlKeywords
var libinjectionKeywords map[string]byte

// sqlWords holds every word that libinjection may read as anything but a
// bareword: each word of its keyword table, phrases included, and the
// names that its fold step turns into functions before "(".
var sqlWords = func() map[string]bool {
	words := map[string]bool{}
	for key, kind := range libinjectionKeywords {
		if kind == 'F' { // a fingerprint, not a word
			continue
		}
		for _, word := range strings.Fields(key) {
			words[word] = true
		}
	}
	for _, name := range strings.Fields("USER_ID USER_NAME DATABASE PASSWORD USER CURRENT_USER " +
		"CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP LOCALTIME LOCALTIMESTAMP") {
		words[name] = true
	}
	return words
}()

// startsWithBarewords reports whether libinjection's tokenizer reads the
// first tokens of value as barewords that no fold step changes. It checks
// one token when tokens is 1, and two when tokens is 2, where the second
// may also be a variable or a colon, as in a URL. The input
// ending after the first bareword counts too. When the value contains a
// single quote, libinjection also reads the text before the first quote
// as a string, so a bareword must follow that quote as well.
//
// No fingerprint of libinjection's blacklist starts with a bareword
// followed by a bareword, a variable or a colon, or with a string
// followed by a bareword, or is a lone bareword or string. So
// libinjection cannot flag such a value, nor, when tokens is 1, the value
// after a quote (see sqlContinuation). TestBarewordStartNeverHidesSQLi
// checks this on random values built from libinjection's own keywords.
//
// Values with double quotes or backticks, which open more contexts, are
// not handled. Nor are values with "/*" or "{", which can produce the
// token that flags any value, or with non-ASCII bytes, which Unicode
// upper-casing may turn into keywords, or with control characters that
// the tokenizer treats unlike spaces.
func startsWithBarewords(value string, tokens int) bool {
	return plainBytes(value) && barewordStart(value, tokens)
}

// barewordStart is startsWithBarewords for a value that plainBytes
// accepts.
func barewordStart(value string, tokens int) bool {
	if !startsWithWords(value, tokens) {
		return false
	}

	return plainAfterQuote(value)
}

// plainAfterQuote reports whether value, which plainBytes accepts, holds
// no single quote, or a bareword or the end of the input follows its
// first one. libinjection reads the text before that quote as a string,
// and no fingerprint of its blacklist starts with a string followed by a
// bareword, or is a lone string.
func plainAfterQuote(value string) bool {
	quote := strings.IndexByte(value, '\'')
	if quote < 0 {
		return true
	}
	// A backslash or a doubled quote would not end the string there.
	after := value[quote+1:]
	if strings.IndexByte(value, '\\') >= 0 || strings.HasPrefix(after, "'") {
		return false
	}
	return startsWithWords(after, 1) || strings.TrimLeft(after, " \t\n\v\f\r") == ""
}

// operatorStart reports whether libinjection cannot flag value, which
// plainBytes accepts, because it starts with '-' or '/' and a word:
//
//   - A leading '-' before a word is a unary operator, which libinjection
//     drops before it folds the tokens, so the rest of value decides, and
//     barewordStart with two tokens must accept it.
//   - A leading '/' that starts no comment is an operator that no fold
//     step removes or changes, and no fingerprint of libinjection's
//     blacklist starts with an operator. When value holds a single
//     quote, libinjection also reads it as if a quote came first, so
//     the text before the first quote becomes a string, and
//     plainAfterQuote must accept value.
//
// Only the value alone is covered: after a quote (see sqlContinuation),
// libinjection reads a string and then the operator, which its blacklist
// can flag. TestOperatorStartNeverHidesSQLi checks both rules on random
// values built from libinjection's own keywords.
func operatorStart(value string) bool {
	if len(value) < 2 || !isWordStart(value[1]) {
		return false
	}
	switch value[0] {
	case '-':
		return barewordStart(value[1:], 2)
	case '/':
		return plainAfterQuote(value)
	}
	return false
}

// startsWithWords reports whether the first tokens of value are barewords
// that are no keywords, or end the input after the first; see
// startsWithBarewords.
func startsWithWords(value string, tokens int) bool {
	pos := 0
	for n := range tokens {
		for pos < len(value) && value[pos] <= ' ' {
			pos++
		}
		switch {
		case pos == len(value):
			return n > 0
		case n == 1 && value[pos] == '@':
			return plainVariable(value[pos:])
		case n == 1 && value[pos] == ':':
			// A colon that starts no operator such as ":=" is a token of
			// its own, and no fingerprint starts with a bareword and one.
			return pos+1 < len(value) && !isSQLWord(value[pos:pos+2])
		case !isWordStart(value[pos]):
			return false
		}
		end := pos
		for end < len(value) && !isWordDelimiter(value[end]) {
			end++
		}
		if stringPrefix(value[pos:end], value[end:]) || !plainWord(value[pos:end]) {
			return false
		}
		pos = end
	}
	return true
}

// stringPrefix reports whether word, followed by rest, opens one of the
// prefixed string literals that libinjection reads, such as x'41', n'a',
// nq'[a]' or u&'a', rather than a word.
func stringPrefix(word, rest string) bool {
	switch {
	case len(word) == 1 && strings.IndexByte("xXbBeEnNqQ", word[0]) >= 0,
		len(word) == 2 && (word[0]|0x20) == 'n' && (word[1]|0x20) == 'q':
		return strings.HasPrefix(rest, "'")
	case word == "u" || word == "U":
		return strings.HasPrefix(rest, "&'")
	}
	return false
}

// plainWord reports whether libinjection looks up no part of word as a
// keyword: neither the whole word nor the part before any '.'.
func plainWord(word string) bool {
	for i := 0; i < len(word); i++ {
		if word[i] == '.' && isSQLWord(word[:i]) {
			return false
		}
	}
	return !isSQLWord(word)
}

// plainVariable reports whether v, which starts with '@', is a variable
// whose name is not a keyword.
func plainVariable(v string) bool {
	name := strings.TrimPrefix(v[1:], "@")
	end := 0
	for end < len(name) && !isVariableDelimiter(name[end]) {
		end++
	}
	return !isSQLWord(name[:end])
}

// isSQLWord reports whether the upper case of s is in sqlWords. Keywords
// are at most 32 bytes, so a longer s is never one. sqlWordShapes rules
// out most words before the map lookup.
func isSQLWord(s string) bool {
	var buf [32]byte
	if len(s) == 0 || len(s) > len(buf) {
		return false
	}
	if !sqlWordShapes.has(len(s), upperASCII(s[0]), upperASCII(s[len(s)-1])) {
		return false
	}
	for i := 0; i < len(s); i++ {
		buf[i] = upperASCII(s[i])
	}
	return sqlWords[string(buf[:len(s)])]
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// wordShapes is a set of (length, first byte, last byte) triples, each
// byte taken modulo 64: a word whose triple is missing is not in the
// set's words.
type wordShapes [33][64]uint64

func (w *wordShapes) add(word string) {
	w[len(word)][word[0]&63] |= 1 << (word[len(word)-1] & 63)
}

func (w *wordShapes) has(length int, first, last byte) bool {
	return w[length][first&63]&(1<<(last&63)) != 0
}

// sqlWordShapes holds the shapes of sqlWords.
var sqlWordShapes = func() *wordShapes {
	var w wordShapes
	for word := range sqlWords {
		if len(word) > 32 {
			panic("BUG: a libinjection keyword is longer than isSQLWord's buffer: " + word)
		}
		if word != "" {
			w.add(word)
		}
	}
	return &w
}()

// plainBytes reports whether s holds only printable ASCII and the spaces
// \t, \n, \v, \f and \r, which libinjection both skips between tokens and
// ends a word at, and holds no '"', '`', '{' or "/*".
func plainBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if sqlByteFlags[c]&sqlUnhandled != 0 || c == '*' && i > 0 && s[i-1] == '/' {
			return false
		}
	}
	return true
}

// plainClasses is plainBytes for a value whose classes are c, which
// settle it without reading the value unless c contains control bytes, or
// both '/' and '*'.
func plainClasses(value string, c class) bool {
	switch {
	case c.has(cNonASCII | cNUL | cDQuote | cBacktick | cLBrace):
		return false
	case c.has(cControl):
		return plainBytes(value) // \v and \f are spaces, other controls are not
	case c.has(cSlash) && c.has(cStar):
		return !strings.Contains(value, "/*")
	}
	return true
}

func isWordStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

// isWordDelimiter reports whether c, a plain byte, ends a word in
// libinjection's tokenizer (v0.3.6).
func isWordDelimiter(c byte) bool { return sqlByteFlags[c]&sqlWordEnd != 0 }

// Flags of sqlByteFlags.
const (
	sqlUnhandled   = 1 << iota // a byte that startsWithBarewords does not handle
	sqlWordEnd                 // a byte that ends a word
	sqlVariableEnd             // a byte that ends a variable name
)

// sqlByteFlags maps each byte to its flags.
var sqlByteFlags = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if c >= 0x7f || c < ' ' && (c < '\t' || c > '\r') {
			t[c] |= sqlUnhandled
		}
		if c <= ' ' {
			t[c] |= sqlWordEnd | sqlVariableEnd
		}
	}
	for _, c := range []byte("\"`{") {
		t[c] |= sqlUnhandled
	}
	for _, c := range []byte("[]{}<>:\\?=@!#~+-*/&|^%(),;'\"") {
		t[c] |= sqlWordEnd
	}
	for _, c := range []byte("<>:\\?=@!#~+-*/&|^%(),;'`\"") {
		t[c] |= sqlVariableEnd
	}
	return t
}()

// isVariableDelimiter reports whether c ends a variable name in
// libinjection's tokenizer (v0.3.6).
func isVariableDelimiter(c byte) bool { return sqlByteFlags[c]&sqlVariableEnd != 0 }
