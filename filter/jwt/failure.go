package jwt

// Stable codes of a failed verification. They go into the body of the 401
// reply, so clients may rely on them.
const (
	CodeMissingToken   = "missing_token"
	CodeMultipleTokens = "multiple_tokens"
	CodeMalformed      = "malformed"
	CodeBadSignature   = "bad_signature"
	CodeUnknownKID     = "unknown_kid"
	CodeWrongIssuer    = "wrong_issuer"
	CodeWrongAudience  = "wrong_audience"
	CodeExpired        = "expired"
	CodeNotYetValid    = "not_yet_valid"
	CodeMissingClaim   = "missing_claim"
	CodeRevoked        = "revoked"
)

// Failure is the reason a token was rejected. Code goes to the client; Reason is a
// finer detail for the debug log. Neither contains any part of the token.
type Failure struct {
	Code   string
	Reason string
}

// Error returns the code and the reason.
func (f *Failure) Error() string {
	return "jwt: " + f.Code + ": " + f.Reason
}

// Failures of Verify. Each is a distinct value, so callers compare them with
// errors.Is or by Code.
var (
	ErrTooLarge          = &Failure{CodeMalformed, "token_too_large"}
	ErrNotCompact        = &Failure{CodeMalformed, "not_three_segments"}
	ErrBadEncoding       = &Failure{CodeMalformed, "invalid_base64url"}
	ErrBadHeader         = &Failure{CodeMalformed, "invalid_header_json"}
	ErrBadClaims         = &Failure{CodeMalformed, "invalid_claims_json"}
	ErrDuplicateMember   = &Failure{CodeMalformed, "duplicate_member"}
	ErrCritical          = &Failure{CodeMalformed, "unsupported_crit"}
	ErrAlgNone           = &Failure{CodeMalformed, "alg_none"}
	ErrBadClaimType      = &Failure{CodeMalformed, "invalid_claim_type"}
	ErrBadIdentity       = &Failure{CodeMalformed, "invalid_identity_claim"}
	ErrBadTier           = &Failure{CodeMalformed, "invalid_tier_claim"}
	ErrAlgNotAllowed     = &Failure{CodeBadSignature, "alg_not_allowed"}
	ErrAlgKeyMismatch    = &Failure{CodeBadSignature, "alg_does_not_fit_key"}
	ErrSignature         = &Failure{CodeBadSignature, "signature_mismatch"}
	ErrUnknownKID        = &Failure{CodeUnknownKID, "unknown_kid"}
	ErrNoIssuer          = &Failure{CodeWrongIssuer, "missing_iss"}
	ErrWrongIssuer       = &Failure{CodeWrongIssuer, "unknown_iss"}
	ErrWrongAudience     = &Failure{CodeWrongAudience, "aud_mismatch"}
	ErrExpired           = &Failure{CodeExpired, "exp_passed"}
	ErrMissingExpiration = &Failure{CodeMissingClaim, "missing_exp"}
	ErrNotYetValid       = &Failure{CodeNotYetValid, "nbf_in_future"}
	ErrIssuedInFuture    = &Failure{CodeNotYetValid, "iat_in_future"}
	ErrMissingClaim      = &Failure{CodeMissingClaim, "missing_required_claim"}
	ErrRevoked           = &Failure{CodeRevoked, "jti_revoked"}
)
