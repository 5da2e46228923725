package bruteforce

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/tidwall/gjson"
)

// Claimed identities. Each kind has its own prefix, so that a key id, a
// JWT subject and a key hash never share a count.
const (
	claimedKeyHash = "k:"
	claimedKeyID   = "i:"
	claimedSubject = "s:"
	claimedToken   = "t:"
)

// maxClaimedTokenBytes bounds the token that UnsafeClaimedToken decodes.
const maxClaimedTokenBytes = 16 << 10

// ClaimedKey returns the claimed identity of an API key that matched no
// configured key: the first 16 hex digits of its SHA-256, never the key.
func ClaimedKey(credential string) string {
	sum := sha256.Sum256([]byte(credential))
	return claimedKeyHash + hex.EncodeToString(sum[:8])
}

// ClaimedKeyID returns the claimed identity of a configured key that was
// rejected (disabled, expired or not yet valid): its id.
func ClaimedKeyID(id string) string {
	return claimedKeyID + id
}

// UnsafeClaimedToken returns the claimed identity of a JWT that failed
// verification: its "sub" claim when the payload decodes to a JSON object
// with a string sub, else the first 16 hex digits of the token's SHA-256.
//
// Nothing is verified, which is why it is Unsafe: the subject is only what
// the client claims, which is what counting failures per identity needs.
// The result must be hashed, never logged, since a client can put any text
// in it.
func UnsafeClaimedToken(token string) string {
	if sub, ok := unverifiedSubject(token); ok {
		return claimedSubject + sub
	}
	sum := sha256.Sum256([]byte(token))
	return claimedToken + hex.EncodeToString(sum[:8])
}

// unverifiedSubject decodes the payload of a compact JWS (RFC 7515 §7.1)
// and reads its sub.
func unverifiedSubject(token string) (string, bool) {
	if len(token) > maxClaimedTokenBytes {
		return "", false
	}
	_, rest, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	payload, _, ok := strings.Cut(rest, ".")
	if !ok {
		return "", false
	}

	claims, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || !gjson.ValidBytes(claims) {
		return "", false
	}
	sub := gjson.GetBytes(claims, "sub")
	if sub.Type != gjson.String || sub.Str == "" {
		return "", false
	}
	return sub.Str, true
}
