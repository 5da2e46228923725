package jwt

import "strings"

// maxCachedHeaders bounds a headerCache. A full cache starts again empty,
// so that the headers of rotated keys get cached too.
const maxCachedHeaders = 16

// headerCache maps the encoded JOSE header segments of tokens that
// verified to their alg and kid. The tokens of one issuer share a few
// headers, and reading one with gjson (validation, member walk, duplicate
// check) cost about 5 µs inside wasm. The result of reading a header
// depends only on its encoded bytes, so a hit gives what readHeader would
// return. Only verified tokens add entries, so a client cannot fill the
// cache without a valid signature. The zero value is empty; a nil
// *headerCache caches nothing.
type headerCache struct {
	entries map[string]joseHeader
}

type joseHeader struct {
	alg, kid string
}

// lookup returns the alg and kid of the encoded header segment, if cached.
func (c *headerCache) lookup(segment string) (joseHeader, bool) {
	if c == nil {
		return joseHeader{}, false
	}
	h, ok := c.entries[segment]
	return h, ok
}

// add caches the header of a verified token. It copies the strings, which
// share memory with the request that carried the token.
func (c *headerCache) add(segment, alg, kid string) {
	if _, ok := c.entries[segment]; ok {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedHeaders {
		c.entries = make(map[string]joseHeader, maxCachedHeaders)
	}
	c.entries[strings.Clone(segment)] = joseHeader{alg: strings.Clone(alg), kid: strings.Clone(kid)}
}
