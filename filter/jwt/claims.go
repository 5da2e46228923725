package jwt

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/internal/name"
)

// maxIdentityBytes bounds the identity claim, which goes into a header.
const maxIdentityBytes = 256

// Result is a verified token. It is shared with the cache and must not be
// modified.
type Result struct {
	// Provider signed the token.
	Provider *Provider

	// Identity is the identity claim, visible ASCII or spaces.
	Identity string

	// Scopes are the granted scopes.
	Scopes []string

	// Tier is the tier claim (Provider.TierClaim), "" when the provider
	// has none or the token lacks it.
	Tier string

	// JTI is the jti claim, "" when absent.
	JTI string

	// Headers are the claim headers to set upstream, in configuration
	// order. A claim that is absent, or whose value is not fit for a
	// header, is left out.
	Headers [][2]string

	// IdentityHeaders is the identity header with Identity, followed by
	// Headers: the headers that a route with only a token sets upstream,
	// made once per verified token so that a cache hit does not build them.
	// It is nil unless the Verifier has an identity header
	// (Verifier.SetIdentityHeader). Its capacity equals its length.
	IdentityHeaders [][2]string

	// Expiry is the exp claim; zero when absent.
	Expiry time.Time

	// size approximates the bytes the result holds, for the cache bound.
	size int

	// scopesArray and identityArray hold Scopes and IdentityHeaders when
	// they fit, so that a verified token takes one allocation fewer each.
	scopesArray   [4]string
	identityArray [4][2]string
}

// HasScopes reports whether the token grants every scope of required.
func (r *Result) HasScopes(required []string) bool {
	return len(r.MissingScopes(required)) == 0
}

// MissingScopes returns the scopes of required that the token lacks.
func (r *Result) MissingScopes(required []string) []string {
	var missing []string
	for _, s := range required {
		found := false
		for _, g := range r.Scopes {
			if g == s {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, s)
		}
	}
	return missing
}

// Fingerprint returns "sha256:" and the first 8 hex digits of the token's
// SHA-256, an identifier safe to log when the token has no jti.
func Fingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// validateClaims checks the claims of a token whose signature p verified
// (RFC 7519 §4.1) and builds the result.
func validateClaims(p *Provider, t *Token, now time.Time) (*Result, error) {
	c := t.claims
	r := &Result{Provider: p}

	if err := checkTimes(p, c, now, r); err != nil {
		return nil, err
	}
	if aud, _ := c.get("aud"); !audienceMatches(aud, p.Audiences) {
		return nil, ErrWrongAudience
	}
	for _, name := range p.RequiredClaims {
		if v, ok := c.get(name); !ok || v.Type == gjson.Null {
			return nil, ErrMissingClaim
		}
	}

	if jti, ok := c.get("jti"); ok {
		if jti.Type != gjson.String {
			return nil, ErrBadClaimType
		}
		r.JTI = jti.Str
		if _, revoked := p.RevokedIDs[jti.Str]; revoked {
			return nil, ErrRevoked
		}
	}

	identity, ok := c.get(p.IdentityClaim)
	switch {
	case !ok:
		return nil, ErrMissingClaim
	case identity.Type != gjson.String || identity.Str == "" ||
		len(identity.Str) > maxIdentityBytes || !isHeaderValue(identity.Str):
		return nil, ErrBadIdentity
	}
	r.Identity = identity.Str

	if p.TierClaim != "" {
		tier, ok := c.get(p.TierClaim)
		if ok && (tier.Type != gjson.String || !name.Valid(tier.Str)) {
			return nil, ErrBadTier
		}
		r.Tier = tier.Str
	}

	scopes, err := readScopes(p, c, r.scopesArray[:0])
	if err != nil {
		return nil, err
	}
	r.Scopes = scopes
	r.Headers = claimHeaders(p, c)
	r.size = len(t.raw) + len(t.Claims) + 128 + int(unsafe.Sizeof(r.scopesArray)+unsafe.Sizeof(r.identityArray))
	return r, nil
}

