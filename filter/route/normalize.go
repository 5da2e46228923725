package route

// EncodedSlash selects how Normalize treats an encoded slash ("%2F" or "%2f").
type EncodedSlash uint8

const (
	// EncodedSlashKeep leaves the slash encoded as "%2F", so it does not
	// separate segments.
	EncodedSlashKeep EncodedSlash = iota

	// EncodedSlashDecode turns the slash into "/" before dot segments are
	// removed and routes are matched.
	EncodedSlashDecode

	// EncodedSlashReject makes Normalize return ErrEncodedSlash.
	EncodedSlashReject
)

// String returns the configuration name of the option: "keep", "decode" or
// "reject".
func (e EncodedSlash) String() string {
	switch e {
	case EncodedSlashKeep:
		return "keep"
	case EncodedSlashDecode:
		return "decode"
	case EncodedSlashReject:
		return "reject"
	}
	return "unknown"
}

// Normalization holds the path normalisation options of the configuration.
type Normalization struct {
	// MergeSlashes replaces every run of slashes with one slash.
	MergeSlashes bool

	// EncodedSlash selects the treatment of "%2F".
	EncodedSlash EncodedSlash

	// CaseSensitive makes route matching compare case. When false, the
	// normalised path is lower-cased before matching (the forwarded path
	// keeps its case).
	CaseSensitive bool

	// ForwardNormalized sends the normalised path upstream instead of the
	// original one.
	ForwardNormalized bool
}

// Normalize returns the normalised form of path, which must start with "/"
// (see SplitTarget). It returns path itself, without allocating, when path is
// already normal.
//
// First it decodes percent-encoded unreserved characters (ALPHA, DIGIT,
// "-", ".", "_", "~") and upper-cases the hex digits of the other escapes.
// Then it applies the EncodedSlash option. Last, it removes "." and ".."
// segments, never above the root, and drops empty segments when
// MergeSlashes is set. A trailing slash or trailing dot segment leaves a
// trailing "/".
func Normalize(path string, opts Normalization) (string, error) {
	if len(path) == 0 || path[0] != '/' {
		return "", ErrNotAbsolutePath
	}
	if isNormal(path, opts.MergeSlashes) {
		return path, nil
	}

	decoded, err := decodePercent(path, opts.EncodedSlash)
	if err != nil {
		return "", err
	}
	return string(removeDotSegments(decoded, opts.MergeSlashes)), nil
}

// isNormal reports whether Normalize would return path unchanged, and errs
// on the side of false. It is the fast path for ordinary request paths.
func isNormal(path string, mergeSlashes bool) bool {
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '%' {
			return false
		}
		if c != '/' {
			continue
		}

		rest := path[i+1:]
		if mergeSlashes && len(rest) > 0 && rest[0] == '/' {
			return false
		}
		if isDotSegmentStart(rest) {
			return false
		}
	}
	return true
}

// isDotSegmentStart reports whether rest, the text after a "/", starts with
// the segment "." or "..".
func isDotSegmentStart(rest string) bool {
	if len(rest) == 0 || rest[0] != '.' {
		return false
	}
	if len(rest) == 1 || rest[1] == '/' {
		return true
	}
	return rest[1] == '.' && (len(rest) == 2 || rest[2] == '/')
}

// decodePercent applies the percent-decoding rules of Normalize.
func decodePercent(path string, slash EncodedSlash) ([]byte, error) {
	out := make([]byte, 0, len(path))
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c != '%' {
			out = append(out, c)
			continue
		}

		if i+2 >= len(path) || !isHex(path[i+1]) || !isHex(path[i+2]) {
			return nil, ErrInvalidEncoding
		}
		value := unhex(path[i+1])<<4 | unhex(path[i+2])
		i += 2

		switch {
		case value < 0x20 || value == 0x7f:
			return nil, ErrEncodedControl
		case value == '/' && slash == EncodedSlashReject:
			return nil, ErrEncodedSlash
		case value == '/' && slash == EncodedSlashDecode:
			out = append(out, '/')
		case isUnreserved(value):
			out = append(out, value)
		default:
			out = append(out, '%', upperHex[value>>4], upperHex[value&0x0f])
		}
	}
	return out, nil
}

// removeDotSegments removes dot segments from path, which starts with "/",
// and drops empty segments when mergeSlashes is set (RFC 3986 §5.2.4).
func removeDotSegments(path []byte, mergeSlashes bool) []byte {
	out := make([]byte, 0, len(path))
	trailingSlash := false

	rest := path[1:]
	for {
		end := indexSlash(rest)
		segment := rest[:end]
		last := end == len(rest)

		switch {
		case isDot(segment):
			trailingSlash = last
		case isDotDot(segment):
			out = out[:lastSlash(out)]
			trailingSlash = last
		case len(segment) == 0 && mergeSlashes:
			trailingSlash = last
		default:
			out = append(out, '/')
			out = append(out, segment...)
			trailingSlash = false
		}

		if last {
			break
		}
		rest = rest[end+1:]
	}

	if trailingSlash || len(out) == 0 {
		out = append(out, '/')
	}
	return out
}

const upperHex = "0123456789ABCDEF"

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// isUnreserved reports whether c is an unreserved character (RFC 3986 §2.3).
func isUnreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~'
}

func isDot(segment []byte) bool {
	return len(segment) == 1 && segment[0] == '.'
}

func isDotDot(segment []byte) bool {
	return len(segment) == 2 && segment[0] == '.' && segment[1] == '.'
}

func indexSlash(b []byte) int {
	for i, c := range b {
		if c == '/' {
			return i
		}
	}
	return len(b)
}

// lastSlash returns the index of the last "/" in b, or 0 when there is none.
func lastSlash(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '/' {
			return i
		}
	}
	return 0
}
