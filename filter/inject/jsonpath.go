package inject

import (
	"errors"
	"strconv"
	"strings"
)

// pathStep is one step from a JSON value to its child: a member key, or
// an array index when isIndex.
type pathStep struct {
	key     string
	index   int
	isIndex bool
}

// JSONPath is a compiled exclusion path such as $.comment.body or
// $.items[*].note. It matches the value at that path and everything inside
// it.
type JSONPath struct {
	steps []pathPattern
	text  string
}

type pathPattern struct {
	key      string
	index    int
	isIndex  bool
	wildcard bool // "*" as a member or [*] as an index
}

// String returns the path as written.
func (p JSONPath) String() string { return p.text }

// ParseJSONPath compiles a path made of "$" followed by steps: ".name" for
// a member, "[N]" for an array element, ".*" for any member and "[*]" for
// any element. Member names are letters, digits, '_', '-' and '$'.
func ParseJSONPath(s string) (JSONPath, error) {
	if !strings.HasPrefix(s, "$") {
		return JSONPath{}, errors.New(`must start with "$"`)
	}

	p := JSONPath{text: s}
	rest := s[1:]
	for rest != "" {
		var step pathPattern
		var err error
		step, rest, err = parsePathStep(rest)
		if err != nil {
			return JSONPath{}, err
		}
		p.steps = append(p.steps, step)
	}
	if len(p.steps) == 0 {
		return JSONPath{}, errors.New(`must name at least one member or element after "$"`)
	}
	return p, nil
}

func parsePathStep(rest string) (pathPattern, string, error) {
	switch rest[0] {
	case '.':
		end := 1
		for end < len(rest) && isNameByte(rest[end]) {
			end++
		}
		name := rest[1:end]
		if name == "" && strings.HasPrefix(rest, ".*") {
			return pathPattern{wildcard: true}, rest[2:], nil
		}
		if name == "" {
			return pathPattern{}, "", errors.New(`expected a member name or "*" after "."`)
		}
		return pathPattern{key: name}, rest[end:], nil
	case '[':
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return pathPattern{}, "", errors.New(`missing "]"`)
		}
		inner := rest[1:end]
		if inner == "*" {
			return pathPattern{isIndex: true, wildcard: true}, rest[end+1:], nil
		}
		n, err := strconv.Atoi(inner)
		if err != nil || n < 0 {
			return pathPattern{}, "", errors.New(`expected a non-negative index or "*" inside "[]"`)
		}
		return pathPattern{isIndex: true, index: n}, rest[end+1:], nil
	}
	return pathPattern{}, "", errors.New(`expected "." or "[" at ` + strconv.Quote(rest))
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '$'
}

// matches reports whether path is at or inside the value p names.
func (p JSONPath) matches(path []pathStep) bool {
	if len(path) < len(p.steps) {
		return false
	}
	for i, want := range p.steps {
		got := path[i]
		if want.isIndex != got.isIndex {
			return false
		}
		if want.wildcard {
			continue
		}
		if want.isIndex && want.index != got.index || !want.isIndex && want.key != got.key {
			return false
		}
	}
	return true
}

// formatJSONPath writes a path the way ParseJSONPath reads it; member
// names that it cannot read are quoted in brackets.
func formatJSONPath(path []pathStep) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, step := range path {
		switch {
		case step.isIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(step.index))
			b.WriteByte(']')
		case isPlainName(step.key):
			b.WriteByte('.')
			b.WriteString(step.key)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(step.key))
			b.WriteByte(']')
		}
	}
	return b.String()
}

func isPlainName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}
