// Package name holds the rule for the names that the configuration and
// the tokens give to routes, rules, providers and tiers.
package name

// MaxLength is the longest name, in bytes.
const MaxLength = 64

// Valid reports whether s is a name: 1 to 64 ASCII letters, digits, '-' or
// '_', so that it is safe as a log field, a metric label and a key part.
func Valid(s string) bool {
	if s == "" || len(s) > MaxLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}
