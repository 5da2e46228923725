package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/apikey"
)

// apiKeys reads the api_keys section, which may be absent.
func (p *parser) apiKeys(path string, v gjson.Result) APIKeys {
	out := APIKeys{
		Sources:         []apikey.Source{{Kind: apikey.SourceHeader, Name: DefaultKeyHeader}},
		Hash:            apikey.HashSHA256,
		StripCredential: true,
		MaxKeyLength:    DefaultMaxKeyLength,
		CacheEntries:    DefaultKeyCacheEntries,
	}

	var members map[string]gjson.Result
	if v.Exists() {
		members, _ = p.fields(path, v, "sources", "hash", "pepper", "strip_credential", "max_key_length", "cache_entries", "keys")
	}

	if m, ok := members["sources"]; ok {
		out.Sources = p.sources(child(path, "sources"), m)
	}
	hashValid := true
	if m, ok := members["hash"]; ok {
		var s string
		s, hashValid = p.enum(child(path, "hash"), m, "sha256", "hmac-sha256")
		if s == "hmac-sha256" {
			out.Hash = apikey.HashHMACSHA256
		}
	}

	// An invalid hash leaves the pepper unchecked, because whether it is
	// required depends on the hash.
	var pepper []byte
	if hashValid {
		pepper = p.pepper(child(path, "pepper"), members, out.Hash)
	}

	if m, ok := members["strip_credential"]; ok {
		out.StripCredential, _ = p.boolean(child(path, "strip_credential"), m)
	}
	if m, ok := members["max_key_length"]; ok {
		out.MaxKeyLength = p.maxKeyLength(child(path, "max_key_length"), m)
	}

	if m, ok := members["cache_entries"]; ok {
		if n, ok := p.integer(child(path, "cache_entries"), m, 0, MaxKeyCacheEntries); ok {
			out.CacheEntries = n
		}
	}

	var entries []apikey.Entry
	if m, ok := members["keys"]; ok {
		entries = p.keys(child(path, "keys"), m)
	}

	store, err := apikey.NewStore(out.Hash, pepper, entries)
	if err != nil {
		panic("BUG: duplicate digests passed validation: " + err.Error())
	}
	out.Store = store
	return out
}

// pepper reads the HMAC key. It is required with hmac-sha256 and rejected
// with sha256, where it would silently do nothing. Its value is a secret and
// never appears in an error.
func (p *parser) pepper(path string, members map[string]gjson.Result, hash apikey.Hash) []byte {
	v, ok := members["pepper"]
	switch {
	case !ok && hash == apikey.HashHMACSHA256:
		p.failNoValue(path, `missing required field; hash "hmac-sha256" needs a pepper`)
		return nil
	case !ok:
		return nil
	case hash == apikey.HashSHA256:
		p.failSecret(path, `is only used with hash "hmac-sha256"; remove it or set hash to "hmac-sha256"`)
		return nil
	case v.Type != gjson.String:
		p.failSecret(path, "must be a string")
		return nil
	}

	pepper, err := base64.StdEncoding.Strict().DecodeString(v.Str)
	if err != nil {
		p.failSecret(path, "must be standard base64 (RFC 4648 §4, with padding)")
		return nil
	}
	if len(pepper) < MinPepperBytes {
		p.failSecret(path, "must decode to at least "+strconv.Itoa(MinPepperBytes)+" bytes, but decodes to "+strconv.Itoa(len(pepper)))
		return nil
	}
	return pepper
}

func (p *parser) maxKeyLength(path string, v gjson.Result) int {
	n, ok := p.integer(path, v, MinMaxKeyLength, MaxMaxKeyLength)
	if !ok {
		return DefaultMaxKeyLength
	}
	return n
}

// identityHeader reads the identity header name, which must not be a
// header that frames the request or carries credentials.
func (p *parser) identityHeader(path string, v gjson.Result) string {
	name, ok := p.headerName(path, v)
	if !ok {
		return DefaultIdentityHeader
	}

	if contains(framingHeaders, name) || name == "cookie" || name == "authorization" {
		p.fail(path, "must not be a header that frames the request or carries credentials", v)
		return DefaultIdentityHeader
	}
	return name
}

// checkIdentityConflict rejects an identity header that is also a
// credential source, since the filter removes one and sets the other.
func (p *parser) checkIdentityConflict(path string, v gjson.Result, name string, sources []apikey.Source) {
	for i, src := range sources {
		if src.Kind == apikey.SourceHeader && src.Name == name {
			p.fail(path, "must differ from the credential header of api_keys.sources["+strconv.Itoa(i)+"]", v)
			return
		}
	}
}

// checkDefaultIdentityConflict rejects a header source named like the
// default identity header, which the filter removes from every request and
// sets to the key id: the credential could never be read or kept.
func (p *parser) checkDefaultIdentityConflict(path string, sources []apikey.Source) {
	for i, src := range sources {
		if src.Kind == apikey.SourceHeader && src.Name == DefaultIdentityHeader {
			p.failNoValue(path+"["+strconv.Itoa(i)+"].header",
				`must differ from identity_header, which defaults to "`+DefaultIdentityHeader+`"; read the key from another header or set identity_header`)
			return
		}
	}
}

