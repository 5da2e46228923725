package config

import (
	"slices"

	"github.com/tidwall/gjson"
)

// EventSeverities are the severity names of the events section, in
// increasing order. They match the schema names of filter/event.
var EventSeverities = []string{"low", "medium", "high", "critical"}

// Events is the compiled events section: where security events go.
type Events struct {
	// Log writes each event as one JSON line to the proxy log.
	Log bool

	// LogMinSeverity is the index in EventSeverities of the lowest
	// severity that is logged.
	LogMinSeverity uint8

	// Metrics updates the filter's counters and its processing time
	// histogram.
	Metrics bool

	// OTLP exports events to an OpenTelemetry collector; nil when the
	// section is absent.
	OTLP *OTLP

	// ResponseHeaders selects the responses that tell the client the
	// decision and the event id.
	ResponseHeaders ResponseHeaders
}

// ResponseHeaders selects the responses that carry x-bulwark-decision and
// x-bulwark-event-id.
type ResponseHeaders uint8

// The values of events.response_headers, in the order of
// ResponseHeadersNames.
const (
	ResponseHeadersNone   ResponseHeaders = iota // no response; the default
	ResponseHeadersDenied                        // the filter's local replies
	ResponseHeadersAll                           // local replies and allowed responses
)

// ResponseHeadersNames are the configuration names of the ResponseHeaders
// values.
var ResponseHeadersNames = []string{"none", "denied", "all"}

// defaultEvents is the section when absent: everything on.
func defaultEvents() Events {
	return Events{Log: true, Metrics: true}
}

// events reads the events section.
func (p *parser) events(path string, v gjson.Result) Events {
	ev := defaultEvents()
	if !v.Exists() {
		return ev
	}
	members, ok := p.fields(path, v, "log", "log_min_severity", "metrics", "otlp", "response_headers")
	if !ok {
		return ev
	}

	if m, ok := members["log"]; ok {
		if b, ok := p.boolean(child(path, "log"), m); ok {
			ev.Log = b
		}
	}
	if m, ok := members["log_min_severity"]; ok {
		if s, ok := p.enum(child(path, "log_min_severity"), m, EventSeverities...); ok {
			for i, name := range EventSeverities {
				if name == s {
					ev.LogMinSeverity = uint8(i)
				}
			}
		}
	}
	if m, ok := members["metrics"]; ok {
		if b, ok := p.boolean(child(path, "metrics"), m); ok {
			ev.Metrics = b
		}
	}
	if m, ok := members["otlp"]; ok {
		ev.OTLP = p.otlp(child(path, "otlp"), m)
	}
	if m, ok := members["response_headers"]; ok {
		if s, ok := p.enum(child(path, "response_headers"), m, ResponseHeadersNames...); ok {
			ev.ResponseHeaders = ResponseHeaders(slices.Index(ResponseHeadersNames, s))
		}
	}
	return ev
}
