package config

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/internal/name"
)

// Limits on the names that reach logs, metrics and upstream headers.
const (
	maxNameLength  = name.MaxLength
	maxKeyIDLength = 128
)

// framingHeaders are headers that frame or route the request. Reading a
// credential from them, or overwriting them with an identity, would break
// the request, so neither a source nor the identity header may use them.
var framingHeaders = []string{
	"host", "content-length", "transfer-encoding", "connection", "keep-alive",
	"proxy-connection", "te", "trailer", "upgrade",
}

// headerName reads a header name, which must be an RFC 9110 token, and
// returns it lower-cased.
func (p *parser) headerName(path string, v gjson.Result) (string, bool) {
	s, ok := p.str(path, v)
	if !ok {
		return "", false
	}
	if len(s) > MaxHeaderNameBytes {
		p.fail(path, "must be a header name of at most "+strconv.Itoa(MaxHeaderNameBytes)+" bytes", v)
		return "", false
	}
	if !isToken(s) {
		p.fail(path, "must be a header name made of RFC 9110 token characters (letters, digits and !#$%&'*+-.^_`|~)", v)
		return "", false
	}
	return strings.ToLower(s), true
}

// isToken reports whether s is a token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isScopeToken reports whether s is a scope token (RFC 6749 §3.3): visible
// ASCII except the space, '"' and '\'.
func isScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// isName reports whether s is a route name or tier: 1 to 64 letters,
// digits, '-' or '_', so it is safe as a log field and a metric label.
func isName(s string) bool { return name.Valid(s) }

// isKeyID reports whether s is a key id: 1 to 128 visible ASCII
// characters, so it is a valid header value for the identity header.
func isKeyID(s string) bool {
	if s == "" || len(s) > maxKeyIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isQueryName reports whether s is made of unreserved characters (RFC 3986
// §2.3), which read the same encoded or not.
func isQueryName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '.' || c == '_' || c == '~' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// scopes reads a list of distinct scope tokens.
func (p *parser) scopes(path string, v gjson.Result) []string {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}

	scopes := make([]string, 0, len(items))
	for i, item := range items {
		itemPath := index(path, i)
		s, ok := p.str(itemPath, item)
		switch {
		case !ok:
		case !isScopeToken(s):
			p.fail(itemPath, `must be a scope: visible ASCII characters except space, '"' and '\'`, item)
		case contains(scopes, s):
			p.fail(itemPath, "duplicate scope", item)
		default:
			scopes = append(scopes, s)
		}
	}
	return scopes
}
