package apikey

import "strings"

// Mutations are the request changes that remove credentials. Every name in
// SetHeaders is also in RemoveHeaders, so applying the removals first and
// then adding each SetHeaders entry gives the intended headers.
type Mutations struct {
	// RemoveHeaders lists header names whose every value must be removed.
	RemoveHeaders []string

	// SetHeaders lists the values to add back after the removals: the
	// authorization values with another scheme, and the cookie header
	// without the credential cookies.
	SetHeaders [][2]string

	// Query is the query string without the credential parameters, valid
	// when QueryChanged is true.
	Query        string
	QueryChanged bool
}

// StripCredentials adds to m what removes, from the request, every source
// whose bit is set in present (see Extraction.Present). A header source
// without a scheme loses the whole header. A header source with a scheme
// loses only the values with that scheme. A query source loses every
// occurrence of its parameter, and a cookie source every cookie of its name;
// a cookie header left empty is removed.
func StripCredentials(m *Mutations, sources []Source, present uint32, headers [][2]string, query string) {
	var schemeHeaders []string
	strippedQuery, strippedCookie := false, false

	for i, src := range sources {
		if i == MaxSources || present&(1<<i) == 0 {
			continue
		}

		switch {
		case src.Kind == SourceHeader && src.Scheme == "":
			m.RemoveHeaders = appendUnique(m.RemoveHeaders, src.Name)
		case src.Kind == SourceHeader:
			schemeHeaders = appendUnique(schemeHeaders, src.Name)
		case src.Kind == SourceQuery:
			strippedQuery = true
		case src.Kind == SourceCookie:
			strippedCookie = true
		}
	}

	for _, name := range schemeHeaders {
		stripSchemeValues(m, sources, present, name, headers)
	}
	if strippedQuery {
		m.Query = stripQuery(sources, present, query)
		m.QueryChanged = true
	}
	if strippedCookie {
		stripCookies(m, sources, present, headers)
	}
}

// StripsOneHeader reports whether StripCredentials, given the same
// arguments, would only remove one header: the present source is a single
// header source, and every value of that header carries the source's scheme
// when it has one. name is that header. It allocates nothing, so that the
// common strip can use removals made in advance.
func StripsOneHeader(sources []Source, present uint32, headers [][2]string) (name string, ok bool) {
	if present == 0 || present&(present-1) != 0 {
		return "", false
	}
	i := 0
	for present&(1<<i) == 0 {
		i++
	}
	if i >= len(sources) || i >= MaxSources || sources[i].Kind != SourceHeader {
		return "", false
	}

	src := sources[i]
	if src.Scheme != "" {
		for _, h := range headers {
			if _, has := cutScheme(h[1], src.Scheme); equalFoldASCII(h[0], src.Name) && !has {
				return "", false
			}
		}
	}
	return src.Name, true
}

// stripSchemeValues removes the header name and adds back the values whose
// scheme belongs to no present source on that header.
func stripSchemeValues(m *Mutations, sources []Source, present uint32, name string, headers [][2]string) {
	m.RemoveHeaders = appendUnique(m.RemoveHeaders, name)
	for _, h := range headers {
		if equalFoldASCII(h[0], name) && !hasPresentScheme(sources, present, name, h[1]) {
			m.SetHeaders = append(m.SetHeaders, [2]string{name, h[1]})
		}
	}
}

func hasPresentScheme(sources []Source, present uint32, name, value string) bool {
	for i, src := range sources {
		if i == MaxSources {
			break
		}
		if present&(1<<i) == 0 || src.Kind != SourceHeader || src.Scheme == "" || src.Name != name {
			continue
		}
		if _, ok := cutScheme(value, src.Scheme); ok {
			return true
		}
	}
	return false
}

// stripQuery returns query without the parameters of the present query
// sources. The other parameters keep their raw form and order.
func stripQuery(sources []Source, present uint32, query string) string {
	var b strings.Builder
	for query != "" {
		var param string
		param, query = cutByte(query, '&')

		rawName, _ := cutByte(param, '=')
		if isPresentName(sources, present, SourceQuery, rawName) {
			continue
		}

		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(param)
	}
	return b.String()
}

// stripCookies merges every cookie header into one without the cookies of
// the present cookie sources, joined with "; " as RFC 9113 §8.2.3 requires
// when an HTTP/2 request is forwarded over HTTP/1.1.
func stripCookies(m *Mutations, sources []Source, present uint32, headers [][2]string) {
	m.RemoveHeaders = appendUnique(m.RemoveHeaders, "cookie")

	var b strings.Builder
	for _, h := range headers {
		if !equalFoldASCII(h[0], "cookie") {
			continue
		}

		list := h[1]
		for list != "" {
			var pair string
			pair, list = cutByte(list, ';')
			pair = trimSpaceTab(pair)
			name, _ := splitCookie(pair)
			if pair == "" || isPresentName(sources, present, SourceCookie, name) {
				continue
			}

			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(pair)
		}
	}

	if b.Len() > 0 {
		m.SetHeaders = append(m.SetHeaders, [2]string{"cookie", b.String()})
	}
}

// isPresentName reports whether a present source of kind has the name. A
// query name is compared in its decoded form.
func isPresentName(sources []Source, present uint32, kind SourceKind, name string) bool {
	for i, src := range sources {
		if i == MaxSources {
			break
		}
		if present&(1<<i) == 0 || src.Kind != kind {
			continue
		}
		if kind == SourceQuery && queryNameEquals(name, src.Name) {
			return true
		}
		if kind == SourceCookie && name == src.Name {
			return true
		}
	}
	return false
}

func appendUnique(list []string, name string) []string {
	for _, have := range list {
		if have == name {
			return list
		}
	}
	return append(list, name)
}
