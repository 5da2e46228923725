package inject

import (
	"html"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Transform is a set of normalisation steps. A finding carries the steps
// that changed the value before the detector matched it.
type Transform uint16

// The normalisation steps, in the order Normalize applies them.
const (
	// URLDecode means one pass of percent-decoding changed the value.
	URLDecode Transform = 1 << iota

	// URLDecodeRepeated means a second or later pass changed it too, so
	// the value was encoded more than once.
	URLDecodeRepeated

	// PlusAsSpace means '+' became a space, as in query and form values.
	PlusAsSpace

	// OverlongUTF8 means an overlong UTF-8 sequence, such as C0 AE for
	// '.', was decoded to the ASCII character it encodes.
	OverlongUTF8

	// InvalidUTF8 means bytes that are not valid UTF-8 were removed.
	InvalidUTF8

	// NULRemoved means NUL bytes were removed.
	NULRemoved

	// NFKC means Unicode compatibility normalisation changed the value,
	// for example full-width letters became ASCII.
	NFKC

	// HTMLEntities means HTML character references were decoded. Only the
	// XSS check reads this form.
	HTMLEntities

	// CaseFold means the value was lower-cased. Signatures match this
	// form, so it is not recorded on findings of other detectors.
	CaseFold
)

var transformNames = []string{
	"url_decode", "url_decode_repeated", "plus_as_space", "overlong_utf8",
	"invalid_utf8", "nul_removed", "nfkc", "html_entities", "case_fold",
}

// String lists the steps joined by '+', such as "url_decode+nfkc", or
// returns "none".
func (t Transform) String() string {
	if t == 0 {
		return "none"
	}
	var names []string
	for i, name := range transformNames {
		if t&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return strings.Join(names, "+")
}

// DefaultDecodeDepth is the default number of percent-decoding passes:
// two catch double encoding such as %252e.
const DefaultDecodeDepth = 2

// MaxDecodeDepth bounds the configured number of passes.
const MaxDecodeDepth = 5

// Normalize returns the canonical form of one value and the steps that
// changed it: percent-decoding repeated up to depth passes ('+' as space
// first when plus is true), overlong and invalid UTF-8, NUL removal, and
// NFKC. It does not fold case or decode HTML entities; see Fold and
// DecodeHTML. Its work is linear in the length of v times depth.
func Normalize(v string, plus bool, depth int) (string, Transform) {
	var t Transform
	if plus && strings.IndexByte(v, '+') >= 0 {
		v = strings.ReplaceAll(v, "+", " ")
		t |= PlusAsSpace
	}

	for pass := 0; pass < depth; pass++ {
		decoded, changed := percentDecode(v)
		if !changed {
			break
		}
		v = decoded
		if pass == 0 {
			t |= URLDecode
		} else {
			t |= URLDecodeRepeated
		}
	}

	// Overlong sequences are decoded before NUL removal, because C0 80
	// encodes NUL.
	ascii := isASCII(v)
	if !ascii {
		v, t = repairUTF8(v, t)
	}
	if strings.IndexByte(v, 0) >= 0 {
		v = strings.ReplaceAll(v, "\x00", "")
		t |= NULRemoved
	}
	if !ascii && !norm.NFKC.IsNormalString(v) {
		v = norm.NFKC.String(v)
		t |= NFKC
	}
	return v, t
}

// Fold lower-cases s for signature matching; changed reports a change.
func Fold(s string) (folded string, changed bool) {
	folded = strings.ToLower(s)
	return folded, folded != s
}

// DecodeHTML decodes HTML character references, named and numeric, as a
// browser does in text and attribute values.
func DecodeHTML(s string) (decoded string, changed bool) {
	if strings.IndexByte(s, '&') < 0 {
		return s, false
	}
	decoded = html.UnescapeString(s)
	return decoded, decoded != s
}

// percentDecode decodes %XX and the non-standard %uXXXX escapes that IIS
// accepts. Malformed escapes stay as they are.
func percentDecode(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, false
	}

	var b strings.Builder
	b.Grow(len(s))
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			changed = true
			continue
		}
		if i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') &&
			isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]) {
			r := rune(unhex(s[i+2]))<<12 | rune(unhex(s[i+3]))<<8 | rune(unhex(s[i+4]))<<4 | rune(unhex(s[i+5]))
			b.WriteRune(r)
			i += 5
			changed = true
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), changed
}

// repairUTF8 decodes overlong two- and three-byte encodings of ASCII
// characters, which lenient decoders accept (C0 AE is '.'), and drops
// every other invalid byte.
func repairUTF8(s string, t Transform) (string, Transform) {
	if utf8.ValidString(s) {
		return s, t
	}

	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size > 1 {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		if c, n := overlongASCII(s[i:]); n > 0 {
			b.WriteByte(c)
			t |= OverlongUTF8
			i += n
			continue
		}
		t |= InvalidUTF8
		i++
	}
	return b.String(), t
}

// overlongASCII decodes an overlong sequence for a code point below 0x80
// at the start of s, returning the character and the sequence length, or
// n == 0.
func overlongASCII(s string) (c byte, n int) {
	isCont := func(b byte) bool { return b&0xC0 == 0x80 }
	switch {
	case len(s) >= 2 && (s[0] == 0xC0 || s[0] == 0xC1) && isCont(s[1]):
		return (s[0]&0x1F)<<6 | s[1]&0x3F, 2
	case len(s) >= 3 && s[0] == 0xE0 && s[1]&0xE0 == 0x80 && s[1]&0x1F == 0 && isCont(s[2]):
		return s[2] & 0x3F, 3
	}
	return 0, 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
