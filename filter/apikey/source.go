package apikey

// SourceKind is the part of the request a credential is read from.
type SourceKind uint8

const (
	// SourceHeader reads a request header.
	SourceHeader SourceKind = iota
	// SourceQuery reads a query parameter.
	SourceQuery
	// SourceCookie reads a cookie of the cookie header.
	SourceCookie
)

// String returns the configuration name of the kind: "header", "query" or
// "cookie".
func (k SourceKind) String() string {
	switch k {
	case SourceHeader:
		return "header"
	case SourceQuery:
		return "query"
	case SourceCookie:
		return "cookie"
	}
	return "unknown"
}

// MaxSources is the maximum number of sources Extract reads, because
// Extraction.Present has one bit per source.
const MaxSources = 32

// Source is one place a credential may be found.
type Source struct {
	// Kind selects what Name names.
	Kind SourceKind

	// Name is the lower-case header name, the query parameter name or the
	// cookie name. Query and cookie names are case-sensitive.
	Name string

	// Scheme is, for a header source only, the authentication scheme that
	// precedes the key, such as "ApiKey" in "Authorization: ApiKey k".
	// Only values with that scheme, compared without regard to case, carry a
	// credential. Empty means the whole value is the key.
	Scheme string
}

// Outcome is the result of reading every source.
type Outcome uint8

const (
	// OutcomeMissing means no source carried a non-empty credential.
	OutcomeMissing Outcome = iota
	// OutcomeFound means one credential was found, possibly repeated
	// identically.
	OutcomeFound
	// OutcomeMultiple means two different credentials were found.
	OutcomeMultiple
	// OutcomeUndecodable means a query credential has invalid
	// percent-encoding.
	OutcomeUndecodable
)

// Extraction is the result of Extract.
type Extraction struct {
	Outcome Outcome

	// Credential is the credential when Outcome is OutcomeFound. It is the
	// secret itself: never log it.
	Credential string

	// Present has bit i set when sources[i] occurred in the request, even
	// with an empty value. StripCredentials removes these sources.
	Present uint32
}

// Extract reads every source in order and returns the credential found.
// headers are the request headers with lower-case names; query is the raw
// query string, without "?".
//
// Every occurrence counts: each value of a repeated header, each occurrence
// of a query parameter and each cookie of that name in every cookie header.
// Empty values are ignored. Query names and values are percent-decoded with
// "+" as a space; cookie values lose one pair of surrounding double quotes.
// Sources past MaxSources are ignored.
func Extract(sources []Source, headers [][2]string, query string) Extraction {
	var c collector
	for i, src := range sources {
		if i == MaxSources {
			break
		}

		switch src.Kind {
		case SourceHeader:
			c.readHeader(i, src, headers)
		case SourceQuery:
			c.readQuery(i, src.Name, query)
		case SourceCookie:
			c.readCookie(i, src.Name, headers)
		}
	}
	return c.result()
}

// collector accumulates the credentials found across sources.
type collector struct {
	ex          Extraction
	found       bool
	multiple    bool
	undecodable bool
}

func (c *collector) add(source int, value string) {
	c.ex.Present |= 1 << source
	if value == "" {
		return
	}

	if !c.found {
		c.ex.Credential = value
		c.found = true
		return
	}
	if value != c.ex.Credential {
		c.multiple = true
	}
}

func (c *collector) result() Extraction {
	ex := c.ex
	switch {
	case c.multiple:
		ex.Outcome = OutcomeMultiple
	case c.undecodable:
		ex.Outcome = OutcomeUndecodable
	case c.found:
		ex.Outcome = OutcomeFound
	default:
		ex.Outcome = OutcomeMissing
	}

	if ex.Outcome != OutcomeFound {
		ex.Credential = ""
	}
	return ex
}

func (c *collector) readHeader(source int, src Source, headers [][2]string) {
	for _, h := range headers {
		if !equalFoldASCII(h[0], src.Name) {
			continue
		}
		if src.Scheme == "" {
			c.add(source, h[1])
			continue
		}
		if credential, ok := cutScheme(h[1], src.Scheme); ok {
			c.add(source, credential)
		}
	}
}

func (c *collector) readQuery(source int, name, query string) {
	for query != "" {
		var param string
		param, query = cutByte(query, '&')

		rawName, rawValue := cutByte(param, '=')
		if !queryNameEquals(rawName, name) {
			continue
		}

		value, ok := decodeQueryValue(rawValue)
		if !ok {
			c.ex.Present |= 1 << source
			c.undecodable = true
			continue
		}
		c.add(source, value)
	}
}

func (c *collector) readCookie(source int, name string, headers [][2]string) {
	for _, h := range headers {
		if !equalFoldASCII(h[0], "cookie") {
			continue
		}

		list := h[1]
		for list != "" {
			var pair string
			pair, list = cutByte(list, ';')
			if cookieName, value := splitCookie(pair); cookieName == name {
				c.add(source, value)
			}
		}
	}
}

// cutScheme returns the credential of an authorization value of the form
// "<scheme> 1*SP <credential>" (RFC 9110 §11.4) when its scheme equals
// scheme without regard to case. A value holding only the scheme yields an
// empty credential.
func cutScheme(value, scheme string) (string, bool) {
	if len(value) < len(scheme) || !equalFoldASCII(value[:len(scheme)], scheme) {
		return "", false
	}

	rest := value[len(scheme):]
	if rest != "" && rest[0] != ' ' {
		return "", false
	}
	for rest != "" && rest[0] == ' ' {
		rest = rest[1:]
	}
	return rest, true
}

// splitCookie splits one cookie-pair (RFC 6265 §4.2.1) into its name and
// value. It trims spaces and tabs around both, which is more lenient than
// the RFC so that every name an upstream might accept is recognised, and
// removes one pair of double quotes around the value.
func splitCookie(pair string) (name, value string) {
	name, value = cutByte(pair, '=')
	name = trimSpaceTab(name)
	value = trimSpaceTab(value)
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	return name, value
}

// cutByte splits s around the first sep; after is empty when sep is absent.
func cutByte(s string, sep byte) (before, after string) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func trimSpaceTab(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// equalFoldASCII reports whether a and b are equal after lower-casing ASCII
// letters.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerByte(a[i]) != lowerByte(b[i]) {
			return false
		}
	}
	return true
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
