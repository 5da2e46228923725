// Package jwt verifies JSON Web Tokens (RFC 7519) signed as compact JWS
// (RFC 7515) against statically configured providers, following the
// hardening advice of RFC 8725: a strict compact form, an algorithm
// allow-list per provider, algorithms bound to the type of the key, no
// "none", no unknown critical headers and no duplicate member names.
//
// Keys are parsed by github.com/go-jose/go-jose/v4. Signatures are checked
// with crypto/hmac, crypto/rsa, crypto/ecdsa and crypto/ed25519, the same
// calls go-jose makes, over the signing input that this package has already
// split and decoded, so the token is parsed once. A NativeVerifier that the
// host supplies can check RSA PKCS #1 v1.5 and ECDSA instead. Claims are
// read with gjson. A Verifier caches verified tokens up to their expiry,
// bounded by entries and bytes.
//
// The package does no I/O: keys come from the configuration, and the clock
// is injected. A provider may take its keys from a remote JWKS instead:
// the plugin fetches it, and RemoteSync coordinates the fetch between the
// proxy's workers through a SharedStore and hands the parsed keys to the
// Verifier.
package jwt
