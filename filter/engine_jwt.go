package filter

import (
	"errors"
	"math/bits"
	"slices"
	"strings"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/bruteforce"
	"github.com/bulwark-dev/bulwark/filter/jwt"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// WithSignatureVerifier sets the host's native RSA and ECDSA signature check,
// such as Envoy's verify_signature foreign function. Without it, or when it
// fails, every signature is checked in Go.
func WithSignatureVerifier(native jwt.NativeVerifier) Option {
	return func(e *Engine) {
		e.native = native
	}
}

// Messages of the JWT replies, also sent as the error_description of the
// WWW-Authenticate challenge (RFC 6750 §3), so they contain no '"' or '\'.
var tokenMessages = map[string]string{
	jwt.CodeMissingToken:   "A bearer token is required.",
	jwt.CodeMultipleTokens: "The request contains more than one bearer token.",
	jwt.CodeMalformed:      "The bearer token is malformed.",
	jwt.CodeBadSignature:   "The bearer token signature is not valid.",
	jwt.CodeUnknownKID:     "The bearer token is signed with an unknown key.",
	jwt.CodeWrongIssuer:    "The bearer token is issued by an untrusted issuer.",
	jwt.CodeWrongAudience:  "The bearer token is not intended for this service.",
	jwt.CodeExpired:        "The bearer token has expired.",
	jwt.CodeNotYetValid:    "The bearer token is not valid yet.",
	jwt.CodeMissingClaim:   "The bearer token lacks a required claim.",
	jwt.CodeRevoked:        "The bearer token has been revoked.",
}

// messageMissingEither is the message of the 401 on an either route when
// the request has neither an API key nor a token.
const messageMissingEither = "An API key or a bearer token is required."

// missingEitherReply lists both challenges as two www-authenticate values
// (RFC 9110 §11.6.1 allows several), because either credential works.
var missingEitherReply = newLocalReply(401, CodeMissingCredential, messageMissingEither, [][2]string{
	{"content-type", "application/json"},
	{"www-authenticate", challenge},
	{"www-authenticate", `Bearer realm="bulwark"`},
})

// tokenReplies holds the 401 reply of each code. A request without a token
// gets a challenge without error code (RFC 6750 §3.1).
var tokenReplies = func() map[string]*localReply {
	replies := make(map[string]*localReply, len(tokenMessages))
	for code, message := range tokenMessages {
		challenge := `Bearer realm="bulwark", error="invalid_token", error_description="` + message + `"`
		if code == jwt.CodeMissingToken {
			challenge = `Bearer realm="bulwark"`
		}
		headers := [][2]string{{"content-type", "application/json"}, {"www-authenticate", challenge}}
		replies[code] = newLocalReply(401, code, message, headers)
	}
	return replies
}()

// checkJWTRoute authenticates a request on a route with auth jwt, either or
// both.
func (e *Engine) checkJWTRoute(req *Request, r *route.Route, t target) Decision {
	if e.tokens == nil {
		// config.Parse rejects such a route without a jwt section.
		return InternalErrorDecision(req.RequestID)
	}
	ex := apikey.Extract(e.cfg.JWT.Sources, req.Headers, t.query)

	switch r.Auth {
	case route.AuthEither:
		if ex.Outcome == apikey.OutcomeMissing {
			return e.checkEitherKey(req, r, t)
		}
	case route.AuthBoth:
		// The key must be valid; the route's scopes apply to the token.
		keyRoute := *r
		keyRoute.Scopes = nil
		base := e.checkAPIKey(req, &keyRoute, t)
		if !base.Allow {
			return withBearerChallenge(base)
		}
		return e.allowToken(req, r, ex, t, base, false)
	}
	return e.allowToken(req, r, ex, t, e.allowPublic(req, r, t), true)
}

// bearerChallengeHeader is the challenge of a 401 that a bearer token could
// answer, without an error code.
var bearerChallengeHeader = [2]string{"www-authenticate", `Bearer realm="bulwark"`}

// withBearerChallenge adds the Bearer challenge to the 401 of a failed API
// key on a both route, because the route needs a token too and RFC 6750 §3
// requires the challenge on every 401 of a resource that needs one. The
// token is not verified then, so that a client without a valid key learns
// nothing about its token; the challenge has no error code.
func withBearerChallenge(d Decision) Decision {
	if d.Status != 401 {
		return d
	}
	headers := make([][2]string, 0, len(d.ReplyHeaders)+1)
	d.ReplyHeaders = append(append(headers, d.ReplyHeaders...), bearerChallengeHeader)
	return d
}

// checkEitherKey authenticates a request without a token on an either
// route by its API key. When the request has no key either, the 401 lists
// both challenges, so that the client learns that a bearer token works too.
func (e *Engine) checkEitherKey(req *Request, r *route.Route, t target) Decision {
	d := e.checkAPIKey(req, r, t)
	switch {
	case d.Reason == ReasonNoCredential:
		return missingEitherReply.decision(req.RequestID, r.Name, ReasonNoCredential)
	case d.Allow:
		e.removeClaimHeaders(&d)
	}
	return d
}

// removeClaimHeaders adds to d.RemoveHeaders the claim headers of every
// provider, so that a client copy never reaches the upstream, whichever
// provider signed the token and whether there is a token at all. It
// allocates once, and not at all when d already removes them all.
func (e *Engine) removeClaimHeaders(d *Decision) {
	if e.removeIdentityClaims != nil && sameList(d.RemoveHeaders, e.removeIdentity) {
		d.RemoveHeaders = e.removeIdentityClaims // The common case, made once.
		return
	}

	names := e.claimHeaderNames()
	missing := 0
	for _, name := range names {
		if !slices.Contains(d.RemoveHeaders, name) {
			missing++
		}
	}
	if missing == 0 {
		return
	}

	// A new slice, because d.RemoveHeaders may be shared with other
	// decisions.
	out := make([]string, len(d.RemoveHeaders), len(d.RemoveHeaders)+missing)
	copy(out, d.RemoveHeaders)
	for _, name := range names {
		if !slices.Contains(d.RemoveHeaders, name) {
			out = append(out, name)
		}
	}
	d.RemoveHeaders = out
}

// prepareClaimRemovals makes the header removals of the common decisions
// once, by the same steps as a request would. removeIdentityClaims is
// removeIdentity with every claim header, which a public or JWT route
// removes. removeIdentityClaimsToken[i] adds the header of JWT source i,
// when that source is a header, for the decision that strips the token.
func (e *Engine) prepareClaimRemovals() {
	d := Decision{RemoveHeaders: e.removeIdentity}
	e.removeClaimHeaders(&d)
	e.removeIdentityClaims = slices.Clip(d.RemoveHeaders)

	e.removeIdentityClaimsToken = make([][]string, len(e.cfg.JWT.Sources))
	for i, src := range e.cfg.JWT.Sources {
		if src.Kind != apikey.SourceHeader {
			continue
		}
		list := e.removeIdentityClaims
		if !slices.Contains(list, src.Name) {
			list = append(slices.Clip(list), src.Name)
		}
		e.removeIdentityClaimsToken[i] = list
	}
}

// sameList reports whether a and b are the same slice: same start and
// length. The engine's lists are never modified, so equal contents follow.
func sameList(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// claimHeaderNames returns the claim headers of every provider, each once.
func (e *Engine) claimHeaderNames() []string {
	if e.tokens != nil {
		return e.tokens.ClaimHeaderNames()
	}
	return jwt.ClaimHeaderNames(e.cfg.JWT)
}

// allowToken verifies the token of ex and adds its edits to base, the
// decision of the request without the token. setIdentity makes the token's
// identity the caller id.
func (e *Engine) allowToken(req *Request, r *route.Route, ex apikey.Extraction, t target, base Decision, setIdentity bool) Decision {
	switch ex.Outcome {
	case apikey.OutcomeMissing:
		return tokenReplies[jwt.CodeMissingToken].decision(req.RequestID, r.Name, "jwt_"+jwt.CodeMissingToken)
	case apikey.OutcomeMultiple:
		return tokenReplies[jwt.CodeMultipleTokens].decision(req.RequestID, r.Name, "jwt_"+jwt.CodeMultipleTokens)
	case apikey.OutcomeUndecodable:
		return tokenReplies[jwt.CodeMalformed].decision(req.RequestID, r.Name, "jwt_query_encoding")
	}

	res, err := e.tokens.Verify(ex.Credential)
	if err != nil {
		var failure *jwt.Failure
		if !errors.As(err, &failure) {
			return InternalErrorDecision(req.RequestID)
		}
		d := tokenReplies[failure.Code].decision(req.RequestID, r.Name, "jwt_"+failure.Reason)
		d.TokenID = jwt.Fingerprint(ex.Credential)
		info := e.tokens.InspectUnverified(ex.Credential)
		d.TokenProvider, d.TokenKID, d.TokenJTI = info.Provider, info.KID, info.JTI
		if e.cfg.BruteForce != nil {
			d.ClaimedID = bruteforce.UnsafeClaimedToken(ex.Credential)
		}
		return d
	}

	if missing := res.MissingScopes(r.Scopes); len(missing) > 0 {
		d := insufficientTokenScope(r.Scopes, missing).decision(req.RequestID, r.Name, ReasonMissingScope)
		d.KeyID, d.TokenID = res.Identity, tokenID(res, ex.Credential)
		d.TokenProvider, d.TokenJTI = res.Provider.Name, printableJTI(res.JTI)
		return d
	}

	d := base
	d.Reason, d.TokenID = ReasonAuthenticated, tokenID(res, ex.Credential)
	if setIdentity {
		// The tier goes with the caller id: a route that takes both an
		// API key and a token keeps the key's id and tier.
		d.Tier = res.Tier
	}
	if setIdentity && len(d.SetHeaders) == 0 && res.IdentityHeaders != nil {
		d.KeyID = res.Identity
		d.SetHeaders = res.IdentityHeaders // Shared: its capacity is its length.
	} else if setIdentity {
		d.KeyID = res.Identity
		// base comes from allowPublic, which sets no identity but may
		// rewrite the authorization or cookie header to strip an API key.
		set := make([][2]string, 0, 1+len(d.SetHeaders)+len(res.Headers))
		set = append(set, [2]string{e.cfg.IdentityHeader, res.Identity})
		set = append(set, d.SetHeaders...)
		d.SetHeaders = append(set, res.Headers...)
	} else if len(res.Headers) > 0 {
		d.SetHeaders = append(slices.Clip(d.SetHeaders), res.Headers...)
	}
	e.removeClaimHeaders(&d)
	if e.cfg.JWT.StripToken {
		e.stripToken(&d, req, ex, t)
	}
	return d
}

// stripToken removes the token from the request, on top of the edits that
// d already holds.
func (e *Engine) stripToken(d *Decision, req *Request, ex apikey.Extraction, t target) {
	query := t.query
	if d.NewPath != "" {
		_, query, _ = strings.Cut(d.NewPath, "?")
	}

	if list := e.tokenRemovals(d, req, ex.Present); list != nil {
		d.RemoveHeaders = list // The common case, without allocating.
		return
	}

	var m apikey.Mutations
	apikey.StripCredentials(&m, e.cfg.JWT.Sources, ex.Present, req.Headers, query)
	if setsAny(d.SetHeaders, m.RemoveHeaders) {
		// On a both route the API key strip already rewrote a header that
		// the token shares, such as authorization with ApiKey and Bearer
		// values or one cookie header. The token is stripped from that
		// rewrite, because otherwise each step would add back the other's
		// credential.
		forwarded := forwardedHeaders(req.Headers, *d)
		d.SetHeaders = withoutNames(d.SetHeaders, m.RemoveHeaders)
		m = apikey.Mutations{}
		apikey.StripCredentials(&m, e.cfg.JWT.Sources, ex.Present, forwarded, query)
	}
	for _, name := range m.RemoveHeaders {
		if !slices.Contains(d.RemoveHeaders, name) {
			d.RemoveHeaders = append(slices.Clip(d.RemoveHeaders), name)
		}
	}
	if len(m.SetHeaders) > 0 {
		d.SetHeaders = append(slices.Clip(d.SetHeaders), m.SetHeaders...)
	}
	if m.QueryChanged {
		t.query, t.queryEdited = m.Query, true
		d.NewPath = e.newPath(t)
	}
}

// tokenRemovals returns the removals of d once the token is stripped, made
// in advance, when stripping only removes the header of the token's one
// source from a decision that removes removeIdentityClaims and sets none of
// that header. Otherwise it returns nil.
func (e *Engine) tokenRemovals(d *Decision, req *Request, present uint32) []string {
	if !sameList(d.RemoveHeaders, e.removeIdentityClaims) {
		return nil
	}
	name, ok := apikey.StripsOneHeader(e.cfg.JWT.Sources, present, req.Headers)
	if !ok {
		return nil
	}
	for _, h := range d.SetHeaders {
		if h[0] == name {
			return nil
		}
	}
	return e.removeIdentityClaimsToken[bits.TrailingZeros32(present)]
}

// setsAny reports whether set adds a header named in names.
func setsAny(set [][2]string, names []string) bool {
	for _, h := range set {
		if slices.Contains(names, h[0]) {
			return true
		}
	}
	return false
}

// withoutNames returns a copy of set without the headers named in names.
func withoutNames(set [][2]string, names []string) [][2]string {
	out := make([][2]string, 0, len(set))
	for _, h := range set {
		if !slices.Contains(names, h[0]) {
			out = append(out, h)
		}
	}
	return out
}

// forwardedHeaders returns the request headers as d forwards them: without
// d.RemoveHeaders, then with d.SetHeaders.
func forwardedHeaders(headers [][2]string, d Decision) [][2]string {
	out := make([][2]string, 0, len(headers)+len(d.SetHeaders))
	for _, h := range headers {
		if !slices.Contains(d.RemoveHeaders, h[0]) {
			out = append(out, h)
		}
	}
	return append(out, d.SetHeaders...)
}

// printableJTI returns jti when tokenID would use it, and "" otherwise.
func printableJTI(jti string) string {
	if len(jti) <= 128 && isVisibleASCII(jti) {
		return jti
	}
	return ""
}

func tokenID(res *jwt.Result, token string) string {
	if res.JTI != "" && len(res.JTI) <= 128 && isVisibleASCII(res.JTI) {
		return res.JTI
	}
	return jwt.Fingerprint(token)
}

// insufficientTokenScope returns the 403 reply with the RFC 6750 §3.1
// insufficient_scope challenge, which names the scopes the route needs.
func insufficientTokenScope(required, missing []string) *localReply {
	challenge := `Bearer realm="bulwark", error="insufficient_scope", scope="` + strings.Join(required, " ") + `"`
	headers := [][2]string{{"content-type", "application/json"}, {"www-authenticate", challenge}}
	message := "The bearer token does not grant the required scopes: " + strings.Join(missing, ", ") + "."
	return newLocalReply(403, CodeInsufficientScope, message, headers)
}
