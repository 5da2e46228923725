// Package apikey authenticates requests by API key: it reads the credential
// from the configured sources, looks its digest up in the key store, and
// strips the credential from the request before it goes upstream.
//
// The store holds only digests, SHA-256 or HMAC-SHA-256 with a secret pepper,
// in a map keyed by the 32-byte digest. A lookup therefore never compares the
// presented key with a stored one byte by byte, so its timing reveals nothing
// about any stored key.
//
// The package does not decide the HTTP response (see package filter) and does
// not parse configuration (see package config).
package apikey
