package inject

import (
	"strconv"
	"strings"
	"sync"
)

// MaxFindings bounds the findings of one request; scanning stops there.
const MaxFindings = 8

// maxValueBytes bounds the bytes of one value that detectors see. Longer
// text bodies are scanned in windows of this size.
const maxValueBytes = 16 << 10

// scan holds the state of one scan.
type scan struct {
	policy   *Policy
	findings []Finding

	// jsonPath, while a JSON body is walked, is the path of the current
	// value; add names JSON locations with it, so that the path is
	// formatted only for findings.
	jsonPath *[]pathStep

	// sqlBuffer, foldBuffer and shellBuffer hold the upper-cased value
	// that isSQLi passes to libinjection, the lower-cased value from fold
	// and the value from deobfuscateShell. They are reused from value to
	// value, so the strings made from them must not outlive the check of
	// one value. Findings keep no value text.
	sqlBuffer, foldBuffer, shellBuffer []byte

	// walker walks a JSON body. It is part of the scan so that its path
	// buffer is reused as well.
	walker jsonWalker
}

// scans holds ended scans, whose buffers the next scan reuses, so that
// the scans of a request allocate nothing once the buffers have grown to
// its values, because in wasm an allocation costs as much as scanning a
// short value. The buffers are scratch space that each scan overwrites before
// it reads them, not a cache: no result carries from one scan to the
// next.
var scans = sync.Pool{New: func() any { return new(scan) }}

// newScan returns a scan of the policy from the pool.
func newScan(p *Policy) *scan {
	indexesOnce.Do(buildIndexes)
	s := scans.Get().(*scan)
	s.policy = p
	return s
}

// release returns the findings of s and puts s back in the pool without
// its policy, findings or references into the scanned body.
func (s *scan) release() []Finding {
	findings := s.findings
	s.policy, s.findings, s.jsonPath = nil, nil, nil
	clear(s.walker.path[:cap(s.walker.path)])
	s.walker = jsonWalker{path: s.walker.path[:0]}
	scans.Put(s)
	return findings
}

// want reports whether a detector of the category should run: every
// category runs until the scan holds MaxFindings findings.
func (s *scan) want(Category) bool { return len(s.findings) < MaxFindings }

// counts reports whether the policy's sensitivity counts the signature.
func (s *scan) counts(sig *Signature) bool {
	return sig.Severity >= s.policy.Sensitivity && len(s.findings) < MaxFindings
}

func (s *scan) add(f Finding) {
	if f.Severity < s.policy.Sensitivity || len(s.findings) >= MaxFindings {
		return
	}
	if s.jsonPath != nil && f.Location.Name == "" {
		f.Location.Name = formatJSONPath(*s.jsonPath)
	}
	s.findings = append(s.findings, f)
}

func (s *scan) full() bool { return len(s.findings) >= MaxFindings }

// ScanTarget scans the raw :path of a request: each path segment and each
// query parameter's name and value.
func (p *Policy) ScanTarget(target string) []Finding {
	if p.Disabled {
		return nil
	}
	s := newScan(p)
	s.target(target)
	return s.release()
}

func (s *scan) target(target string) {
	path, query, _ := strings.Cut(target, "?")
	if i := strings.IndexByte(query, '#'); i >= 0 {
		query = query[:i]
	}
	segment := 0
	for part := range strings.SplitSeq(path, "/") {
		if part != "" {
			s.checkValue(part, false, Location{Kind: InPath, Name: strconv.Itoa(segment)})
			segment++
		}
		if s.full() {
			return
		}
	}

	// Traversal spans segments, so the whole path is checked as well.
	if strings.Count(path, "/") > 1 {
		s.checkValue(path, false, Location{Kind: InPath, Name: "*"})
	}

	s.pairs(query, InQueryName, InQueryValue)
}

// ScanHeaders scans the values of the policy's headers and, unless
// disabled, each cookie value. Names must be lower-case, as the host
// delivers them.
func (p *Policy) ScanHeaders(headers [][2]string) []Finding {
	return p.ScanHeadersCached(headers, nil)
}

// scansHeader reports whether ScanHeaders scans the header name.
func (p *Policy) scansHeader(name string) bool {
	if name == "cookie" && p.ScanCookies {
		return true
	}
	return containsString(p.Headers, name) || p.CustomHeaders && p.customHeader(name)
}

// checkHeader scans one header that scansHeader selects.
func (s *scan) checkHeader(name, value string) {
	if name == "cookie" && s.policy.ScanCookies {
		s.cookies(value)
		return
	}
	s.checkValue(value, false, Location{Kind: InHeader, Name: name})
}

// infrastructureHeaders are "x-" headers that proxies, tracing and
// clients set with structured values or credentials, which CustomHeaders
// does not scan.
var infrastructureHeaders = []string{
	"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix",
	"x-real-ip", "x-request-id", "x-request-start", "x-amzn-trace-id", "x-cloud-trace-context",
	"x-api-key", "x-csrf-token", "x-xsrf-token", "x-requested-with", "x-http-method-override",
}

// customHeader reports whether CustomHeaders scans the header name.
func (p *Policy) customHeader(name string) bool {
	if !strings.HasPrefix(name, "x-") || strings.HasPrefix(name, "x-envoy-") || strings.HasPrefix(name, "x-b3-") {
		return false
	}
	return !containsString(infrastructureHeaders, name) && !containsString(p.Exclusions.Headers, name)
}

// pairs scans name=value pairs separated by '&', as in a query string or
// a form body.
func (s *scan) pairs(data string, nameKind, valueKind LocationKind) {
	for pair := range strings.SplitSeq(data, "&") {
		if pair == "" {
			continue
		}
		rawName, value, _ := strings.Cut(pair, "=")
		name, _ := Normalize(rawName, true, 1)
		if s.policy.Exclusions.parameter(name) {
			continue
		}

		s.checkValue(rawName, true, Location{Kind: nameKind, Name: shortName(name)})
		s.checkValue(value, true, Location{Kind: valueKind, Name: shortName(name)})
		if s.full() {
			return
		}
	}
}

// cookies scans the names and values of one Cookie header (RFC 6265
// §4.2.1). A name is client-chosen text like a query parameter name.
func (s *scan) cookies(header string) {
	for pair := range strings.SplitSeq(header, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if name == "" || containsString(s.policy.Exclusions.Cookies, name) {
			continue
		}
		s.checkValue(name, false, Location{Kind: InCookieName, Name: shortName(name)})
		s.checkValue(value, false, Location{Kind: InCookie, Name: shortName(name)})
		if s.full() {
			return
		}
	}
}

// shortName cuts a client-chosen name that goes into a log line.
func shortName(name string) string {
	const limit = 64
	if len(name) <= limit {
		return name
	}
	return strings.ToValidUTF8(name[:limit], "") + "..."
}
