package config

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// routes reads the route list and rejects duplicate names.
func (p *parser) routes(path string, v gjson.Result, norm route.Normalization) []route.Route {
	if !v.Exists() {
		return nil
	}
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) > MaxRoutes {
		// Routes are matched in order on every request, so their number
		// bounds the cost of a request.
		p.failNoValue(path, "must list at most "+strconv.Itoa(MaxRoutes)+" routes; got "+strconv.Itoa(len(items)))
		return nil
	}

	return readNamed(p, path, items, "route",
		func(itemPath string, item gjson.Result) (route.Route, string, bool) {
			r, ok := p.route(itemPath, item, norm)
			return r, r.Name, ok
		})
}

// readNamed reads each item of a list with read and keeps the valid ones,
// rejecting an item whose name an earlier item already has. kind names the
// items in the error, such as "route".
func readNamed[T any](p *parser, path string, items []gjson.Result, kind string,
	read func(itemPath string, item gjson.Result) (T, string, bool)) []T {
	out := make([]T, 0, len(items))
	nameIndex := make(map[string]int, len(items))
	for i, item := range items {
		itemPath := index(path, i)
		value, name, ok := read(itemPath, item)

		if first, dup := nameIndex[name]; name != "" && dup {
			p.fail(child(itemPath, "name"), "duplicate "+kind+" name; "+index(path, first)+" has the same name", item.Get("name"))
			continue
		}
		if name != "" {
			nameIndex[name] = i
		}
		if ok {
			out = append(out, value)
		}
	}
	return out
}

// route reads one route. The returned route carries its name whenever the
// name is valid, even when ok is false, for the duplicate check.
func (p *parser) route(path string, v gjson.Result, norm route.Normalization) (route.Route, bool) {
	var r route.Route
	members, ok := p.fields(path, v, "name", "match", "methods", "auth", "scopes")
	if !ok {
		return r, false
	}
	before := len(p.errs)

	if m, ok := members["name"]; !ok {
		p.failNoValue(child(path, "name"), "missing required field")
	} else if name, ok := p.str(child(path, "name"), m); ok && !isName(name) {
		p.fail(child(path, "name"), "must be 1 to 64 letters, digits, '-' or '_'", m)
	} else {
		r.Name = name
	}

	if m, ok := members["match"]; !ok {
		p.failNoValue(child(path, "match"), "missing required field")
	} else {
		p.match(child(path, "match"), m, norm, &r)
	}

	if m, ok := members["methods"]; ok {
		r.Methods = p.methods(child(path, "methods"), m)
	}
	p.auth(path, members, &r)

	return r, len(p.errs) == before
}

// defaultRoute reads default_route, which may be absent and then requires
// an API key.
func (p *parser) defaultRoute(path string, v gjson.Result) route.Route {
	var r route.Route
	if !v.Exists() {
		return r
	}

	members, ok := p.fields(path, v, "auth", "scopes")
	if ok {
		p.auth(path, members, &r)
	}
	return r
}

// auth reads the auth and scopes fields of a route. Scopes need an API key,
// so they are an error on a public route.
func (p *parser) auth(path string, members map[string]gjson.Result, r *route.Route) {
	if m, ok := members["auth"]; ok {
		switch s, _ := p.enum(child(path, "auth"), m, "api_key", "none", "jwt", "either", "both"); s {
		case "none":
			r.Auth = route.AuthNone
		case "jwt":
			r.Auth = route.AuthJWT
		case "either":
			r.Auth = route.AuthEither
		case "both":
			r.Auth = route.AuthBoth
		}
	}

	m, ok := members["scopes"]
	if !ok {
		return
	}
	if r.Auth == route.AuthNone {
		p.fail(child(path, "scopes"), `is not allowed when auth is "none"`, m)
		return
	}
	r.Scopes = p.scopes(child(path, "scopes"), m)
}

