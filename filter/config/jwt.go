package config

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/jwt"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// Bounds of the jwt section.
const (
	MaxJWTProviders     = 16
	MaxJWTCacheEntries  = 100_000
	MaxJWTCacheBytes    = 64 << 20
	MaxClockSkewSeconds = 600
	MinMaxTokenBytes    = 256
	MaxMaxTokenBytes    = 64 << 10
	maxJWTListItems     = 1000
	maxJWTStringBytes   = 1024
)

// jwtSection reads the jwt section. It is required when a route, or the
// default route, needs a JWT.
func (p *parser) jwtSection(path string, v gjson.Result, routes []route.Route, fallback route.Route) *jwt.Config {
	if !v.Exists() {
		p.checkJWTNeeded(path, routes, fallback)
		return nil
	}
	members, ok := p.fields(path, v, "sources", "strip_token", "cache_entries", "cache_bytes", "providers")
	if !ok {
		return nil
	}

	cfg := &jwt.Config{
		Sources:      []apikey.Source{{Kind: apikey.SourceHeader, Name: "authorization", Scheme: "Bearer"}},
		StripToken:   true,
		CacheEntries: jwt.DefaultCacheEntries,
		CacheBytes:   jwt.DefaultCacheBytes,
	}
	if m, ok := members["sources"]; ok {
		cfg.Sources = p.sources(child(path, "sources"), m)
	}
	if m, ok := members["strip_token"]; ok {
		cfg.StripToken, _ = p.boolean(child(path, "strip_token"), m)
	}
	if m, ok := members["cache_entries"]; ok {
		cfg.CacheEntries, _ = p.integer(child(path, "cache_entries"), m, 0, MaxJWTCacheEntries)
	}
	if m, ok := members["cache_bytes"]; ok {
		cfg.CacheBytes, _ = p.integer(child(path, "cache_bytes"), m, 0, MaxJWTCacheBytes)
	}

	m, ok := members["providers"]
	if !ok {
		p.failNoValue(child(path, "providers"), "missing required field")
		return cfg
	}
	cfg.Providers = p.jwtProviders(child(path, "providers"), m)
	return cfg
}

// checkJWTNeeded reports routes that need a JWT when there is no jwt
// section to verify it.
func (p *parser) checkJWTNeeded(path string, routes []route.Route, fallback route.Route) {
	all := append(routes[:len(routes):len(routes)], fallback)
	for _, r := range all {
		if r.Auth == route.AuthJWT || r.Auth == route.AuthEither || r.Auth == route.AuthBoth {
			name := strconv.Quote(r.Name)
			if r.Name == "" {
				name = "default_route"
			}
			p.failNoValue(path, "missing section; route "+name+" has auth "+strconv.Quote(r.Auth.String())+", which needs JWT providers")
			return
		}
	}
}

func (p *parser) jwtProviders(path string, v gjson.Result) []*jwt.Provider {
	items, ok := p.array(path, v)
	switch {
	case !ok:
		return nil
	case len(items) == 0 || len(items) > MaxJWTProviders:
		p.fail(path, "must list 1 to "+strconv.Itoa(MaxJWTProviders)+" providers", v)
		return nil
	}

	var providers []*jwt.Provider
	issuers := map[string]int{}
	names := map[string]int{}
	for i, item := range items {
		itemPath := index(path, i)
		provider, ok := p.jwtProvider(itemPath, item)
		if !ok {
			continue
		}
		if first, dup := issuers[provider.Issuer]; dup {
			p.fail(child(itemPath, "issuer"), "duplicate issuer; "+index(path, first)+" has the same issuer", item.Get("issuer"))
			continue
		}
		if first, dup := names[provider.Name]; dup {
			p.fail(child(itemPath, "name"), "duplicate provider name; "+index(path, first)+" has the same name", item.Get("name"))
			continue
		}
		issuers[provider.Issuer], names[provider.Name] = i, i
		providers = append(providers, provider)
	}
	return providers
}

