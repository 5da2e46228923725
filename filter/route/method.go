package route

// Method is one standard HTTP method, as a bit of a MethodSet. The zero
// Method stands for any other method name.
type Method uint16

// The standard methods of RFC 9110 §9 and PATCH (RFC 5789).
const (
	MethodGet Method = 1 << iota
	MethodHead
	MethodPost
	MethodPut
	MethodDelete
	MethodConnect
	MethodOptions
	MethodTrace
	MethodPatch
)

// MethodNames lists the method names ParseMethod accepts, in the order of the
// Method constants.
var MethodNames = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// ParseMethod returns the Method of a standard method name, or 0 for any
// other name. Method names are case-sensitive (RFC 9110 §9.1), so "get" is
// not GET.
func ParseMethod(name string) Method {
	switch name {
	case "GET":
		return MethodGet
	case "HEAD":
		return MethodHead
	case "POST":
		return MethodPost
	case "PUT":
		return MethodPut
	case "DELETE":
		return MethodDelete
	case "CONNECT":
		return MethodConnect
	case "OPTIONS":
		return MethodOptions
	case "TRACE":
		return MethodTrace
	case "PATCH":
		return MethodPatch
	}
	return 0
}

// MethodSet is a set of standard methods. The empty set means "any method"
// to Route.Matches.
type MethodSet uint16

// Add returns the set with m added.
func (s MethodSet) Add(m Method) MethodSet {
	return s | MethodSet(m)
}

// Contains reports whether m is in the set. The zero Method is never in a
// set.
func (s MethodSet) Contains(m Method) bool {
	return m != 0 && s&MethodSet(m) != 0
}
