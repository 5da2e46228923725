package route

import (
	"regexp"
	"strings"
)

// Auth is the authentication a route requires.
type Auth uint8

const (
	// AuthAPIKey requires a valid API key. It is the zero value, so a route
	// built without an explicit Auth fails closed.
	AuthAPIKey Auth = iota

	// AuthNone lets every request through without credentials.
	AuthNone

	// AuthJWT requires a valid JWT.
	AuthJWT

	// AuthEither requires a valid JWT when the request carries a token, and
	// a valid API key otherwise.
	AuthEither

	// AuthBoth requires a valid API key and a valid JWT.
	AuthBoth
)

// String returns the configuration name of the authentication: "api_key",
// "none", "jwt", "either" or "both".
func (a Auth) String() string {
	switch a {
	case AuthAPIKey:
		return "api_key"
	case AuthNone:
		return "none"
	case AuthJWT:
		return "jwt"
	case AuthEither:
		return "either"
	case AuthBoth:
		return "both"
	}
	return "unknown"
}

// MatchKind is the kind of path rule of a route.
type MatchKind uint8

const (
	// MatchPath matches one exact path.
	MatchPath MatchKind = iota

	// MatchPrefix matches every path that starts with the prefix, compared
	// byte by byte: "/admin" also matches "/administrator".
	MatchPrefix

	// MatchRegex matches every path in which the regular expression finds a
	// match. Only "^" and "$" in the expression anchor it.
	MatchRegex
)

// Route is one compiled route. Its fields must not change once the route is
// in a Table.
type Route struct {
	// Name identifies the route in logs and decisions. The default route
	// has the empty name.
	Name string

	// Kind selects which of Value and Regexp the path rule uses.
	Kind MatchKind

	// Value is the exact path or the prefix, lower-cased when matching
	// ignores case.
	Value string

	// Regexp is the compiled expression of a MatchRegex route.
	Regexp *regexp.Regexp

	// Methods is the set of methods the route matches; the empty set
	// matches every method.
	Methods MethodSet

	// Auth is the authentication the route requires.
	Auth Auth

	// Scopes lists the scopes the caller must all hold: the API key's on an
	// api_key route, the token's on the others (on a both route too).
	Scopes []string
}

// Matches reports whether the route matches the method and the normalised
// path, which the caller has lower-cased when matching ignores case.
func (r *Route) Matches(method Method, path string) bool {
	if r.Methods != 0 && !r.Methods.Contains(method) {
		return false
	}

	switch r.Kind {
	case MatchPath:
		return path == r.Value
	case MatchPrefix:
		return strings.HasPrefix(path, r.Value)
	case MatchRegex:
		return r.Regexp.MatchString(path)
	}
	return false
}

// Table is an ordered list of routes with a default route. It is immutable
// and safe for concurrent use.
type Table struct {
	routes        []Route
	fallback      Route
	caseSensitive bool
}

// NewTable returns a table that tries routes in order and falls back to
// fallback, whose Name is cleared. When caseSensitive is false, the routes'
// Value fields must already be lower-case and their expressions compiled
// with the "(?i)" flag.
func NewTable(routes []Route, fallback Route, caseSensitive bool) *Table {
	fallback.Name = ""
	return &Table{
		routes:        append([]Route(nil), routes...),
		fallback:      fallback,
		caseSensitive: caseSensitive,
	}
}

// Match returns the first route that matches the method and the normalised
// path, or the default route when none does. It lower-cases path itself when
// the table ignores case.
func (t *Table) Match(method string, path string) *Route {
	if !t.caseSensitive {
		path = LowerASCII(path)
	}

	m := ParseMethod(method)
	for i := range t.routes {
		if t.routes[i].Matches(m, path) {
			return &t.routes[i]
		}
	}
	return &t.fallback
}

// Routes returns the routes in matching order. The caller must not modify
// them.
func (t *Table) Routes() []Route {
	return t.routes
}

// Default returns the default route.
func (t *Table) Default() *Route {
	return &t.fallback
}

// LowerASCII lower-cases the ASCII letters of s and leaves other bytes,
// including UTF-8 sequences, unchanged. It returns s itself, without
// allocating, when s has no upper-case letter.
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return lowerASCIIFrom(s, i)
		}
	}
	return s
}

func lowerASCIIFrom(s string, first int) string {
	b := []byte(s)
	for i := first; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}