// match reads the path rule: exactly one of path, prefix and regex.
func (p *parser) match(path string, v gjson.Result, norm route.Normalization, r *route.Route) {
	members, ok := p.fields(path, v, "path", "prefix", "regex")
	if !ok {
		return
	}

	var kinds []string
	for _, kind := range []string{"path", "prefix", "regex"} {
		if _, ok := members[kind]; ok {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) != 1 {
		p.failNoValue(path, "must set exactly one of path, prefix, regex; sets "+describeKinds(kinds))
		return
	}

	kind := kinds[0]
	m := members[kind]
	valuePath := child(path, kind)
	s, ok := p.str(valuePath, m)
	if !ok {
		return
	}

	switch kind {
	case "path":
		r.Kind, r.Value = route.MatchPath, p.matchPath(valuePath, m, s, s, norm)
	case "prefix":
		// A prefix is checked with a segment appended, so that a prefix
		// ending inside a segment, such as "/files/.", is still accepted.
		r.Kind, r.Value = route.MatchPrefix, p.matchPath(valuePath, m, s, s+"x", norm)
	case "regex":
		r.Kind, r.Regexp = route.MatchRegex, p.regex(valuePath, m, s, norm.CaseSensitive)
	}
}

// matchPath checks that a path or prefix can match a normalised request
// path, and returns it in the case that matching compares. probe is the
// value to normalise.
func (p *parser) matchPath(path string, v gjson.Result, value, probe string, norm route.Normalization) string {
	_, _, hasQuery, err := route.SplitTarget(probe)
	switch {
	case errors.Is(err, route.ErrNotAbsolutePath):
		p.fail(path, `must start with "/"`, v)
		return ""
	case err != nil || hasQuery:
		p.fail(path, `must not contain control characters, spaces, '#' or '?'`, v)
		return ""
	}

	normal, err := route.Normalize(probe, norm)
	if err != nil {
		p.fail(path, "can never match, because requests with such a path are rejected: "+strings.TrimPrefix(err.Error(), "route: "), v)
		return ""
	}
	if normal != probe {
		suggestion := strings.TrimSuffix(normal, "x")
		p.fail(path, "can never match, because request paths are normalised first; write "+jsontext.Quote(suggestion), v)
		return ""
	}

	if !norm.CaseSensitive {
		return route.LowerASCII(value)
	}
	return value
}

// regex compiles an RE2 expression, case-insensitive when matching ignores
// case.
func (p *parser) regex(path string, v gjson.Result, expr string, caseSensitive bool) *regexp.Regexp {
	if len(expr) > MaxRegexBytes {
		p.fail(path, "must be at most "+strconv.Itoa(MaxRegexBytes)+" bytes long", v)
		return nil
	}
	source := expr
	if !caseSensitive {
		source = "(?i)" + expr
	}

	if n, err := regexInstructions(source); err == nil && n > MaxRegexInstructions {
		p.fail(path, "compiles to "+strconv.Itoa(n)+" RE2 instructions, more than the maximum of "+
			strconv.Itoa(MaxRegexInstructions)+"; simplify it or split the route", v)
		return nil
	}

	re, err := regexp.Compile(source)
	if err != nil {
		problem := err.Error()
		var syntaxErr *syntax.Error
		if errors.As(err, &syntaxErr) {
			problem = syntaxErr.Code.String()
		}
		p.fail(path, "invalid RE2 regular expression: "+problem, v)
		return nil
	}
	return re
}

// regexInstructions returns the size of the RE2 program of source. RE2
// matches in time linear in the path length times this size, so bounding it
// bounds the cost of every request.
func regexInstructions(source string) (int, error) {
	re, err := syntax.Parse(source, syntax.Perl)
	if err != nil {
		return 0, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, err
	}
	return len(prog.Inst), nil
}

// methods reads a non-empty list of distinct standard method names.
func (p *parser) methods(path string, v gjson.Result) route.MethodSet {
	items, ok := p.array(path, v)
	if !ok {
		return 0
	}
	if len(items) == 0 {
		p.fail(path, "must list at least one method; omit the field to match every method", v)
		return 0
	}

	var set route.MethodSet
	for i, item := range items {
		itemPath := index(path, i)
		name, ok := p.str(itemPath, item)
		if !ok {
			continue
		}

		m := route.ParseMethod(name)
		switch {
		case m == 0:
			p.fail(itemPath, "must be one of "+strings.Join(route.MethodNames, ", ")+" (upper-case)", item)
		case set.Contains(m):
			p.fail(itemPath, "duplicate method", item)
		default:
			set = set.Add(m)
		}
	}
	return set
}
