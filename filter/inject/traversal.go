package inject

import "strings"

// This file contains the traversal checks beyond plain "../" sequences.
// They find parent-directory steps written with escapes or hex literals,
// and steps repeated with a separator that no decoder here knows.

// pathEscapes undoes encodings of path characters that servers and
// libraries decode besides percent-encoding: hex literals such as 0x2e,
// and backslash escapes such as \/ and \. in JSON-like text.
var pathEscapes = strings.NewReplacer("0x2e", ".", "0x2f", "/", "0x5c", `\`, `\/`, "/", `\.`, ".")

// escapedParentSteps reports whether s holds two or more parent-directory
// steps once hex literals and backslash escapes are undone.
func escapedParentSteps(s string) bool {
	plain := pathEscapes.Replace(s)
	if plain == s {
		return false
	}
	return parentSteps(plain) >= 2
}

// parentSteps counts the "../", "..\" and "..;/" steps of s.
func parentSteps(s string) int {
	return strings.Count(s, "../") + strings.Count(s, `..\`) + strings.Count(s, "..;/")
}

// repeatedParentSteps reports whether s holds three or more ".." steps in
// a row, each followed by the same separator of one to eight bytes that
// is not only letters and digits: a traversal whose separator is encoded in a
// way no decoder here knows, such as an invalid overlong sequence.
func repeatedParentSteps(s string) bool {
	for i := strings.Index(s, ".."); i >= 0 && i+2 < len(s); {
		rest := s[i+2:]
		next := strings.Index(rest, "..")
		if next > 0 && next <= 8 {
			sep := rest[:next]
			if strings.Trim(sep, ".") != "" && !isAlnum(sep) && repeats(rest[next:], sep, 2) {
				return true
			}
		}
		if next < 0 {
			return false
		}
		i += 2 + next
	}
	return false
}

// repeats reports whether s starts with n or more copies of ".."+sep.
func repeats(s, sep string, n int) bool {
	unit := ".." + sep
	for range n {
		if !strings.HasPrefix(s, unit) {
			return false
		}
		s = s[len(unit):]
	}
	return true
}

// isAlnum reports whether s holds only ASCII letters and digits.
func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; (c < 'a' || c > 'z') && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}