func (p *parser) jwtProvider(path string, v gjson.Result) (*jwt.Provider, bool) {
	members, ok := p.fields(path, v, "name", "issuer", "audiences", "algorithms", "jwks", "public_keys", "hmac_secrets",
		"clock_skew_seconds", "max_token_bytes", "require_expiration", "required_claims", "identity_claim",
		"scope_claim", "tier_claim", "claim_headers", "revoked_jti", "remote_jwks", "revocation_list")
	if !ok {
		return nil, false
	}
	before := len(p.errs)
	pr := &jwt.Provider{
		ClockSkew:     jwt.DefaultClockSkew,
		MaxTokenBytes: jwt.DefaultMaxTokenBytes,
		IdentityClaim: jwt.DefaultIdentityClaim,
	}

	if name, ok := p.requiredString(path, members, "name"); ok && !isName(name) {
		p.fail(child(path, "name"), "must be 1 to 64 letters, digits, '-' or '_'", members["name"])
	} else {
		pr.Name = name
	}
	pr.Issuer, _ = p.requiredString(path, members, "issuer")
	pr.Audiences = p.requiredStrings(path, members, "audiences")
	pr.Algorithms = p.jwtAlgorithms(child(path, "algorithms"), members)
	pr.Keys = p.jwtKeys(path, members)
	pr.Remote = p.remoteJWKS(path, members, pr.Issuer, pr.Algorithms)
	pr.Revocation = p.revocationList(path, members)

	if m, ok := members["clock_skew_seconds"]; ok {
		n, _ := p.integer(child(path, "clock_skew_seconds"), m, 0, MaxClockSkewSeconds)
		pr.ClockSkew = time.Duration(n) * time.Second
	}
	if m, ok := members["max_token_bytes"]; ok {
		pr.MaxTokenBytes, _ = p.integer(child(path, "max_token_bytes"), m, MinMaxTokenBytes, MaxMaxTokenBytes)
	}
	if m, ok := members["require_expiration"]; ok {
		require, _ := p.boolean(child(path, "require_expiration"), m)
		pr.AllowMissingExpiration = !require
	}
	if _, ok := members["required_claims"]; ok {
		pr.RequiredClaims = p.requiredStrings(path, members, "required_claims")
	}
	if _, ok := members["identity_claim"]; ok {
		pr.IdentityClaim, _ = p.requiredString(path, members, "identity_claim")
	}
	if _, ok := members["scope_claim"]; ok {
		pr.ScopeClaim, _ = p.requiredString(path, members, "scope_claim")
	}
	if _, ok := members["tier_claim"]; ok {
		pr.TierClaim, _ = p.requiredString(path, members, "tier_claim")
	}
	if m, ok := members["claim_headers"]; ok {
		pr.ClaimHeaders = p.claimHeaders(child(path, "claim_headers"), m)
	}
	if _, ok := members["revoked_jti"]; ok {
		pr.RevokedIDs = map[string]struct{}{}
		for _, id := range p.requiredStrings(path, members, "revoked_jti") {
			pr.RevokedIDs[id] = struct{}{}
		}
	}

	p.checkAlgorithmsHaveKeys(child(path, "algorithms"), members["algorithms"], pr)
	return pr, len(p.errs) == before
}

// requiredString reads a non-empty string member of at most
// maxJWTStringBytes.
func (p *parser) requiredString(path string, members map[string]gjson.Result, name string) (string, bool) {
	m, ok := members[name]
	if !ok {
		p.failNoValue(child(path, name), "missing required field")
		return "", false
	}
	s, ok := p.str(child(path, name), m)
	if ok && (s == "" || len(s) > maxJWTStringBytes) {
		p.fail(child(path, name), "must be 1 to "+strconv.Itoa(maxJWTStringBytes)+" bytes long", m)
		return "", false
	}
	return s, ok
}

// requiredStrings reads a non-empty list of distinct non-empty strings.
func (p *parser) requiredStrings(path string, members map[string]gjson.Result, name string) []string {
	m, ok := members[name]
	if !ok {
		p.failNoValue(child(path, name), "missing required field")
		return nil
	}
	listPath := child(path, name)
	items, ok := p.array(listPath, m)
	if !ok {
		return nil
	}
	if len(items) == 0 || len(items) > maxJWTListItems {
		p.fail(listPath, "must list 1 to "+strconv.Itoa(maxJWTListItems)+" values", m)
		return nil
	}

	var values []string
	for i, item := range items {
		s, ok := p.str(index(listPath, i), item)
		switch {
		case !ok:
		case s == "" || len(s) > maxJWTStringBytes:
			p.fail(index(listPath, i), "must be 1 to "+strconv.Itoa(maxJWTStringBytes)+" bytes long", item)
		case contains(values, s):
			p.fail(index(listPath, i), "duplicate value", item)
		default:
			values = append(values, s)
		}
	}
	return values
}

func (p *parser) jwtAlgorithms(path string, members map[string]gjson.Result) []string {
	m, ok := members["algorithms"]
	if !ok {
		p.failNoValue(path, "missing required field; list the algorithms the issuer signs with, such as [\"RS256\"]")
		return nil
	}
	items, ok := p.array(path, m)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		p.fail(path, "must list at least one algorithm", m)
		return nil
	}
	var algs []string
	for i, item := range items {
		alg, ok := p.enum(index(path, i), item, jwt.Algorithms...)
		if ok && contains(algs, alg) {
			p.fail(index(path, i), "duplicate algorithm", item)
		} else if ok {
			algs = append(algs, alg)
		}
	}
	return algs
}

// checkAlgorithmsHaveKeys rejects an allowed algorithm that no key fits,
// such as HS256 with only RSA keys: it could never verify, and usually
// means a mistake.
func (p *parser) checkAlgorithmsHaveKeys(path string, v gjson.Result, pr *jwt.Provider) {
	if len(pr.Keys) == 0 {
		return
	}
	for _, alg := range pr.Algorithms {
		fits := false
		for _, key := range pr.Keys {
			fits = fits || key.Fits(alg)
		}
		if !fits {
			p.fail(path, "algorithm "+strconv.Quote(alg)+" has no key that fits it; remove it or add a key of its type", v)
		}
	}
}

