// Package event defines the security event: one record, in one schema, for
// every decision of the filter that is not a plain pass, and its JSON
// encoding.
//
// An event names the request (method, route, path without the query, peer
// address, x-request-id), the caller when known (a key id or a JWT
// subject), the rule or detector and the reason. It never holds a
// credential, a digest, a token, a cookie, a query value or body bytes:
// Build takes only fields that the filter already treats as safe to log.
// Sinks (the proxy log, metrics) live in the plugin.
package event

import (
	"strconv"
	"time"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// Type is the kind of an event.
type Type uint8

// The event types. Their order is the order of Types.
const (
	AuthFailure        Type = iota // no, an invalid or an ambiguous credential
	UnauthorizedAccess             // authenticated, but not allowed on the route
	RateLimitExceeded              // a rate limit rule denied or, in shadow mode, would deny
	InjectionAttempt               // an injection detector matched
	BruteForceAttack               // repeated authentication failures from one source
	SuspiciousActivity             // a malformed or oversized request
	DependencyFailure              // a key set, a counter service, a sink or the filter itself failed
	ConfigRejected                 // the plugin configuration was rejected
	numTypes
)

// NumTypes is the number of event types, for sinks that keep one slot per
// type.
const NumTypes = int(numTypes)

var typeNames = [numTypes]string{
	"auth_failure", "unauthorized_access", "rate_limit_exceeded", "injection_attempt",
	"brute_force_attack", "suspicious_activity", "dependency_failure", "config_rejected",
}

// Types lists every event type, for sinks that prepare one slot per type.
var Types = []Type{
	AuthFailure, UnauthorizedAccess, RateLimitExceeded, InjectionAttempt,
	BruteForceAttack, SuspiciousActivity, DependencyFailure, ConfigRejected,
}

// String returns the schema name of the type, such as "auth_failure".
func (t Type) String() string {
	if t >= numTypes {
		return "unknown"
	}
	return typeNames[t]
}

// Severity grades an event. Sinks map it to a log level: low to debug,
// medium to info, high to warn, critical to error.
type Severity uint8

// The severities, in increasing order; their values are the indexes of
// SeverityNames.
const (
	Low Severity = iota
	Medium
	High
	Critical
)

// SeverityNames are the schema names of the severities, in increasing
// order.
var SeverityNames = []string{"low", "medium", "high", "critical"}

// String returns the schema name of the severity.
func (s Severity) String() string {
	if int(s) >= len(SeverityNames) {
		return "unknown"
	}
	return SeverityNames[s]
}

// Action is the filter's response to the request.
type Action uint8

// The actions.
const (
	Blocked Action = iota // the request got a local reply
	Logged                // the request went on; the event only reports it
	Banned                // the source was banned for a while
)

var actionNames = [...]string{"blocked", "logged", "banned"}

// String returns the schema name of the action.
func (a Action) String() string {
	if int(a) >= len(actionNames) {
		return "unknown"
	}
	return actionNames[a]
}

// Detail is one member of an event's details object: a string, or an
// integer when IsInt.
type Detail struct {
	Key   string
	Str   string
	Int   int64
	IsInt bool
}

// String returns a string detail.
func String(key, value string) Detail { return Detail{Key: key, Str: value} }

// Int returns an integer detail.
func Int(key string, value int64) Detail { return Detail{Key: key, Int: value, IsInt: true} }

// Event is one security event. Empty string fields are left out of the
// JSON encoding.
type Event struct {
	Time     time.Time
	ID       string
	Type     Type
	Severity Severity
	Action   Action

	// SourceIP is the address of the connection's peer, without the port.
	SourceIP string

	// CallerID is the configured id of the key, or the JWT identity claim
	// (sub by default), when the request presented a known one.
	CallerID string

	Method string
	Route  string

	// Path is the request path without the query, at most MaxPathBytes.
	Path string

	// Rule names the rate limit rule or the injection detector.
	Rule string

	// Reason is the machine reason of the decision, such as "expired" or
	// "rate_limited". Code is the code of the local reply when one was sent.
	Reason string
	Code   string

	// Status is the HTTP status of the local reply; 0 when none was sent.
	Status int

	// RequestID is the x-request-id header, at most MaxRequestIDBytes.
	RequestID string

	Details []Detail
}

// TimeLayout is RFC 3339 with microseconds, always in UTC.
const TimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// AppendJSON appends the event as one JSON object, without a newline and
// without reflection.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"time":"`...)
	dst = e.Time.UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, '"')
	dst = appendField(dst, "event_id", e.ID)
	dst = appendField(dst, "type", e.Type.String())
	dst = appendField(dst, "severity", e.Severity.String())
	dst = appendField(dst, "action", e.Action.String())
	dst = appendField(dst, "source_ip", e.SourceIP)
	dst = appendField(dst, "caller_id", e.CallerID)
	dst = appendField(dst, "method", e.Method)
	dst = appendField(dst, "route", e.Route)
	dst = appendField(dst, "path", e.Path)
	dst = appendField(dst, "rule", e.Rule)
	dst = appendField(dst, "reason", e.Reason)
	dst = appendField(dst, "code", e.Code)
	if e.Status != 0 {
		dst = append(dst, `,"status":`...)
		dst = strconv.AppendInt(dst, int64(e.Status), 10)
	}
	dst = appendField(dst, "request_id", e.RequestID)

	dst = append(dst, `,"details":{`...)
	for i, d := range e.Details {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendString(dst, d.Key)
		dst = append(dst, ':')
		if d.IsInt {
			dst = strconv.AppendInt(dst, d.Int, 10)
		} else {
			dst = jsontext.AppendString(dst, d.Str)
		}
	}
	return append(dst, "}}"...)
}

// appendField appends ,"name":"value" unless value is empty.
func appendField(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return jsontext.AppendString(dst, value)
}
