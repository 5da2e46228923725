package filter

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/bruteforce"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/jwt"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// Request holds the parts of a request that Check reads.
type Request struct {
	// Method is the :method pseudo-header.
	Method string

	// Path is the raw :path pseudo-header, with its query string.
	Path string

	// Headers are all request headers as the host gives them: lower-case
	// names, pseudo-headers included, duplicates possible, in order.
	Headers [][2]string

	// RequestID is the x-request-id header, if any, for reply bodies.
	RequestID string
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock that key validity periods are checked against.
// The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(e *Engine) {
		e.now = now
	}
}

// Engine decides on requests according to one configuration. Apart from
// its internally synchronised API key cache and JWT verifier it is
// immutable after New, and it is safe for concurrent use.
type Engine struct {
	cfg *config.Config
	now func() time.Time

	// keys caches credentials that matched a key, to skip their digest.
	keys *apikey.Cache

	// removeIdentity holds only the identity header; its capacity equals
	// its length, so appending to it always copies.
	removeIdentity []string

	// setIdentity holds the identity header entry of each key.
	setIdentity map[*apikey.Key][][2]string

	// removeWithSource holds, for each source that is a whole header, the
	// identity header and that header: the removals of the common request
	// whose only credential is in that header. Other entries are nil.
	removeWithSource [][]string

	// removeIdentityClaims and removeIdentityClaimsToken are the removals
	// of the common public and JWT decisions, made once (see
	// prepareClaimRemovals); nil without a jwt section.
	removeIdentityClaims      []string
	removeIdentityClaimsToken [][]string

	// tokens verifies JWTs; nil when the configuration has no jwt section.
	tokens *jwt.Verifier

	// native checks RSA and ECDSA signatures on the host; nil checks them
	// in Go.
	native jwt.NativeVerifier

	missing, invalid, multiple                          *localReply
	badPath, encodedSlash                               *localReply
	credentialTooLong, credentialChars, credentialCoded *localReply
}

// New returns an engine for cfg, which must come from config.Parse. A nil
// cfg means config.Default(): every request needs a key and none exists.
func New(cfg *config.Config, opts ...Option) *Engine {
	if cfg == nil {
		cfg = config.Default()
	}

	e := &Engine{
		cfg:            cfg,
		now:            time.Now,
		keys:           apikey.NewCache(cfg.APIKeys.CacheEntries),
		removeIdentity: []string{cfg.IdentityHeader},
		setIdentity:    make(map[*apikey.Key][][2]string, cfg.APIKeys.Store.Len()),

		missing:         newLocalReply(401, CodeMissingCredential, MessageMissingCredential, challengeHeaders),
		invalid:         newLocalReply(401, CodeInvalidCredential, MessageInvalidCredential, challengeHeaders),
		multiple:        newLocalReply(401, CodeMultipleCredentials, MessageMultipleCredentials, challengeHeaders),
		badPath:         newLocalReply(400, CodeMalformedRequest, MessageMalformedPath, jsonHeaders),
		encodedSlash:    newLocalReply(400, CodeMalformedRequest, MessageEncodedSlash, jsonHeaders),
		credentialChars: newLocalReply(400, CodeMalformedRequest, MessageCredentialCharacters, jsonHeaders),
		credentialCoded: newLocalReply(400, CodeMalformedRequest, MessageCredentialEncoding, jsonHeaders),
		credentialTooLong: newLocalReply(400, CodeMalformedRequest,
			fmt.Sprintf(messageCredentialTooLong, cfg.APIKeys.MaxKeyLength), jsonHeaders),
	}
	for _, key := range cfg.APIKeys.Store.Keys() {
		e.setIdentity[key] = [][2]string{{cfg.IdentityHeader, key.ID}}
	}
	e.removeWithSource = make([][]string, len(cfg.APIKeys.Sources))
	for i, src := range cfg.APIKeys.Sources {
		if src.Kind == apikey.SourceHeader && src.Scheme == "" {
			e.removeWithSource[i] = []string{cfg.IdentityHeader, src.Name}
		}
	}

	for _, opt := range opts {
		opt(e)
	}
	if cfg.JWT != nil {
		e.tokens = jwt.NewVerifier(cfg.JWT, e.now, e.native)
		e.tokens.SetIdentityHeader(cfg.IdentityHeader)
		e.prepareClaimRemovals()
	}
	return e
}

// FailurePolicy returns what the plugin must do with a request when the
// filter fails internally, such as on a recovered panic.
func (e *Engine) FailurePolicy() config.FailurePolicy {
	return e.cfg.FailurePolicy
}

