package jwt

import (
	"encoding/base64"
	"strings"

	"github.com/tidwall/gjson"
)

// maxMembers bounds the members of the header and of the claims, which
// bounds the duplicate check.
const maxMembers = 256

// Token is a compact JWS split and decoded, before any verification.
type Token struct {
	// Header and Claims are the decoded JSON objects.
	Header, Claims []byte

	// SigningInput is the first two segments with their dot (RFC 7515
	// §5.2), the bytes the signature covers.
	SigningInput string

	// Signature is the decoded third segment.
	Signature []byte

	// Alg and KID are the header's alg and kid.
	Alg, KID string

	// raw is the whole compact token.
	raw string

	// claims holds the members of Claims by name.
	claims map[string]gjson.Result
}

// ParseUnverified splits and decodes a compact JWS and checks its form: three
// segments, canonical base64url without padding (RFC 7515 §2), JSON objects
// without duplicate member names, an alg other than "none", and no crit
// header, since this package understands no extension (RFC 7515 §4.1.11).
// It verifies nothing else: the signature and the claims are unchecked.
func ParseUnverified(token string) (*Token, error) {
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if first <= 0 || last == first || last == len(token)-1 || strings.IndexByte(token[first+1:last], '.') >= 0 {
		return nil, ErrNotCompact
	}

	header, err := decodeSegment(token[:first])
	if err != nil {
		return nil, err
	}
	claims, err := decodeSegment(token[first+1 : last])
	if err != nil {
		return nil, err
	}
	signature, err := decodeSegment(token[last+1:])
	if err != nil {
		return nil, err
	}

	t := &Token{Header: header, Claims: claims, SigningInput: token[:last], Signature: signature, raw: token}
	if err := t.readHeader(); err != nil {
		return nil, err
	}
	if !isObject(claims) {
		return nil, ErrBadClaims
	}
	cm, ok := members(claims)
	if !ok {
		return nil, ErrDuplicateMember
	}
	t.claims = cm
	return t, nil
}

// decodeSegment decodes strict base64url without padding. The decoder alone
// would skip CR and LF, so the alphabet is checked first; Strict rejects
// non-zero trailing bits, so every segment has exactly one encoding.
func decodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, ErrBadEncoding
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, ErrBadEncoding
	}
	return b, nil
}

func (t *Token) readHeader() error {
	if !isObject(t.Header) {
		return ErrBadHeader
	}
	h, ok := members(t.Header)
	if !ok {
		return ErrDuplicateMember
	}

	alg := h["alg"]
	_, crit := h["crit"]
	switch {
	case alg.Type != gjson.String:
		return ErrBadHeader
	case strings.EqualFold(alg.Str, "none"):
		return ErrAlgNone
	case crit:
		return ErrCritical
	}
	t.Alg = alg.Str

	if kid, ok := h["kid"]; ok {
		if kid.Type != gjson.String {
			return ErrBadHeader
		}
		t.KID = kid.Str
	}
	return nil
}

// isObject reports whether b is one valid JSON object.
func isObject(b []byte) bool {
	return gjson.ValidBytes(b) && gjson.ParseBytes(b).IsObject()
}

// members returns the members of the top-level object b by unescaped name.
// ok is false when a name repeats or there are more than maxMembers:
// RFC 7515 §4 and RFC 7519 §4 require rejecting repeated names, because
// parsers disagree on which copy wins. Reading members through this map,
// rather than with gjson.Get, also matches names written with escapes.
func members(b []byte) (map[string]gjson.Result, bool) {
	m := make(map[string]gjson.Result, 8)
	ok := true
	gjson.ParseBytes(b).ForEach(func(key, value gjson.Result) bool {
		if _, seen := m[key.Str]; seen || len(m) == maxMembers {
			ok = false
			return false
		}
		m[key.Str] = value
		return true
	})
	return m, ok
}