// sources reads the credential sources and rejects two sources that read
// the same value.
func (p *parser) sources(path string, v gjson.Result) []apikey.Source {
	items, ok := p.array(path, v)
	switch {
	case !ok:
		return nil
	case len(items) == 0:
		p.fail(path, "must list at least one source", v)
		return nil
	case len(items) > apikey.MaxSources:
		p.fail(path, "must list at most "+strconv.Itoa(apikey.MaxSources)+" sources", v)
		return nil
	}

	sources := make([]apikey.Source, 0, len(items))
	positions := make([]int, 0, len(items)) // the index in items of each source
	for i, item := range items {
		itemPath := index(path, i)
		src, ok := p.source(itemPath, item)
		if !ok {
			continue
		}

		if j, problem := sourceConflict(sources, src); problem != "" {
			p.failNoValue(itemPath, fmt.Sprintf(problem, index(path, positions[j])))
			continue
		}
		sources = append(sources, src)
		positions = append(positions, i)
	}
	return sources
}

// sourceConflict returns the index of an earlier source that reads what src
// reads, and the problem with a %s for that source's path, or "" when there
// is none.
func sourceConflict(earlier []apikey.Source, src apikey.Source) (int, string) {
	for i, e := range earlier {
		if e.Kind != src.Kind || e.Name != src.Name {
			continue
		}

		switch {
		case src.Kind != apikey.SourceHeader || strings.EqualFold(e.Scheme, src.Scheme):
			return i, "duplicate source; %s reads the same value"
		case e.Scheme == "" || src.Scheme == "":
			return i, "conflicting source; %s reads the same header, and a header cannot be read both whole and by scheme"
		}
	}
	return 0, ""
}

// source reads one source object, which names exactly one of header, query
// and cookie.
func (p *parser) source(path string, v gjson.Result) (apikey.Source, bool) {
	members, ok := p.fields(path, v, "header", "prefix", "query", "cookie")
	if !ok {
		return apikey.Source{}, false
	}

	var kinds []string
	for _, kind := range []string{"header", "query", "cookie"} {
		if _, ok := members[kind]; ok {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) != 1 {
		p.failNoValue(path, "must set exactly one of header, query, cookie; sets "+describeKinds(kinds))
		return apikey.Source{}, false
	}

	switch kinds[0] {
	case "header":
		return p.headerSource(path, members)
	case "query":
		return p.namedSource(path, members, apikey.SourceQuery)
	}
	return p.namedSource(path, members, apikey.SourceCookie)
}

func describeKinds(kinds []string) string {
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, " and ")
}

func (p *parser) headerSource(path string, members map[string]gjson.Result) (apikey.Source, bool) {
	headerPath := child(path, "header")
	name, ok := p.headerName(headerPath, members["header"])
	if !ok {
		return apikey.Source{}, false
	}

	switch {
	case name == "cookie":
		p.fail(headerPath, `must not be cookie; read a cookie with {"cookie": "<name>"}`, members["header"])
		return apikey.Source{}, false
	case contains(framingHeaders, name):
		p.fail(headerPath, "must not be a header that frames the request", members["header"])
		return apikey.Source{}, false
	}

	src := apikey.Source{Kind: apikey.SourceHeader, Name: name}
	v, ok := members["prefix"]
	if !ok {
		return src, true
	}

	prefixPath := child(path, "prefix")
	prefix, ok := p.str(prefixPath, v)
	if !ok {
		return apikey.Source{}, false
	}
	scheme, space := strings.CutSuffix(prefix, " ")
	if !space || !isToken(scheme) {
		p.fail(prefixPath, `must be an authentication scheme followed by one space, such as "ApiKey "`, v)
		return apikey.Source{}, false
	}
	src.Scheme = scheme
	return src, true
}

// namedSource reads a query or cookie source; a prefix is an error there.
func (p *parser) namedSource(sourcePath string, members map[string]gjson.Result, kind apikey.SourceKind) (apikey.Source, bool) {
	if v, ok := members["prefix"]; ok {
		p.fail(child(sourcePath, "prefix"), "is only allowed with header", v)
		return apikey.Source{}, false
	}

	path := child(sourcePath, kind.String())
	v := members[kind.String()]
	name, ok := p.str(path, v)
	if !ok {
		return apikey.Source{}, false
	}

	switch {
	case kind == apikey.SourceQuery && !isQueryName(name):
		p.fail(path, `must be a query parameter name made of letters, digits, '-', '.', '_' and '~'`, v)
		return apikey.Source{}, false
	case kind == apikey.SourceCookie && !isToken(name):
		p.fail(path, "must be a cookie name made of RFC 9110 token characters", v)
		return apikey.Source{}, false
	}
	return apikey.Source{Kind: kind, Name: name}, true
}

// digest reads a key digest: 64 lower-case hex digits. Digests are treated
// as secrets and never shown.
func (p *parser) digest(path string, v gjson.Result) ([32]byte, bool) {
	const expected = "must be 64 lower-case hex digits (a SHA-256 or HMAC-SHA-256 digest)"
	var sum [32]byte

	switch {
	case v.Type != gjson.String:
		p.failSecret(path, "must be a string")
		return sum, false
	case len(v.Str) != 64:
		p.failSecret(path, expected+", but has "+strconv.Itoa(len(v.Str))+" characters")
		return sum, false
	case strings.ToLower(v.Str) != v.Str:
		p.failSecret(path, expected+", but has upper-case letters")
		return sum, false
	}

	if _, err := hex.Decode(sum[:], []byte(v.Str)); err != nil {
		p.failSecret(path, expected+", but has a character that is not a hex digit")
		return sum, false
	}
	return sum, true
}