// Check decides on one request: it normalises the path, matches a route,
// and authenticates the API key when the route requires one.
func (e *Engine) Check(req *Request) Decision {
	path, query, hasQuery, err := route.SplitTarget(req.Path)
	normal := path
	if err == nil {
		normal, err = route.Normalize(path, e.cfg.PathNormalization)
	}
	if err != nil {
		return e.rejectPath(err, req.RequestID)
	}

	t := target{path: path, normal: normal, query: query, hasQuery: hasQuery}
	r := e.cfg.Routes.Match(req.Method, normal)
	switch r.Auth {
	case route.AuthNone:
		return e.allowPublic(req, r, t)
	case route.AuthJWT, route.AuthEither, route.AuthBoth:
		return e.checkJWTRoute(req, r, t)
	}
	return e.checkAPIKey(req, r, t)
}

// allowPublic builds the decision for a route that needs no credential. A
// key that the client sent anyway is stripped all the same, so that it never
// reaches an upstream that did not ask for it.
func (e *Engine) allowPublic(req *Request, r *route.Route, t target) Decision {
	d := Decision{
		Allow:         true,
		RemoveHeaders: e.removeIdentity,
		Route:         r.Name,
		Reason:        ReasonPublicRoute,
	}

	if e.cfg.APIKeys.StripCredential {
		if ex := apikey.Extract(e.cfg.APIKeys.Sources, req.Headers, t.query); ex.Present != 0 {
			e.strip(&d, req, ex, &t)
		}
	}

	d.NewPath = e.newPath(t)
	e.removeIdentityVariants(&d, req.Headers)
	e.removeAllClaimHeaders(&d)
	return d
}

// removeAllClaimHeaders removes the headers that JWT providers fill from
// claims, so that a client cannot send them on a route that sets none.
func (e *Engine) removeAllClaimHeaders(d *Decision) {
	if e.cfg.JWT != nil {
		e.removeClaimHeaders(d)
	}
}

// removeIdentityVariants adds to d.RemoveHeaders every request header whose
// name is the identity header's with '_' in place of '-', such as
// x_bulwark_client_id. CGI, WSGI, PHP and Rack upstreams read both spellings
// as the same variable, so a client could otherwise spoof the identity.
func (e *Engine) removeIdentityVariants(d *Decision, headers [][2]string) {
	identity := e.cfg.IdentityHeader
	for _, header := range headers {
		name := header[0]
		if len(name) != len(identity) || name == identity || !sameExceptUnderscore(name, identity) {
			continue
		}

		// Clip, so that appending copies instead of writing into a slice
		// that other decisions share.
		d.RemoveHeaders = append(slices.Clip(d.RemoveHeaders), name)
	}
}

// sameExceptUnderscore reports whether name equals identity when every '_'
// of name is read as '-'. Both have the same length.
func sameExceptUnderscore(name, identity string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' {
			c = '-'
		}
		if c != identity[i] {
			return false
		}
	}
	return true
}

// target is the request target split and normalised. queryEdited is set
// when query differs from the query the client sent.
type target struct {
	path, normal, query   string
	hasQuery, queryEdited bool
}

func (e *Engine) rejectPath(err error, requestID string) Decision {
	switch {
	case errors.Is(err, route.ErrEncodedSlash):
		return e.encodedSlash.decision(requestID, "", ReasonPathEncodedSlash)
	case errors.Is(err, route.ErrNotAbsolutePath):
		return e.badPath.decision(requestID, "", ReasonPathNotAbsolute)
	case errors.Is(err, route.ErrInvalidCharacter):
		return e.badPath.decision(requestID, "", ReasonPathInvalidCharacter)
	case errors.Is(err, route.ErrEncodedControl):
		return e.badPath.decision(requestID, "", ReasonPathEncodedControl)
	}
	return e.badPath.decision(requestID, "", ReasonPathInvalidEncoding)
}

