package inject

import (
	"strings"
	"unsafe"

	"github.com/corazawaf/libinjection-go"
)

// isSQLi runs libinjection's SQL check on value. It passes an upper-cased
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
func (s *scan) isSQLi(value string, folded string, prefix bool) bool {
	if exhaustive || !canUpperCaseSQL(value, folded) {
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

// canUpperCaseSQL reports whether the upper case of value gives the same
// libinjection result as value; folded is its lower case.
func canUpperCaseSQL(value, folded string) bool {
	return len(value) > 0 && isASCII(value) && strings.IndexByte(value, '\\') < 0 &&
		!strings.Contains(folded, "sp_password")
}
