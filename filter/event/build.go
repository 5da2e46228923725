package event

import (
	"net/netip"
	"strings"
	"time"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/bruteforce"
	"github.com/bulwark-dev/bulwark/filter/jwt"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// MaxPathBytes bounds the path of an event. A longer path is cut and ends
// with "...".
const MaxPathBytes = 1024

// Codes of the plugin's own local replies that classify an event.
const (
	codeInjectionDetected = "injection_detected"
	codeBodyTooLarge      = "body_too_large"
)

// Facts are the request facts that a decision does not carry. None of them
// may hold a credential: Path loses its query here, and Details must hold
// only configuration names, counts and detector ids.
type Facts struct {
	Time time.Time
	ID   string

	// SourceAddress is the host's source.address property: the peer's
	// "ip:port", or an address without port.
	SourceAddress string

	Method string

	// Path is the raw :path; Build drops the query and bounds the rest.
	Path string

	RequestID string

	// Rule names the rate limit rule or the injection detector.
	Rule string

	Details []Detail
}

// Build returns the event of a denial, or false for an allowed decision.
// The decision's Reason, Code, Route and KeyID are safe to log (see
// filter.Decision); Build reads nothing else from it.
func Build(d *filter.Decision, f *Facts) (Event, bool) {
	if d.Allow {
		return Event{}, false
	}
	t, severity := classify(d)
	e := New(t, severity, Blocked, f)
	e.CallerID = d.KeyID
	e.Route = d.Route
	e.Reason = d.Reason
	e.Code = d.Code
	e.Status = d.Status
	return e, true
}

// New returns an event of the given kind with the request facts of f.
func New(t Type, severity Severity, action Action, f *Facts) Event {
	return Event{
		Time:      f.Time,
		ID:        f.ID,
		Type:      t,
		Severity:  severity,
		Action:    action,
		SourceIP:  SourceIP(f.SourceAddress),
		Method:    f.Method,
		Path:      PathOnly(f.Path),
		Rule:      f.Rule,
		RequestID: boundRequestID(f.RequestID),
		Details:   f.Details,
	}
}

// classify maps a denial to its event type and severity.
func classify(d *filter.Decision) (Type, Severity) {
	switch d.Code {
	case filter.CodeMissingCredential, jwt.CodeMissingToken:
		return AuthFailure, Low
	case bruteforce.CodeBanned:
		// One refusal of a banned client; the ban itself is the
		// brute_force_attack event with action banned.
		return BruteForceAttack, Low
	case filter.CodeInsufficientScope:
		return UnauthorizedAccess, Medium
	case ratelimit.CodeRateLimited:
		return RateLimitExceeded, Medium
	case codeInjectionDetected:
		return InjectionAttempt, High
	case filter.CodeMalformedRequest:
		return SuspiciousActivity, Medium
	case codeBodyTooLarge:
		return SuspiciousActivity, Low
	case jwt.CodeKeysUnavailable, filter.CodeInternalError:
		return DependencyFailure, High
	}
	switch d.Status {
	case 401:
		return AuthFailure, Medium
	case 403:
		return UnauthorizedAccess, Medium
	case 429:
		return RateLimitExceeded, Medium
	}
	return SuspiciousActivity, Medium
}

// SourceIP returns the address of a source.address value without its
// port, or "" when it is not an IP address (such as a pipe path).
func SourceIP(address string) string {
	if ap, err := netip.ParseAddrPort(address); err == nil {
		return ap.Addr().Unmap().String()
	}
	if a, err := netip.ParseAddr(address); err == nil {
		return a.Unmap().String()
	}
	return ""
}

// PathOnly returns the path before its query, at most MaxPathBytes.
func PathOnly(path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if len(path) > MaxPathBytes {
		path = path[:MaxPathBytes-3] + "..."
	}
	return path
}

// boundRequestID drops an x-request-id longer than the replies accept.
func boundRequestID(id string) string {
	if len(id) > filter.MaxRequestIDBytes {
		return ""
	}
	return id
}
