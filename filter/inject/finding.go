package inject

import "strconv"

// Category is the class of attack a detector looks for.
type Category uint8

// The categories. Custom signatures name one of them too.
const (
	SQLi Category = iota + 1
	XSS
	CommandInjection
	PathTraversal
	NoSQL
	// Protocol covers header injection and response splitting (CR/LF in
	// values), and request smuggling.
	Protocol
	// CodeInjection covers server-side code and template injection (PHP,
	// Java, Node.js, template engines) and prototype pollution.
	CodeInjection
	// RemoteInclusion covers remote file inclusion and server-side request
	// forgery: URLs with dangerous schemes or internal addresses.
	RemoteInclusion
)

var categoryNames = []string{"", "sqli", "xss", "cmdi", "traversal", "nosqli", "protocol", "code", "rfi"}

// CategoryNames lists the configuration names of the categories.
var CategoryNames = categoryNames[1:]

// String returns the configuration name, such as "sqli".
func (c Category) String() string {
	if int(c) < len(categoryNames) && c != 0 {
		return categoryNames[c]
	}
	return "unknown"
}

// ParseCategory returns the category named s, or 0.
func ParseCategory(s string) Category {
	for i, name := range categoryNames {
		if i > 0 && name == s {
			return Category(i)
		}
	}
	return 0
}

// Severity ranks how sure a detector is. The sensitivity of a policy sets
// the lowest severity that counts.
type Severity uint8

// The severities, from the least to the most certain.
const (
	Low Severity = iota + 1
	Medium
	High
)

var severityNames = []string{"", "low", "medium", "high"}

// SeverityNames lists the configuration names of the severities.
var SeverityNames = severityNames[1:]

// String returns "low", "medium" or "high".
func (s Severity) String() string {
	if int(s) < len(severityNames) && s != 0 {
		return severityNames[s]
	}
	return "unknown"
}

// ParseSeverity returns the severity named s, or 0.
func ParseSeverity(s string) Severity {
	for i, name := range severityNames {
		if i > 0 && name == s {
			return Severity(i)
		}
	}
	return 0
}

// LocationKind is the part of the request a value came from.
type LocationKind uint8

// The request parts the scanner reads.
const (
	InPath LocationKind = iota + 1
	InQueryName
	InQueryValue
	InHeader
	InCookie
	InJSONKey
	InJSONValue
	InFormName
	InFormValue
	InMultipart
	InText
	InCookieName
)

var locationNames = []string{"", "path", "query_name", "query", "header", "cookie",
	"json_key", "json", "form_name", "form", "multipart", "body", "cookie_name"}

// String returns the kind as it appears in logs, such as "query".
func (k LocationKind) String() string {
	if int(k) < len(locationNames) && k != 0 {
		return locationNames[k]
	}
	return "unknown"
}

// Location names where a value was found: the kind and the parameter,
// header or cookie name, the JSON path such as $.items[0].note, or the
// path segment index.
type Location struct {
	Kind LocationKind
	Name string
}

// String formats the location as "<kind>:<name>", such as "query:q".
func (l Location) String() string {
	return l.Kind.String() + ":" + l.Name
}

// Finding is one detection. It never holds the matched value, which is
// client data and may be a secret, so it is safe to log.
type Finding struct {
	Category Category
	// Rule identifies the detector or signature, such as "libinjection"
	// or "cmdi-separator-command".
	Rule     string
	Severity Severity
	Location Location
	// Transforms are the normalisation steps that changed the value
	// before the detector matched it.
	Transforms Transform
}

// String formats the finding for a log line, without the value.
func (f Finding) String() string {
	return "category=" + f.Category.String() + " rule=" + f.Rule +
		" severity=" + f.Severity.String() + " location=" + strconv.Quote(f.Location.String()) +
		" transforms=" + f.Transforms.String()
}
