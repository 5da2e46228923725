// Package route normalises request paths and matches them against the
// configured routes.
//
// Normalisation follows RFC 3986: it decodes percent-encoded unreserved
// characters (§2.3), upper-cases the hex digits of the other escapes (§6.2.2.1)
// and removes dot segments (§5.2.4), never above the root. It can also merge
// repeated slashes and decode or reject encoded slashes. Paths that carry
// control characters, raw or encoded, or invalid escapes are rejected, because
// the upstream could read them differently from this filter.
//
// A Table holds the compiled routes in configuration order. The first route
// whose path rule and method set both match wins. When none matches, the
// default route applies.
//
// The package does not parse configuration (see package config) and does not
// touch the query string beyond splitting it off.
package route