// checkTimes checks exp, nbf and iat with the provider's clock skew. A
// NumericDate may have a fraction (RFC 7519 §2).
func checkTimes(p *Provider, c memberList, now time.Time, r *Result) error {
	exp, hasExp, err := numericDate(c, "exp")
	switch {
	case err != nil:
		return err
	case !hasExp && !p.AllowMissingExpiration:
		return ErrMissingExpiration
	case hasExp && !now.Before(exp.Add(p.ClockSkew)):
		return ErrExpired
	}
	if hasExp {
		r.Expiry = exp
	}

	nbf, hasNBF, err := numericDate(c, "nbf")
	if err != nil {
		return err
	}
	if hasNBF && now.Add(p.ClockSkew).Before(nbf) {
		return ErrNotYetValid
	}

	iat, hasIAT, err := numericDate(c, "iat")
	if err != nil {
		return err
	}
	if hasIAT && now.Add(p.ClockSkew).Before(iat) {
		return ErrIssuedInFuture
	}
	return nil
}

// maxNumericDate keeps dates inside time.Time's range: year 10000.
const maxNumericDate = 253402300800

func numericDate(c memberList, name string) (time.Time, bool, error) {
	v, ok := c.get(name)
	if !ok {
		return time.Time{}, false, nil
	}
	if v.Type != gjson.Number {
		return time.Time{}, false, ErrBadClaimType
	}
	f := numberValue(v.Raw)
	if math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, false, ErrBadClaimType
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// audienceMatches reports whether aud, a string or an array of strings
// (RFC 7519 §4.1.3), names one of the accepted audiences.
func audienceMatches(aud gjson.Result, accepted []string) bool {
	if aud.Type == gjson.String {
		return contains(accepted, aud.Str)
	}
	found := false
	if aud.IsArray() {
		aud.ForEach(func(_, v gjson.Result) bool {
			found = v.Type == gjson.String && contains(accepted, v.Str)
			return !found
		})
	}
	return found
}

// readScopes appends the scopes of the configured scope claim, or of
// "scope" and then "scp", to scopes, and returns them with their capacity
// clipped to their length.
// A scope claim is a space-separated string (RFC 8693 §4.2) or an array of
// strings.
func readScopes(p *Provider, c memberList, scopes []string) ([]string, error) {
	names := []string{"scope", "scp"}
	if p.ScopeClaim != "" {
		names = []string{p.ScopeClaim}
	}

	for _, name := range names {
		v, ok := c.get(name)
		if !ok {
			continue
		}
		switch {
		case v.Type == gjson.String:
			for scope := range strings.FieldsSeq(v.Str) {
				scopes = append(scopes, scope)
			}
			return slices.Clip(scopes), nil
		case v.IsArray():
			for _, item := range v.Array() {
				if item.Type != gjson.String {
					return nil, ErrBadClaimType
				}
				scopes = append(scopes, item.Str)
			}
			return slices.Clip(scopes), nil
		}
		return nil, ErrBadClaimType
	}
	return nil, nil
}

// claimHeaders builds the configured claim headers. Strings go unescaped,
// other values as their JSON text in the token (an array or object keeps
// any spaces it was written with). A value with anything but visible ASCII
// and inner spaces is left out, so that no claim can split a header.
func claimHeaders(p *Provider, c memberList) [][2]string {
	var headers [][2]string
	for _, ch := range p.ClaimHeaders {
		v, ok := c.get(ch.Claim)
		if !ok || v.Type == gjson.Null {
			continue
		}
		value := v.Raw
		if v.Type == gjson.String {
			value = v.Str
		}
		if len(value) > maxClaimHeaderBytes || !isHeaderValue(value) {
			continue
		}
		headers = append(headers, [2]string{ch.Header, value})
	}
	return headers
}

// maxClaimHeaderBytes bounds one claim header value.
const maxClaimHeaderBytes = 4096

// isHeaderValue reports whether s has only visible ASCII and spaces, and
// does not start or end with a space.
func isHeaderValue(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
