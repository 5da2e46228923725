package filter

import "github.com/bulwark-dev/bulwark/filter/jwt"

// messageKeysUnavailable is the message of the 401 for a token whose
// provider has no key set yet.
const messageKeysUnavailable = "The keys that verify the bearer token are not available yet; retry later."

// init adds the reply of jwt.CodeKeysUnavailable to the JWT replies. The
// error code of the challenge is invalid_token, as for every token that
// cannot be verified (RFC 6750 §3.1). Retry-After gives a client the time
// after which the keys may be there.
func init() {
	challenge := `Bearer realm="bulwark", error="invalid_token", error_description="` + messageKeysUnavailable + `"`
	headers := [][2]string{{"content-type", "application/json"}, {"www-authenticate", challenge}, {"retry-after", "5"}}
	tokenReplies[jwt.CodeKeysUnavailable] = newLocalReply(401, jwt.CodeKeysUnavailable, messageKeysUnavailable, headers)
}

// Tokens returns the engine's token verifier, through which the plugin
// hands fetched key sets to remote JWKS providers, or nil when the
// configuration has no jwt section. Its remote key sets belong to the
// engine's VM, so only that VM may hand it keys.
func (e *Engine) Tokens() *jwt.Verifier {
	return e.tokens
}
