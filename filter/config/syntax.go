package config

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// maxDepth is the maximum nesting of arrays and objects. The schema needs
// five levels; the limit bounds the work and stack of invalid documents.
const maxDepth = 64

// syntaxError is the first JSON syntax error of a document.
type syntaxError struct {
	offset  int
	problem string
}

// fieldError describes the error with its byte offset, line and column, so
// the operator can find it without the document being echoed.
func (e *syntaxError) fieldError(data []byte) FieldError {
	line, column := 1, 1
	for _, c := range data[:e.offset] {
		column++
		if c == '\n' {
			line++
			column = 1
		}
	}
	return FieldError{
		Path:    "$",
		Problem: fmt.Sprintf("invalid JSON at byte offset %d (line %d, column %d): %s", e.offset, line, column, e.problem),
	}
}

// checkSyntax returns the first syntax error of data as JSON (RFC 8259),
// or nil. Besides the grammar, it rejects invalid UTF-8 in strings and
// nesting deeper than maxDepth. It runs before gjson, which reports
// neither where a document is invalid nor how deep it is.
func checkSyntax(data []byte) *syntaxError {
	s := scanner{data: data}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return s.fail("the document starts with a UTF-8 byte order mark (EF BB BF), which JSON does not allow; save the file without it")
	}
	if s.skipSpace() == len(data) {
		return s.fail("the document is empty")
	}
	if err := s.document(); err != nil {
		return err
	}
	if s.skipSpace() != len(data) {
		return s.fail("unexpected data after the top-level value")
	}
	return nil
}

type scanner struct {
	data  []byte
	pos   int
	stack [maxDepth]byte // the closing bracket of each open container
	depth int
}

func (s *scanner) fail(problem string) *syntaxError {
	return &syntaxError{offset: s.pos, problem: problem}
}

func (s *scanner) skipSpace() int {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return s.pos
		}
	}
	return s.pos
}

// document scans one value, looping instead of recursing into containers.
func (s *scanner) document() *syntaxError {
	for {
		if err := s.value(); err != nil {
			return err
		}
		if err := s.afterValue(); err != nil {
			return err
		}
		if s.depth == 0 {
			return nil
		}
	}
}

// value scans a scalar, or opens a container and scans up to its first
// value. It leaves s.pos after the scalar or on the container's first value.
func (s *scanner) value() *syntaxError {
	for {
		if s.skipSpace() == len(s.data) {
			return s.fail("unexpected end of input")
		}

		switch c := s.data[s.pos]; c {
		case '{', '[':
			if s.depth == maxDepth {
				return s.fail(fmt.Sprintf("nesting deeper than %d levels", maxDepth))
			}
			s.stack[s.depth] = c + 2 // '{'+2 is '}', '['+2 is ']'
			s.depth++
			s.pos++

			if s.skipSpace() < len(s.data) && s.data[s.pos] == c+2 {
				return nil // an empty container: afterValue closes it
			}
			if c == '{' {
				if err := s.key(); err != nil {
					return err
				}
			}
		case '"':
			return s.str()
		case 't':
			return s.literal("true")
		case 'f':
			return s.literal("false")
		case 'n':
			return s.literal("null")
		default:
			if c == '-' || ('0' <= c && c <= '9') {
				return s.number()
			}
			return s.fail("unexpected " + describeByte(c))
		}
	}
}

// afterValue consumes the closing brackets and the comma that follow a
// value, and the next key inside an object.
func (s *scanner) afterValue() *syntaxError {
	for s.depth > 0 {
		if s.skipSpace() == len(s.data) {
			return s.fail("unexpected end of input")
		}

		closing := s.stack[s.depth-1]
		switch s.data[s.pos] {
		case closing:
			s.pos++
			s.depth--
		case ',':
			s.pos++
			if closing == '}' {
				return s.key()
			}
			return nil
		default:
			return s.fail(fmt.Sprintf("expected ',' or '%c', found %s", closing, describeByte(s.data[s.pos])))
		}
	}
	return nil
}

// key scans an object key and its colon.
func (s *scanner) key() *syntaxError {
	if s.skipSpace() == len(s.data) {
		return s.fail("unexpected end of input")
	}
	if s.data[s.pos] != '"' {
		return s.fail("expected a string as object key, found " + describeByte(s.data[s.pos]))
	}
	if err := s.str(); err != nil {
		return err
	}

	if s.skipSpace() == len(s.data) {
		return s.fail("unexpected end of input")
	}
	if s.data[s.pos] != ':' {
		return s.fail("expected ':' after object key, found " + describeByte(s.data[s.pos]))
	}
	s.pos++
	return nil
}

func (s *scanner) str() *syntaxError {
	s.pos++ // the opening quote
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return s.fail("control character in string; write it as an escape such as \\n")
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size == 1 {
				return s.fail("invalid UTF-8 in string")
			}
			s.pos += size
		}
	}
	return s.fail("unexpected end of input in string")
}

func (s *scanner) escape() *syntaxError {
	s.pos++ // the backslash
	if s.pos == len(s.data) {
		return s.fail("unexpected end of input in string")
	}

	switch s.data[s.pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos++
		return nil
	case 'u':
		for i := 1; i <= 4; i++ {
			if s.pos+i >= len(s.data) || !isHexDigit(s.data[s.pos+i]) {
				return s.fail("invalid \\u escape; expected four hex digits")
			}
		}
		s.pos += 5
		return nil
	}
	return s.fail("invalid escape sequence in string")
}

func (s *scanner) literal(word string) *syntaxError {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.fail("invalid literal; expected " + word)
	}
	s.pos += len(word)
	return nil
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() *syntaxError {
	start := s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}

	switch {
	case s.pos < len(s.data) && s.data[s.pos] == '0':
		s.pos++
	case s.digits() == 0:
		return s.failAt(start, "invalid number")
	}

	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return s.failAt(start, "invalid number")
		}
	}

	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return s.failAt(start, "invalid number")
		}
	}
	return nil
}

func (s *scanner) failAt(offset int, problem string) *syntaxError {
	return &syntaxError{offset: offset, problem: problem}
}

func (s *scanner) digits() int {
	n := 0
	for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

// describeByte names a byte without echoing more of the document.
func describeByte(c byte) string {
	if c > ' ' && c < 0x7f {
		return fmt.Sprintf("character '%c'", c)
	}
	return fmt.Sprintf("byte 0x%02X", c)
}

func isHexDigit(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
