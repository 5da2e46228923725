package inject

// Mode selects what happens to a request with a finding.
type Mode uint8

const (
	// Block rejects the request with 403. It is the zero value and the
	// default.
	Block Mode = iota

	// Detect logs the findings and lets the request through.
	Detect
)

// String returns "block" or "detect".
func (m Mode) String() string {
	if m == Detect {
		return "detect"
	}
	return "block"
}

// Oversize selects what happens to a body larger than MaxBodyBytes.
type Oversize uint8

const (
	// CheckFirst scans the first MaxBodyBytes bytes and lets the rest
	// through unscanned. It is the zero value and the default.
	CheckFirst Oversize = iota

	// Reject sends a 413 reply.
	Reject
)

// String returns "check_first" or "reject".
func (o Oversize) String() string {
	if o == Reject {
		return "reject"
	}
	return "check_first"
}

// Defaults of a policy.
const (
	DefaultMaxBodyBytes = 64 << 10
	DefaultSensitivity  = Medium
)

// DefaultHeaders are the request headers scanned by default, besides the
// cookie values.
var DefaultHeaders = []string{"user-agent", "referer", "x-forwarded-host"}

// Policy is the compiled injection policy of one route. It is immutable
// and safe for concurrent use.
type Policy struct {
	// Disabled turns scanning off for the route.
	Disabled bool

	Mode Mode

	// Sensitivity is the lowest severity that counts: High counts only the
	// surest detections, Low counts every one.
	Sensitivity Severity

	// DecodeDepth is the number of percent-decoding passes, 1 to
	// MaxDecodeDepth.
	DecodeDepth int

	// Headers lists the lower-case names of the headers whose values are
	// scanned. Cookie names and values are scanned unless ScanCookies is
	// false.
	Headers     []string
	ScanCookies bool

	// CustomHeaders scans every header whose name starts with "x-",
	// besides those of infrastructureHeaders and Exclusions.Headers:
	// such headers carry application data, as a parameter does.
	CustomHeaders bool

	// MaxBodyBytes is the largest body that is buffered and scanned whole;
	// 0 disables body scanning.
	MaxBodyBytes int
	Oversize     Oversize

	Exclusions Exclusions

	// Custom holds the signatures from the configuration.
	Custom []Signature
}

// DefaultPolicy returns the policy of an empty injection section.
func DefaultPolicy() *Policy {
	return &Policy{
		Mode:          Block,
		Sensitivity:   DefaultSensitivity,
		DecodeDepth:   DefaultDecodeDepth,
		Headers:       DefaultHeaders,
		ScanCookies:   true,
		CustomHeaders: true,
		MaxBodyBytes:  DefaultMaxBodyBytes,
	}
}

// Exclusions name values that are never scanned, so that an API can accept
// free text where it must.
type Exclusions struct {
	// Parameters are query, form and multipart field names. A name also
	// excludes its bracketed forms, such as name[0] and name[$ne].
	Parameters []string

	// Cookies are cookie names.
	Cookies []string

	// Headers are lower-case header names that CustomHeaders leaves out.
	Headers []string

	// JSONPaths are paths into JSON bodies; see ParseJSONPath.
	JSONPaths []JSONPath
}

func (e *Exclusions) parameter(name string) bool {
	if i := indexByte(name, '['); i > 0 {
		name = name[:i]
	}
	return containsString(e.Parameters, name)
}

func (e *Exclusions) jsonPath(path []pathStep) bool {
	for _, p := range e.JSONPaths {
		if p.matches(path) {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
