package route

import "errors"

// Errors returned by SplitTarget and Normalize. Each one means the request is
// malformed and must be rejected with 400.
var (
	// ErrNotAbsolutePath means the request target is empty or does not start
	// with "/", such as "*" or an absolute URI.
	ErrNotAbsolutePath = errors.New("route: request target is not an absolute path")

	// ErrInvalidCharacter means the request target contains a raw byte that
	// a request target may not contain: a control character, a space, DEL
	// or "#".
	ErrInvalidCharacter = errors.New("route: request target contains an invalid character")

	// ErrInvalidEncoding means a "%" in the path is not followed by two hex
	// digits.
	ErrInvalidEncoding = errors.New("route: path contains invalid percent-encoding")

	// ErrEncodedControl means the path contains a percent-encoded control
	// character, such as "%00" or "%0A".
	ErrEncodedControl = errors.New("route: path contains an encoded control character")

	// ErrEncodedSlash means the path contains "%2F" or "%2f" and the
	// normalisation rejects encoded slashes.
	ErrEncodedSlash = errors.New("route: path contains an encoded slash")
)

// SplitTarget splits the request target (the :path pseudo-header) into its
// path and query. hasQuery reports whether the target contains "?", so that
// an empty query ("/a?") is distinguished from no query ("/a").
//
// The target must be in origin form (RFC 9112 §3.2.1): it starts with "/" and
// contains no raw control character, space, DEL or "#" (a fragment is never
// sent to a server). Bytes above 0x7E are passed through unchanged.
func SplitTarget(target string) (path, query string, hasQuery bool, err error) {
	if target == "" || target[0] != '/' {
		return "", "", false, ErrNotAbsolutePath
	}

	split := -1
	for i := 0; i < len(target); i++ {
		c := target[i]
		if c <= ' ' || c == 0x7f || c == '#' {
			return "", "", false, ErrInvalidCharacter
		}
		if c == '?' && split < 0 {
			split = i
		}
	}

	if split < 0 {
		return target, "", false, nil
	}
	return target[:split], target[split+1:], true, nil
}