// checkAPIKey authenticates the request on route r.
func (e *Engine) checkAPIKey(req *Request, r *route.Route, t target) Decision {
	keys := &e.cfg.APIKeys
	ex := apikey.Extract(keys.Sources, req.Headers, t.query)

	switch ex.Outcome {
	case apikey.OutcomeMissing:
		return e.missing.decision(req.RequestID, r.Name, ReasonNoCredential)
	case apikey.OutcomeMultiple:
		return e.multiple.decision(req.RequestID, r.Name, ReasonDifferentCredentials)
	case apikey.OutcomeUndecodable:
		return e.credentialCoded.decision(req.RequestID, r.Name, ReasonCredentialEncoding)
	}

	credential := ex.Credential
	if len(credential) > keys.MaxKeyLength {
		return e.credentialTooLong.decision(req.RequestID, r.Name, ReasonCredentialTooLong)
	}
	if !isVisibleASCII(credential) {
		return e.credentialChars.decision(req.RequestID, r.Name, ReasonCredentialCharacters)
	}

	key := e.lookup(credential)
	if key == nil {
		d := e.invalid.decision(req.RequestID, r.Name, ReasonUnknownKey)
		if e.cfg.BruteForce != nil {
			d.ClaimedID = bruteforce.ClaimedKey(credential)
		}
		return d
	}
	if status := e.statusOf(key); status != apikey.StatusValid {
		// The key id goes to the log only: the reply is the same as for an
		// unknown key, so the client learns nothing.
		d := e.invalid.decision(req.RequestID, r.Name, invalidKeyReason(status))
		d.KeyID = key.ID
		if e.cfg.BruteForce != nil {
			d.ClaimedID = bruteforce.ClaimedKeyID(key.ID)
		}
		return d
	}

	if !key.HasScopes(r.Scopes) {
		d := insufficientScope(key.MissingScopes(r.Scopes)).decision(req.RequestID, r.Name, ReasonMissingScope)
		d.KeyID, d.Tier = key.ID, key.Tier
		return d
	}
	return e.allowKey(req, r, key, ex, t)
}

// lookup returns the key that credential matches, from the cache when it
// matched before.
func (e *Engine) lookup(credential string) *apikey.Key {
	if key := e.keys.Get(credential); key != nil {
		return key
	}

	key := e.cfg.APIKeys.Store.Lookup(credential)
	if key != nil {
		e.keys.Put(credential, key)
	}
	return key
}

// statusOf reads the clock only for keys that have a validity period.
func (e *Engine) statusOf(key *apikey.Key) apikey.Status {
	if key.Disabled {
		return apikey.StatusDisabled
	}
	if !key.HasValidityPeriod() {
		return apikey.StatusValid
	}
	return key.StatusAt(e.now())
}

func invalidKeyReason(status apikey.Status) string {
	switch status {
	case apikey.StatusDisabled:
		return ReasonDisabledKey
	case apikey.StatusExpired:
		return ReasonExpiredKey
	}
	return ReasonNotYetValidKey
}

// allowKey builds the decision for an authenticated request: the identity
// header replaces any client copy, and the credentials are stripped when
// configured.
func (e *Engine) allowKey(req *Request, r *route.Route, key *apikey.Key, ex apikey.Extraction, t target) Decision {
	d := Decision{
		Allow:         true,
		RemoveHeaders: e.removeIdentity,
		SetHeaders:    e.setIdentity[key],
		Route:         r.Name,
		KeyID:         key.ID,
		Tier:          key.Tier,
		Reason:        ReasonAuthenticated,
	}

	if e.cfg.APIKeys.StripCredential {
		e.strip(&d, req, ex, &t)
	}

	d.NewPath = e.newPath(t)
	e.removeIdentityVariants(&d, req.Headers)
	e.removeAllClaimHeaders(&d)
	return d
}

// strip adds to d the mutations that remove the credentials, and records in
// t a changed query.
func (e *Engine) strip(d *Decision, req *Request, ex apikey.Extraction, t *target) {
	if ex.Present&(ex.Present-1) == 0 {
		source := bits.TrailingZeros32(ex.Present)
		if source < len(e.removeWithSource) && e.removeWithSource[source] != nil {
			d.RemoveHeaders = e.removeWithSource[source] // The common case, without allocating.
			return
		}
	}

	m := apikey.Mutations{RemoveHeaders: e.removeIdentity}
	apikey.StripCredentials(&m, e.cfg.APIKeys.Sources, ex.Present, req.Headers, t.query)

	d.RemoveHeaders = m.RemoveHeaders
	if len(m.SetHeaders) > 0 {
		d.SetHeaders = append(m.SetHeaders, d.SetHeaders...)
	}
	if m.QueryChanged {
		t.query, t.queryEdited = m.Query, true
	}
}

// newPath returns the :path to send upstream, or "" when it stays as the
// client sent it.
func (e *Engine) newPath(t target) string {
	path := t.path
	if e.cfg.PathNormalization.ForwardNormalized {
		path = t.normal
	}

	switch {
	case path == t.path && !t.queryEdited:
		return ""
	case !t.hasQuery || (t.queryEdited && t.query == ""):
		return path
	}
	return path + "?" + t.query
}

// isVisibleASCII reports whether every byte of s is in 0x21–0x7E.
func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
