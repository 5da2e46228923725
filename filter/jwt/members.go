package jwt

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// member is one member of a JSON object, by unescaped name.
type member struct {
	name  string
	value gjson.Result
}

// memberList holds the members of an object in order. A token has a few
// members, so a linear search is cheaper than a map, in wasm above all.
type memberList []member

// get returns the value of the member called name.
func (l memberList) get(name string) (gjson.Result, bool) {
	for i := range l {
		if l[i].name == name {
			return l[i].value, true
		}
	}
	return gjson.Result{}, false
}

// linearMembers is the member count up to which a repeated name is found by
// comparing with each earlier member. Larger objects use a map.
const linearMembers = 16

// members appends the members of s, a JSON object that gjson.Valid
// accepted, to l, by unescaped name, and returns l. ok is false when a name
// repeats or there are more than maxMembers: RFC 7515 §4 and RFC 7519 §4
// require rejecting repeated names, because parsers disagree on which copy
// wins. Reading members through this list, rather than with gjson.Get, also
// matches names written with escapes. No caller passes text that
// gjson.Valid rejects: for such text ok may be true or false.
//
// It walks the object itself, because gjson's ForEach parses every number
// with strconv.ParseFloat, and inside wasm that code and ForEach's cost
// 5 – 7 µs per uncached token (BENCHMARKS.md). The values are those that
// ForEach gives, except that a number has no Num: read it with
// numberValue. FuzzMembersMatchForEach compares both walks.
func members(s string, l memberList) (memberList, bool) {
	var seen map[string]struct{}
	i := skipSpace(s, 0)
	if i == len(s) || s[i] != '{' {
		return l, false
	}

	for i = skipSpace(s, i+1); i < len(s); i = skipSpace(s, i) {
		switch s[i] {
		case '}':
			return l, true
		case ',':
			i++
			continue
		case '"':
		default:
			return l, false
		}

		end, escaped := stringEnd(s, i)
		if end < 0 {
			return l, false
		}
		name := stringValue(s[i:end], escaped)
		i = skipSpace(s, end)
		if i == len(s) || s[i] != ':' {
			return l, false
		}
		var value gjson.Result
		if value, i = readValue(s, skipSpace(s, i+1)); i < 0 {
			return l, false
		}

		if len(l) == maxMembers || repeats(l, &seen, name) {
			return l, false
		}
		l = append(l, member{name: name, value: value})
	}
	return l, false
}

// readValue reads the JSON value that starts at s[i] and returns it with
// the index after it, or -1 when no value starts there.
func readValue(s string, i int) (gjson.Result, int) {
	if i == len(s) {
		return gjson.Result{}, -1
	}
	switch s[i] {
	case '"':
		end, escaped := stringEnd(s, i)
		if end < 0 {
			return gjson.Result{}, -1
		}
		raw := s[i:end]
		return gjson.Result{Type: gjson.String, Raw: raw, Str: stringValue(raw, escaped)}, end
	case '{', '[':
		end := nestedEnd(s, i)
		if end < 0 {
			return gjson.Result{}, -1
		}
		return gjson.Result{Type: gjson.JSON, Raw: s[i:end]}, end
	case 't':
		return literal(s, i, "true", gjson.True)
	case 'f':
		return literal(s, i, "false", gjson.False)
	case 'n':
		return literal(s, i, "null", gjson.Null)
	}

	end := i
	for end < len(s) && isNumberByte(s[end]) {
		end++
	}
	if end == i {
		return gjson.Result{}, -1
	}
	return gjson.Result{Type: gjson.Number, Raw: s[i:end]}, end
}

// literal reads the JSON literal text (true, false or null) of type typ
// that starts at s[i], as readValue does.
func literal(s string, i int, text string, typ gjson.Type) (gjson.Result, int) {
	if !strings.HasPrefix(s[i:], text) {
		return gjson.Result{}, -1
	}
	return gjson.Result{Type: typ, Raw: s[i : i+len(text)]}, i + len(text)
}

// skipSpace returns the index of the first byte from i on that is not JSON
// whitespace (RFC 8259 §2), or len(s).
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// isNumberByte reports whether c may appear in a JSON number (RFC 8259
// §6).
func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// stringEnd returns the index after the closing quote of the JSON string
// that starts at s[i], or -1 when it has none, and whether the string has
// escapes.
func stringEnd(s string, i int) (end int, escaped bool) {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
			escaped = true
		case '"':
			return i + 1, escaped
		}
	}
	return -1, escaped
}

// nestedEnd returns the index after the object or array that starts at
// s[i], or -1 when it does not end.
func nestedEnd(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			end, _ := stringEnd(s, i)
			if end < 0 {
				return -1
			}
			i = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// stringValue returns the text of raw, a JSON string with its quotes,
// unescaped by gjson when it has escapes.
func stringValue(raw string, escaped bool) string {
	if !escaped {
		return raw[1 : len(raw)-1]
	}
	return gjson.Parse(raw).Str
}

// numberValue returns the value of raw, a JSON number, as gjson's call of
// strconv.ParseFloat would. A plain integer of up to 15 digits, which a
// float64 holds exactly, is read without strconv, whose float parser is a
// lot of code to run once per token inside wasm.
func numberValue(raw string) float64 {
	if raw == "" || len(raw) > 15 {
		f, _ := strconv.ParseFloat(raw, 64)
		return f
	}
	n := 0
	for i := 0; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			f, _ := strconv.ParseFloat(raw, 64)
			return f
		}
		n = n*10 + int(raw[i]-'0')
	}
	return float64(n)
}

// repeats reports whether name is already in l. Past linearMembers it
// keeps the names in *seen, which it fills on first use.
func repeats(l memberList, seen *map[string]struct{}, name string) bool {
	if len(l) < linearMembers {
		_, found := l.get(name)
		return found
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 2*linearMembers)
		for _, m := range l {
			(*seen)[m.name] = struct{}{}
		}
	}
	if _, found := (*seen)[name]; found {
		return true
	}
	(*seen)[name] = struct{}{}
	return false
}
