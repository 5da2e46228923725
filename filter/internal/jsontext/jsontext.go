// Package jsontext writes JSON strings (RFC 8259 §7) without reflection, for
// response bodies on the request path and for configuration errors.
package jsontext

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// AppendString appends s to dst as a JSON string. Like encoding/json, it
// escapes "<", ">" and "&" so the result is safe to embed in HTML, and
// replaces invalid UTF-8 with U+FFFD.
func AppendString(dst []byte, s string) []byte {
	return appendString(dst, s, true)
}

// Quote returns s as a JSON string for a human reader: unlike AppendString,
// it leaves "<", ">" and "&" as they are. Invalid UTF-8 becomes U+FFFD.
func Quote(s string) string {
	return string(appendString(make([]byte, 0, len(s)+2), s, false))
}

// plainASCII marks the ASCII bytes that a JSON string holds as they are,
// in its two forms: index 0 leaves "<", ">" and "&" as they are, index 1
// does not.
var plainASCII = func() (t [2][utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain := c != '"' && c != '\\'
		t[0][c] = plain
		t[1][c] = plain && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func appendString(dst []byte, s string, escapeHTML bool) []byte {
	plain := &plainASCII[0]
	if escapeHTML {
		plain = &plainASCII[1]
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		// Copy a run of bytes that need no escape in one append, since
		// most text is plain.
		start := i
		for i < len(s) && s[i] < utf8.RuneSelf && plain[s[i]] {
			i++
		}
		dst = append(dst, s[start:i]...)
		if i == len(s) {
			break
		}

		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				dst = append(dst, `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				// Valid JSON, but a line terminator in JavaScript.
				dst = append(dst, `\u202`...)
				dst = append(dst, hexDigits[r&0xf])
			default:
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}

		dst = appendASCII(dst, c, escapeHTML)
		i++
	}
	return append(dst, '"')
}

func appendASCII(dst []byte, c byte, escapeHTML bool) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '<', '>', '&':
		if !escapeHTML {
			return append(dst, c)
		}
	default:
		if c >= 0x20 {
			return append(dst, c)
		}
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}