// jwtKeys reads exactly one of jwks, public_keys and hmac_secrets.
func (p *parser) jwtKeys(path string, members map[string]gjson.Result) []*jwt.Key {
	var kinds []string
	for _, kind := range []string{"jwks", "public_keys", "hmac_secrets", "remote_jwks"} {
		if _, ok := members[kind]; ok {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) != 1 {
		p.failNoValue(path, "must set exactly one of jwks, public_keys, hmac_secrets, remote_jwks; sets "+describeKinds(kinds))
		return nil
	}

	kind := kinds[0]
	if kind == "remote_jwks" {
		return nil
	}
	keysPath := child(path, kind)
	m := members[kind]
	if kind == "jwks" {
		if !m.IsObject() {
			p.fail(keysPath, `must be a JWKS object such as {"keys": [...]}`, m)
			return nil
		}
		keys, err := jwt.ParseJWKS([]byte(m.Raw))
		if err != nil {
			p.failNoValue(keysPath, "invalid JWKS: "+strings.TrimPrefix(err.Error(), "jwt: "))
			return nil
		}
		return p.boundKeys(keysPath, keys)
	}

	items, ok := p.array(keysPath, m)
	if !ok {
		return nil
	}
	if len(items) == 0 || len(items) > jwt.MaxKeys {
		p.fail(keysPath, "must list 1 to "+strconv.Itoa(jwt.MaxKeys)+" keys", m)
		return nil
	}
	var keys []*jwt.Key
	for i, item := range items {
		if key := p.listedKey(index(keysPath, i), item, kind); key != nil {
			keys = append(keys, key)
		}
	}
	return keys
}

func (p *parser) boundKeys(path string, keys []*jwt.Key) []*jwt.Key {
	if len(keys) == 0 || len(keys) > jwt.MaxKeys {
		p.failNoValue(path, "must hold 1 to "+strconv.Itoa(jwt.MaxKeys)+" keys; got "+strconv.Itoa(len(keys)))
		return nil
	}
	return keys
}

// listedKey reads one {kid, pem} or {kid, secret} entry. Secrets are never
// shown in errors.
func (p *parser) listedKey(path string, v gjson.Result, kind string) *jwt.Key {
	material := "pem"
	if kind == "hmac_secrets" {
		material = "secret"
	}
	members, ok := p.fields(path, v, "kid", material)
	if !ok {
		return nil
	}
	var kid string
	if m, ok := members["kid"]; ok {
		kid, _ = p.str(child(path, "kid"), m)
	}

	m, ok := members[material]
	materialPath := child(path, material)
	switch {
	case !ok:
		p.failNoValue(materialPath, "missing required field")
		return nil
	case m.Type != gjson.String && material == "secret":
		p.failSecret(materialPath, "must be a string")
		return nil
	case m.Type != gjson.String:
		p.fail(materialPath, "must be a string", m)
		return nil
	}

	if material == "pem" {
		key, err := jwt.ParsePEM(kid, []byte(m.Str))
		if err != nil {
			p.failNoValue(materialPath, "invalid public key: "+strings.TrimPrefix(err.Error(), "jwt: "))
		}
		return key
	}
	secret, err := base64.StdEncoding.Strict().DecodeString(m.Str)
	if err != nil {
		p.failSecret(materialPath, "must be standard base64 (RFC 4648 §4, with padding)")
		return nil
	}
	key, err := jwt.NewHMACKey(kid, secret)
	if err != nil {
		p.failSecret(materialPath, "must decode to at least "+strconv.Itoa(jwt.MinHMACBytes)+" bytes, but decodes to "+strconv.Itoa(len(secret)))
	}
	return key
}

// claimHeaders reads the claim-to-header list.
func (p *parser) claimHeaders(path string, v gjson.Result) []jwt.ClaimHeader {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	var out []jwt.ClaimHeader
	for i, item := range items {
		itemPath := index(path, i)
		members, ok := p.fields(itemPath, item, "claim", "header")
		if !ok {
			continue
		}
		claim, okClaim := p.requiredString(itemPath, members, "claim")
		m, okHeader := members["header"]
		if !okHeader {
			p.failNoValue(child(itemPath, "header"), "missing required field")
			continue
		}
		header, okHeader := p.headerName(child(itemPath, "header"), m)
		if okHeader && (contains(framingHeaders, header) || header == "authorization" || header == "cookie") {
			p.fail(child(itemPath, "header"), "must not be a header that frames the request or carries credentials", m)
			continue
		}
		if okClaim && okHeader {
			out = append(out, jwt.ClaimHeader{Claim: claim, Header: header})
		}
	}
	return out
}
