package jwt

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// maxMembers bounds the members of the header and of the claims, which
// bounds the duplicate check.
const maxMembers = 256

// Token is a compact JWS split and decoded, before any verification.
type Token struct {
	// Header and Claims are the decoded JSON objects. They share memory
	// with the strings that the claims were read from, so do not modify
	// them, nor Signature.
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

	// input is SigningInput as bytes, for the signature check.
	input []byte

	// headerSegment is the encoded header; headerCached is true when Alg
	// and KID came from a headerCache.
	headerSegment string
	headerCached  bool

	// claims holds the members of Claims, in claimsArray unless there are
	// more than fit.
	claims      memberList
	claimsArray [12]member
}

// segmentEncoding is strict base64url without padding. Strict returns a
// new Encoding on each call, so it is made once.
var segmentEncoding = base64.RawURLEncoding.Strict()

// ParseUnverified splits and decodes a compact JWS and checks its form: three
// segments, canonical base64url without padding (RFC 7515 §2), JSON objects
// without duplicate member names, an alg other than "none", and no crit
// header, since this package understands no extension (RFC 7515 §4.1.11).
// It verifies nothing else: the signature and the claims are unchecked.
//
// A token with up to 12 claims takes two allocations, whatever its size:
// the Token and one buffer for the decoded segments, which the JSON text
// that gjson reads shares.
func ParseUnverified(token string) (*Token, error) {
	t := new(Token)
	if err := t.parse(token, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// parse is ParseUnverified into t, which it overwrites whole, so that a
// Verifier can reuse one Token. It reads the header from headers when the
// header segment is there.
func (t *Token) parse(token string, headers *headerCache) error {
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if first <= 0 || last == first || last == len(token)-1 || strings.IndexByte(token[first+1:last], '.') >= 0 {
		return ErrNotCompact
	}

	// encoded shares the token's memory, so it must never be written: the
	// decoder, the hashes and the host only read it.
	encoded := unsafe.Slice(unsafe.StringData(token), len(token))
	decoded := make([]byte, segmentEncoding.DecodedLen(len(token)))
	header, err := decodeSegment(decoded, encoded[:first])
	if err != nil {
		return err
	}
	claims, err := decodeSegment(decoded[len(header):], encoded[first+1:last])
	if err != nil {
		return err
	}
	used := len(header) + len(claims)
	signature, err := decodeSegment(decoded[used:], encoded[last+1:])
	if err != nil {
		return err
	}

	*t = Token{
		Header: header, Claims: claims, SigningInput: token[:last], Signature: signature,
		raw: token, input: encoded[:last], headerSegment: token[:first],
	}
	// The JSON text shares the decoded bytes, which nothing writes after
	// this point, so the strings that gjson cuts from it stay valid.
	text := unsafe.String(unsafe.SliceData(decoded), used)
	if h, ok := headers.lookup(t.headerSegment); ok {
		t.Alg, t.KID, t.headerCached = h.alg, h.kid, true
	} else if err := t.readHeader(text[:len(header)]); err != nil {
		return err
	}
	if !isObject(text[len(header):]) {
		return ErrBadClaims
	}
	cm, ok := members(text[len(header):], t.claimsArray[:0])
	if !ok {
		return ErrDuplicateMember
	}
	t.claims = cm
	return nil
}

// decodeSegment decodes strict base64url without padding into dst, which
// must be large enough, and returns the decoded bytes. The decoder alone
// would skip CR and LF, so those are rejected first. The decoder rejects
// every other byte outside the alphabet, padding included, and Strict
// rejects non-zero trailing bits, so every segment has exactly one encoding.
func decodeSegment(dst, src []byte) ([]byte, error) {
	if bytes.IndexByte(src, '\r') >= 0 || bytes.IndexByte(src, '\n') >= 0 {
		return nil, ErrBadEncoding
	}
	n, err := segmentEncoding.Decode(dst, src)
	if err != nil {
		return nil, ErrBadEncoding
	}
	return dst[:n:n], nil
}

func (t *Token) readHeader(header string) error {
	if !isObject(header) {
		return ErrBadHeader
	}
	var array [8]member
	h, ok := members(header, array[:0])
	if !ok {
		return ErrDuplicateMember
	}

	alg, _ := h.get("alg")
	_, crit := h.get("crit")
	switch {
	case alg.Type != gjson.String:
		return ErrBadHeader
	case strings.EqualFold(alg.Str, "none"):
		return ErrAlgNone
	case crit:
		return ErrCritical
	}
	t.Alg = alg.Str

	if kid, ok := h.get("kid"); ok {
		if kid.Type != gjson.String {
			return ErrBadHeader
		}
		t.KID = kid.Str
	}
	return nil
}

// isObject reports whether s is one valid JSON object.
func isObject(s string) bool {
	return gjson.Valid(s) && gjson.Parse(s).IsObject()
}
