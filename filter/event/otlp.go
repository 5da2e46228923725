package event

import (
	"strconv"
	"unsafe"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// OTLP log records. The encoding follows the proto3 JSON mapping of
// opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest, as
// OTLP/HTTP JSON requires: lowerCamelCase field names, 64-bit integers as
// decimal strings, enums as numbers and AnyValue as a one-member object
// such as {"stringValue": "..."}.

// OTLPScopeName is the instrumentation scope of every record.
const OTLPScopeName = "bulwark"

// OTLPEventNamePrefix starts the eventName of a record, followed by the
// event type, such as "bulwark.auth_failure".
const OTLPEventNamePrefix = "bulwark."

// otlpSeverityNumbers maps Severity to the OTLP SeverityNumber that matches
// the proxy log level of the event: DEBUG (5), INFO (9), WARN (13) and
// ERROR (17).
var otlpSeverityNumbers = [...]byte{5, 9, 13, 17}

// The attribute keys of a record. Keys from the OpenTelemetry semantic
// conventions are used where one means the same thing; the others are
// under "event." or "bulwark.".
const (
	AttrEventType      = "event.type"
	AttrEventID        = "event.id"
	AttrEventSeverity  = "event.severity"
	AttrEventAction    = "event.action"
	AttrSourceAddress  = "source.address"
	AttrMethod         = "http.request.method"
	AttrPath           = "url.path"
	AttrStatus         = "http.response.status_code"
	AttrCallerID       = "bulwark.caller_id"
	AttrRoute          = "bulwark.route"
	AttrRule           = "bulwark.rule"
	AttrReason         = "bulwark.reason"
	AttrCode           = "bulwark.code"
	AttrRequestID      = "bulwark.request_id"
	AttrDetailPrefix   = "bulwark.details."
	attrServiceName    = "service.name"
	otlpRequestSuffix  = "]}]}]}"
	otlpStringValueKey = `{"stringValue":`
)

// OTLPEncoder writes events as the log records of one OTLP/HTTP JSON
// export request. It keeps a scratch buffer, so it is not safe for
// concurrent use: use one encoder per VM.
type OTLPEncoder struct {
	// prefix opens the request up to the logRecords array: the resource
	// with its attributes and the scope.
	prefix []byte

	// scratch holds the event JSON of the record being written.
	scratch []byte
}

// NewOTLPEncoder returns an encoder whose records carry the resource
// attribute service.name and the further string attributes.
func NewOTLPEncoder(serviceName string, attributes [][2]string) *OTLPEncoder {
	p := []byte(`{"resourceLogs":[{"resource":{"attributes":[`)
	p = appendStringAttribute(p, attrServiceName, serviceName, true)
	for _, a := range attributes {
		p = appendStringAttribute(p, a[0], a[1], false)
	}
	p = append(p, `]},"scopeLogs":[{"scope":{"name":`...)
	p = jsontext.AppendString(p, OTLPScopeName)
	p = append(p, `},"logRecords":[`...)
	return &OTLPEncoder{prefix: p, scratch: make([]byte, 0, 1024)}
}

// AppendRequest appends one ExportLogsServiceRequest whose logRecords are
// records: log records that AppendRecord wrote, separated by commas.
func (enc *OTLPEncoder) AppendRequest(dst, records []byte) []byte {
	dst = append(dst, enc.prefix...)
	dst = append(dst, records...)
	return append(dst, otlpRequestSuffix...)
}

// AppendRecord appends e as one LogRecord. The body is the event's JSON,
// as the log sink writes it, and the attributes repeat its fields, so that
// a backend can filter on event.type without parsing the body.
func (enc *OTLPEncoder) AppendRecord(dst []byte, e *Event) []byte {
	nanos := strconv.FormatInt(e.Time.UnixNano(), 10)
	dst = append(dst, `{"timeUnixNano":"`...)
	dst = append(dst, nanos...)
	dst = append(dst, `","observedTimeUnixNano":"`...)
	dst = append(dst, nanos...)
	dst = append(dst, `","severityNumber":`...)
	dst = strconv.AppendInt(dst, int64(otlpSeverityNumber(e.Severity)), 10)
	dst = append(dst, `,"severityText":`...)
	dst = jsontext.AppendString(dst, e.Severity.String())

	enc.scratch = e.AppendJSON(enc.scratch[:0])
	dst = append(dst, `,"body":`...)
	dst = append(dst, otlpStringValueKey...)
	dst = jsontext.AppendString(dst, unsafe.String(unsafe.SliceData(enc.scratch), len(enc.scratch)))
	dst = append(dst, '}')

	dst = append(dst, `,"attributes":[`...)
	dst = appendEventAttributes(dst, e)
	dst = append(dst, `],"eventName":`...)
	dst = jsontext.AppendString(dst, OTLPEventNamePrefix+e.Type.String())
	return append(dst, '}')
}

// appendEventAttributes appends the attributes of e, leaving out empty
// fields as the event JSON does.
func appendEventAttributes(dst []byte, e *Event) []byte {
	dst = appendStringAttribute(dst, AttrEventType, e.Type.String(), true)
	dst = appendStringAttribute(dst, AttrEventID, e.ID, false)
	dst = appendStringAttribute(dst, AttrEventSeverity, e.Severity.String(), false)
	dst = appendStringAttribute(dst, AttrEventAction, e.Action.String(), false)
	dst = appendStringAttribute(dst, AttrSourceAddress, e.SourceIP, false)
	dst = appendStringAttribute(dst, AttrCallerID, e.CallerID, false)
	dst = appendStringAttribute(dst, AttrMethod, e.Method, false)
	dst = appendStringAttribute(dst, AttrRoute, e.Route, false)
	dst = appendStringAttribute(dst, AttrPath, e.Path, false)
	dst = appendStringAttribute(dst, AttrRule, e.Rule, false)
	dst = appendStringAttribute(dst, AttrReason, e.Reason, false)
	dst = appendStringAttribute(dst, AttrCode, e.Code, false)
	if e.Status != 0 {
		dst = appendIntAttribute(dst, AttrStatus, int64(e.Status))
	}
	dst = appendStringAttribute(dst, AttrRequestID, e.RequestID, false)
	for _, d := range e.Details {
		if d.IsInt {
			dst = appendIntAttribute(dst, AttrDetailPrefix+d.Key, d.Int)
		} else {
			dst = appendStringAttribute(dst, AttrDetailPrefix+d.Key, d.Str, false)
		}
	}
	return dst
}

// otlpSeverityNumber returns the SeverityNumber of s.
func otlpSeverityNumber(s Severity) byte {
	if int(s) >= len(otlpSeverityNumbers) {
		return otlpSeverityNumbers[Critical]
	}
	return otlpSeverityNumbers[s]
}

// appendStringAttribute appends one KeyValue with a string value, preceded
// by a comma unless first. An empty value is left out.
func appendStringAttribute(dst []byte, key, value string, first bool) []byte {
	if value == "" {
		return dst
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"key":`...)
	dst = jsontext.AppendString(dst, key)
	dst = append(dst, `,"value":`...)
	dst = append(dst, otlpStringValueKey...)
	dst = jsontext.AppendString(dst, value)
	return append(dst, "}}"...)
}

// appendIntAttribute appends one KeyValue with an int64 value, which the
// proto3 JSON mapping writes as a decimal string.
func appendIntAttribute(dst []byte, key string, value int64) []byte {
	dst = append(dst, `,{"key":`...)
	dst = jsontext.AppendString(dst, key)
	dst = append(dst, `,"value":{"intValue":"`...)
	dst = strconv.AppendInt(dst, value, 10)
	return append(dst, `"}}`...)
}
