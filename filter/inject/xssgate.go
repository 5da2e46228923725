package inject

import (
	"strings"
	_ "unsafe" // for go:linkname
)

// libinjectionBlackAttributes is libinjection's table of dangerous
// attribute names that are not event handlers, such as HREF and STYLE,
// upper case. It is read through the linker for the reason given at
// libinjectionKeywords.
//
//go:linkname libinjectionBlackAttributes github.com/corazawaf/libinjection-go.blacksMap
var libinjectionBlackAttributes map[string]int

// mayBeXSS reports whether libinjection's XSS check can flag v. Without
// '<' the check can only flag an attribute that libinjection deems
// dangerous followed by '=' and a value, because every other token it
// flags (tags, comments, doctypes) opens with '<'. So a value with '='
// needs such an attribute name before one of them. The names are
// over-approximated: any name of five or more bytes that starts with
// "on" counts, where libinjection checks a list of event names.
// TestMayBeXSSAdmitsEveryFinding checks this on random values.
func mayBeXSS(v string) bool {
	if strings.IndexByte(v, '<') >= 0 {
		return true
	}
	for i := strings.IndexByte(v, '='); i >= 0; {
		if dangerousAttributeBefore(v[:i]) {
			return true
		}
		next := strings.IndexByte(v[i+1:], '=')
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// dangerousAttributeBefore reports whether s ends, before optional
// spaces, with a name that libinjection may treat as a dangerous
// attribute. The name is taken as long as it can be: back to a space,
// '/', a quote, '<', '>' or '=', one of which precedes every attribute
// name in libinjection's tokenizer. A name with such a byte inside is
// never dangerous. NUL bytes count as spaces around the name, and
// libinjection drops them inside it. Each part after a NUL is checked
// too, in case the name starts there.
func dangerousAttributeBefore(s string) bool {
	end := len(s)
	for end > 0 && s[end-1] <= ' ' {
		end--
	}
	start := end
	for start > 0 && !endsAttributeName(s[start-1]) {
		start--
	}

	name := s[start:end]
	for {
		if dangerousName(name) {
			return true
		}
		i := strings.IndexByte(name, 0)
		if i < 0 {
			return false
		}
		name = name[i+1:]
	}
}

// dangerousName reports whether name, without its NUL bytes and in upper
// case, is a dangerous attribute name.
func dangerousName(name string) bool {
	var buf [32]byte
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == 0 {
			continue
		}
		if n == len(buf) {
			return false // longer than every name in the tables
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	upper := buf[:n]
	switch {
	case n >= 5 && upper[0] == 'O' && upper[1] == 'N':
		return true
	case string(upper) == "XMLNS" || string(upper) == "XLINK":
		return true
	}
	_, ok := libinjectionBlackAttributes[string(upper)]
	return ok
}

func endsAttributeName(c byte) bool {
	return c != 0 && c <= ' ' || strings.IndexByte("/\"'`<>=", c) >= 0
}
