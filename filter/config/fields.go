package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// redacted replaces the value of a secret field in errors.
const redacted = "<redacted>"

// maxShownBytes is the longest string value an error shows in full.
const maxShownBytes = 64

// parser collects every problem of a document while its sections are read.
type parser struct {
	errs []FieldError
}

// fail records a problem with the value v, shown as JSON.
func (p *parser) fail(path, problem string, v gjson.Result) {
	p.errs = append(p.errs, FieldError{Path: path, Problem: problem, Value: showValue(v)})
}

// failSecret records a problem with a secret value, which is never shown.
func (p *parser) failSecret(path, problem string) {
	p.errs = append(p.errs, FieldError{Path: path, Problem: problem, Value: redacted})
}

// failNoValue records a problem for which the value does not help.
func (p *parser) failNoValue(path, problem string) {
	p.errs = append(p.errs, FieldError{Path: path, Problem: problem})
}

// fields checks that v is an object whose keys are all in allowed, each at
// most once, and returns its members by key. Unknown and repeated members
// are reported and left out. ok is false when v is not an object.
func (p *parser) fields(path string, v gjson.Result, allowed ...string) (map[string]gjson.Result, bool) {
	if !v.IsObject() {
		p.fail(path, "must be an object", v)
		return nil, false
	}

	members := make(map[string]gjson.Result, len(allowed))
	v.ForEach(func(key, value gjson.Result) bool {
		name := key.Str
		memberPath := child(path, name)

		switch _, seen := members[name]; {
		case !contains(allowed, name):
			p.failNoValue(memberPath, "unknown field; expected one of "+strings.Join(allowed, ", "))
		case seen:
			p.failNoValue(memberPath, "duplicate field; give each field once")
		default:
			members[name] = value
		}
		return true
	})
	return members, true
}

func (p *parser) str(path string, v gjson.Result) (string, bool) {
	if v.Type != gjson.String {
		p.fail(path, "must be a string", v)
		return "", false
	}
	return v.Str, true
}

func (p *parser) boolean(path string, v gjson.Result) (bool, bool) {
	if !v.IsBool() {
		p.fail(path, "must be true or false", v)
		return false, false
	}
	return v.Bool(), true
}

// integer reads an integer between low and high. It accepts only JSON
// numbers written without fraction or exponent.
func (p *parser) integer(path string, v gjson.Result, low, high int) (int, bool) {
	n, err := strconv.Atoi(v.Raw)
	if v.Type != gjson.Number || err != nil || n < low || n > high {
		p.fail(path, "must be an integer between "+strconv.Itoa(low)+" and "+strconv.Itoa(high), v)
		return 0, false
	}
	return n, true
}

func (p *parser) array(path string, v gjson.Result) ([]gjson.Result, bool) {
	if !v.IsArray() {
		p.fail(path, "must be an array", v)
		return nil, false
	}
	return v.Array(), true
}

// enum returns the string v when it is one of allowed.
func (p *parser) enum(path string, v gjson.Result, allowed ...string) (string, bool) {
	s, ok := p.str(path, v)
	if !ok {
		return "", false
	}
	if !contains(allowed, s) {
		p.fail(path, "must be one of "+quoteList(allowed), v)
		return "", false
	}
	return s, true
}

// child returns the path of an object member. Names that are not plain
// identifiers are shown quoted in brackets, such as routes[0]["a b"].
func child(path, name string) string {
	if !isIdentifier(name) {
		return path + "[" + quoteVisible(shorten(name)) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// index returns the path of an array element.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func isIdentifier(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// showValue formats v for an error: strings quoted, other scalars as
// written, both shortened, and containers as "{...}" or "[...]", so the
// document is never echoed.
func showValue(v gjson.Result) string {
	switch {
	case v.Type == gjson.String:
		quoted := quoteVisible(shorten(v.Str))
		if len(v.Str) > maxShownBytes {
			quoted += "... (" + strconv.Itoa(len(v.Str)) + " bytes)"
		}
		return quoted
	case v.IsObject():
		return "{...}"
	case v.IsArray():
		return "[...]"
	case !v.Exists():
		return "nothing"
	case len(v.Raw) > maxShownBytes:
		return v.Raw[:maxShownBytes] + "... (" + strconv.Itoa(len(v.Raw)) + " bytes)"
	}
	return v.Raw
}

// shorten cuts s to at most maxShownBytes without splitting a UTF-8
// sequence.
func shorten(s string) string {
	if len(s) <= maxShownBytes {
		return s
	}
	end := maxShownBytes
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end]
}

func quoteList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = jsontext.Quote(v)
	}
	return strings.Join(quoted, ", ")
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// quoteVisible quotes s as a JSON string and writes every character that a
// terminal would not show as a \u escape. Such characters are DEL, U+0085,
// zero-width spaces and bidirectional overrides, and an error must show them.
func quoteVisible(s string) string {
	quoted := jsontext.Quote(s)
	clean := true
	for _, r := range quoted {
		if !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return quoted
	}

	var b strings.Builder
	for _, r := range quoted {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
			continue
		}
		fmt.Fprintf(&b, "\\u%04x", r)
	}
	return b.String()
}
