package jwt

import "github.com/tidwall/gjson"

// maxInspectedBytes bounds the kid and jti that TokenInfo reports.
const maxInspectedBytes = 128

// TokenInfo names a rejected token in debug logs without the token itself.
// Its values are read without verification, so a client chooses them: use
// them to debug, never to decide or to attribute.
type TokenInfo struct {
	// Provider is the name of the provider whose issuer equals the iss
	// claim, "" when none does.
	Provider string

	// KID is the kid header, "" when absent, longer than 128 bytes or not
	// visible ASCII.
	KID string

	// JTI is the jti claim, with the same limits as KID.
	JTI string
}

// InspectUnverified reads the provider, kid and jti of a token that Verify
// rejected, for the debug log. It checks no signature and no claim, and
// returns the zero TokenInfo for a token that is not even well-formed.
func (v *Verifier) InspectUnverified(token string) TokenInfo {
	if len(token) > v.maxTokenBytes {
		return TokenInfo{}
	}
	t, err := ParseUnverified(token)
	if err != nil {
		return TokenInfo{}
	}

	info := TokenInfo{KID: printable(t.KID)}
	if jti, ok := t.claims.get("jti"); ok && jti.Type == gjson.String {
		info.JTI = printable(jti.Str)
	}
	if p, err := v.provider(t); err == nil {
		info.Provider = p.Name
	}
	return info
}

// printable returns s when it is safe and short enough for a log line.
func printable(s string) string {
	if len(s) > maxInspectedBytes {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return ""
		}
	}
	return s
}
