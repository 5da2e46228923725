package filter

import (
	"strings"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// Decision is the outcome of Engine.Check. Its slices may be shared between
// decisions and must not be modified.
//
// Route, KeyID, Tier, Reason, Code and Body never contain a credential or
// its digest, so they are safe to log. SetHeaders and NewPath carry request
// data, such as other cookies, authorization values with another scheme or
// the query, so their values must not be logged.
type Decision struct {
	// Allow lets the request through after the mutations below.
	Allow bool

	// Status is the HTTP status of the local reply when !Allow: 400, 401,
	// 403 or 500.
	Status int

	// Code is the stable machine code of the reply, one of the Code*
	// constants; it is empty when Allow.
	Code string

	// Body is the JSON body of the local reply when !Allow:
	// {"code":…,"message":…,"request_id":…}, request_id only when known.
	Body []byte

	// ReplyHeaders are the headers of the local reply when !Allow, such as
	// content-type and www-authenticate.
	ReplyHeaders [][2]string

	// RemoveHeaders lists request header names to remove when Allow. It
	// always holds the identity header, and the credential headers when the
	// configuration strips credentials.
	RemoveHeaders []string

	// SetHeaders lists request headers to add when Allow, after the
	// removals: the identity header and rewritten credential headers. Every
	// name here is also in RemoveHeaders. A name can appear more than once
	// (several authorization values with another scheme), so the plugin
	// must add each entry rather than replace.
	SetHeaders [][2]string

	// NewPath is the :path to send upstream when it must change (the path
	// was normalised, or a query credential removed); empty otherwise.
	NewPath string

	// Route is the name of the matched route, "" for the default route.
	Route string

	// KeyID is the id of the configured key that the request presented:
	// the authenticated key when Allow, or, for the debug log, a key that
	// was refused as disabled, expired, not yet valid or lacking scopes.
	// It is "" for an unknown key. Only an allowed decision authenticates
	// the caller, and no reply ever contains the id.
	//
	// For a request authenticated by a JWT alone, KeyID is instead the
	// token's identity claim (sub by default): the caller id that rate
	// limits count. On an auth "both" route it stays the API key's id.
	KeyID string

	// Tier is the caller's tier: the API key's tier, or the tier claim of
	// the token whose identity is KeyID. It is "" when the caller has none.
	Tier string

	// TokenID names the verified JWT for logs: its jti, or "sha256:" and
	// the first 8 hex digits of the token's SHA-256 when it has none. It
	// is "" when no token was verified.
	TokenID string

	// TokenProvider, TokenKID and TokenJTI name a rejected JWT in the debug
	// log: its provider, kid and jti as the token states them, unverified.
	// They are "" for other decisions.
	TokenProvider, TokenKID, TokenJTI string

	// ClaimedID is, on a failed authentication with brute_force configured,
	// the identity the request claimed, for counting failures per
	// identity: see bruteforce.ClaimedKey, ClaimedKeyID and
	// UnsafeClaimedToken. It holds no credential, but a claimed JWT subject
	// is client-chosen text, so it must be hashed and never logged.
	ClaimedID string

	// Reason is a short detail for the debug log, one of the Reason*
	// constants. Unlike Code, it distinguishes an unknown, disabled, expired
	// and not yet valid key, so it must never reach the client.
	Reason string
}

// Stable machine codes of the local replies.
const (
	CodeMissingCredential   = "missing_credential"
	CodeInvalidCredential   = "invalid_credential"
	CodeMultipleCredentials = "multiple_credentials"
	CodeInsufficientScope   = "insufficient_scope"
	CodeMalformedRequest    = "malformed_request"
	CodeInternalError       = "internal_error"
)

// Reasons of Decision.Reason.
const (
	ReasonPublicRoute   = "public_route"
	ReasonAuthenticated = "authenticated"

	ReasonNoCredential         = "no_credential"
	ReasonDifferentCredentials = "different_credentials"
	ReasonCredentialTooLong    = "credential_too_long"
	ReasonCredentialCharacters = "credential_invalid_character"
	ReasonCredentialEncoding   = "credential_invalid_encoding"
	ReasonUnknownKey           = "unknown"
	ReasonDisabledKey          = "disabled"
	ReasonExpiredKey           = "expired"
	ReasonNotYetValidKey       = "not_yet_valid"
	ReasonMissingScope         = "missing_scope"
	ReasonPathNotAbsolute      = "path_not_absolute"
	ReasonPathInvalidCharacter = "path_invalid_character"
	ReasonPathInvalidEncoding  = "path_invalid_encoding"
	ReasonPathEncodedControl   = "path_encoded_control"
	ReasonPathEncodedSlash     = "path_encoded_slash"
	ReasonInternalError        = "internal_error"
)

// Messages of the local replies. Clients may show them to people, so they
// are plain sentences and never change without need.
const (
	MessageMissingCredential    = "An API key is required."
	MessageInvalidCredential    = "The API key is not valid."
	MessageMultipleCredentials  = "The request contains more than one API key."
	MessageMalformedPath        = "The request path is malformed."
	MessageEncodedSlash         = "The request path contains an encoded slash, which is not allowed."
	MessageCredentialCharacters = "The API key contains characters other than visible ASCII."
	MessageCredentialEncoding   = "The API key has invalid percent-encoding."
	MessageInternalError        = "The request could not be processed because of an internal error."

	// messageCredentialTooLong and messageInsufficientScope are completed
	// with the maximum length and the missing scopes.
	messageCredentialTooLong = "The API key is longer than the maximum of %d bytes."
	messageInsufficientScope = "The API key does not grant the required scopes: "
)

// The realm of the WWW-Authenticate challenge of every 401 (RFC 9110 §11.6.1).
const challenge = `ApiKey realm="bulwark"`

var (
	jsonHeaders = [][2]string{{"content-type", "application/json"}}

	challengeHeaders = [][2]string{
		{"content-type", "application/json"},
		{"www-authenticate", challenge},
	}

	internalError = newLocalReply(500, CodeInternalError, MessageInternalError, jsonHeaders)
)

// InternalErrorDecision returns the 500 internal_error reply that the plugin
// sends when the filter fails and the failure policy is fail_closed.
func InternalErrorDecision(requestID string) Decision {
	return internalError.decision(requestID, "", ReasonInternalError)
}

// localReply is a precompiled local reply.
type localReply struct {
	status  int
	code    string
	head    []byte // the body without its closing brace
	body    []byte // the body without request_id
	headers [][2]string
}

func newLocalReply(status int, code, message string, headers [][2]string) *localReply {
	head := append([]byte(`{"code":`), jsontext.AppendString(nil, code)...)
	head = append(head, `,"message":`...)
	head = jsontext.AppendString(head, message)

	return &localReply{
		status:  status,
		code:    code,
		head:    head,
		body:    append(head[:len(head):len(head)], '}'),
		headers: headers,
	}
}

// decision returns the denial with the request id in the body when known.
func (a *localReply) decision(requestID, routeName, reason string) Decision {
	return Decision{
		Status:       a.status,
		Code:         a.code,
		Body:         a.bodyFor(requestID),
		ReplyHeaders: a.headers,
		Route:        routeName,
		Reason:       reason,
	}
}

// MaxRequestIDBytes bounds the x-request-id copied into a reply body. Envoy
// generates 36-byte UUIDs; a longer client-sent id is left out of the body.
const MaxRequestIDBytes = 128

func (a *localReply) bodyFor(requestID string) []byte {
	if requestID == "" || len(requestID) > MaxRequestIDBytes {
		return a.body
	}

	body := make([]byte, 0, len(a.head)+len(requestID)+20)
	body = append(body, a.head...)
	body = append(body, `,"request_id":`...)
	body = jsontext.AppendString(body, requestID)
	return append(body, '}')
}

// insufficientScope returns the 403 reply naming the missing scopes, which
// are configuration, not secrets.
func insufficientScope(missing []string) *localReply {
	message := messageInsufficientScope + strings.Join(missing, ", ") + "."
	return newLocalReply(403, CodeInsufficientScope, message, jsonHeaders)
}
