package jwt

import (
	"slices"
	"time"

	"github.com/bulwark-dev/bulwark/filter/apikey"
)

// Defaults of the provider settings.
const (
	DefaultClockSkew     = 60 * time.Second
	DefaultMaxTokenBytes = 8 << 10
	DefaultIdentityClaim = "sub"
	DefaultCacheEntries  = 1024
	DefaultCacheBytes    = 1 << 20
)

// Config is the compiled jwt section: where tokens are read and which
// providers may have signed them. It must not change once a Verifier uses it.
type Config struct {
	// Sources lists where a token is read, in order. Every provider reads
	// the same sources.
	Sources []apikey.Source

	// StripToken removes the token from the request before it goes
	// upstream.
	StripToken bool

	// CacheEntries and CacheBytes bound the per-VM cache of verified
	// tokens; CacheEntries 0 disables it.
	CacheEntries int
	CacheBytes   int

	// Providers are the trusted issuers, each with a distinct Issuer.
	Providers []*Provider
}

// Provider is one trusted issuer with its keys and validation rules.
type Provider struct {
	// Name identifies the provider in logs.
	Name string

	// Issuer must equal the token's iss claim exactly; it also selects the
	// provider of a token.
	Issuer string

	// Audiences lists the accepted aud values; the token must name one.
	Audiences []string

	// Algorithms is the allow-list of JWS alg values.
	Algorithms []string

	// Keys verify the signatures. They are empty when Remote is set.
	Keys []*Key

	// Remote, when set, fetches the keys as a JWKS over HTTP; the plugin
	// hands them to Verifier.SetRemoteKeys.
	Remote *RemoteJWKS

	// ClockSkew is the leeway for exp, nbf and iat.
	ClockSkew time.Duration

	// MaxTokenBytes bounds the length of a compact token.
	MaxTokenBytes int

	// AllowMissingExpiration accepts tokens without exp. By default exp is
	// required (RFC 8725 §3.10 advises short-lived tokens).
	AllowMissingExpiration bool

	// RequiredClaims must all be present and not null.
	RequiredClaims []string

	// IdentityClaim names the string claim that identifies the caller,
	// "sub" by default. It is required.
	IdentityClaim string

	// ScopeClaim names the claim holding the scopes; empty means "scope"
	// (space-separated) and then "scp" (array or space-separated).
	ScopeClaim string

	// TierClaim names the string claim that holds the caller's tier for
	// rate limits; empty means that tokens give no tier.
	TierClaim string

	// ClaimHeaders copies claims to request headers upstream.
	ClaimHeaders []ClaimHeader

	// RevokedIDs is the jti deny-list.
	RevokedIDs map[string]struct{}

	// Revocation, when set, fetches more revoked jti values over HTTP; the
	// plugin hands them to Verifier.SetRevokedIDs.
	Revocation *RevocationList
}

// ClaimHeader copies one claim to one request header.
type ClaimHeader struct {
	Claim  string
	Header string
}

// allows reports whether alg is in the provider's allow-list.
func (p *Provider) allows(alg string) bool {
	for _, a := range p.Algorithms {
		if a == alg {
			return true
		}
	}
	return false
}

// ClaimHeaderNames returns the claim headers of every provider of cfg, each
// once, in configuration order.
func ClaimHeaderNames(cfg *Config) []string {
	var names []string
	for _, p := range cfg.Providers {
		for _, ch := range p.ClaimHeaders {
			if !contains(names, ch.Header) {
				names = append(names, ch.Header)
			}
		}
	}
	return slices.Clip(names)
}
