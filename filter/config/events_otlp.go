package config

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// Defaults and bounds of events.otlp.
const (
	DefaultOTLPPath          = "/v1/logs"
	DefaultOTLPTimeout       = time.Second
	DefaultOTLPBatchSize     = 100
	DefaultOTLPMaxBuffer     = 1000
	DefaultOTLPFlushInterval = 5 * time.Second
	DefaultOTLPServiceName   = "bulwark"

	MinOTLPTimeout       = 100 * time.Millisecond
	MaxOTLPTimeout       = 60 * time.Second
	MaxOTLPBatchSize     = 1000
	MaxOTLPBuffer        = 100_000
	MinOTLPFlushInterval = time.Second
	MaxOTLPFlushInterval = time.Hour

	// MaxOTLPHeaders and MaxOTLPAttributes bound the headers and resource
	// attributes of events.otlp; MaxOTLPValueBytes bounds each value.
	MaxOTLPHeaders    = 16
	MaxOTLPAttributes = 32
	MaxOTLPValueBytes = 1024
)

// otlpReservedHeaders are headers that the export request sets itself or
// that frame it, so events.otlp.headers may not set them.
var otlpReservedHeaders = []string{"content-type", "accept", "te", "host", "content-length",
	"transfer-encoding", "connection", "keep-alive", "proxy-connection", "trailer", "upgrade"}

// Secret is a configuration value that must never be printed, such as an
// API key for the OTLP collector. Its String method hides the value.
type Secret string

// String returns "<redacted>", so that printing a configuration never shows
// the secret.
func (Secret) String() string { return redacted }

// GoString returns "<redacted>" for the %#v verb.
func (Secret) GoString() string { return redacted }

// Reveal returns the value itself, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// OTLPHeader is one static header of the export requests.
type OTLPHeader struct {
	// Name is lower-case.
	Name  string
	Value Secret
}

// OTLP is the compiled events.otlp section: security events exported as
// OTLP/HTTP JSON log records through an Envoy cluster.
type OTLP struct {
	Cluster string

	// Path is the :path of the export requests; Authority their
	// :authority.
	Path, Authority string

	// Timeout bounds one export request.
	Timeout time.Duration

	// BatchSize is the number of buffered events that triggers an export,
	// and the most that one export sends.
	BatchSize int

	// MaxBuffer bounds the events that one VM buffers; more are dropped
	// and counted.
	MaxBuffer int

	// FlushInterval is the longest time an event waits in the buffer
	// while the collector works, rounded up to the next tick.
	FlushInterval time.Duration

	// Headers are sent with every export request. Their values are
	// secrets.
	Headers []OTLPHeader

	// ServiceName is the service.name resource attribute.
	ServiceName string

	// ResourceAttributes are further string resource attributes, sorted
	// by key.
	ResourceAttributes [][2]string
}

// otlp reads the events.otlp section.
func (p *parser) otlp(path string, v gjson.Result) *OTLP {
	members, ok := p.fields(path, v, "cluster", "path", "authority", "timeout", "batch_size", "max_buffer",
		"flush_interval", "headers", "service_name", "resource_attributes")
	if !ok {
		return nil
	}

	o := &OTLP{
		Path:          DefaultOTLPPath,
		Timeout:       DefaultOTLPTimeout,
		BatchSize:     DefaultOTLPBatchSize,
		MaxBuffer:     DefaultOTLPMaxBuffer,
		FlushInterval: DefaultOTLPFlushInterval,
		ServiceName:   DefaultOTLPServiceName,
	}
	o.Cluster, _ = p.calloutTarget(path, members, "cluster")
	o.Authority = o.Cluster
	if _, ok := members["path"]; ok {
		if o.Path, ok = p.requiredString(path, members, "path"); ok && !jwt.IsCalloutPath(o.Path) {
			p.fail(child(path, "path"), "must start with '/' and hold only visible ASCII characters, such as \"/v1/logs\"", members["path"])
		}
	}
	if _, ok := members["authority"]; ok {
		o.Authority, _ = p.calloutTarget(path, members, "authority")
	}
	if m, ok := members["timeout"]; ok {
		o.Timeout = p.boundedDuration(child(path, "timeout"), m, MinOTLPTimeout, MaxOTLPTimeout)
	}
	if m, ok := members["flush_interval"]; ok {
		o.FlushInterval = p.boundedDuration(child(path, "flush_interval"), m, MinOTLPFlushInterval, MaxOTLPFlushInterval)
	}
	p.otlpSizes(path, members, o)
	if m, ok := members["headers"]; ok {
		o.Headers = p.otlpHeaders(child(path, "headers"), m)
	}
	if _, ok := members["service_name"]; ok {
		o.ServiceName, _ = p.requiredString(path, members, "service_name")
	}
	if m, ok := members["resource_attributes"]; ok {
		o.ResourceAttributes = p.otlpAttributes(child(path, "resource_attributes"), m)
	}
	return o
}

// otlpSizes reads batch_size and max_buffer, which must hold one batch.
func (p *parser) otlpSizes(path string, members map[string]gjson.Result, o *OTLP) {
	batchOK, bufferOK := true, true
	if m, ok := members["batch_size"]; ok {
		o.BatchSize, batchOK = p.integer(child(path, "batch_size"), m, 1, MaxOTLPBatchSize)
	}
	if m, ok := members["max_buffer"]; ok {
		o.MaxBuffer, bufferOK = p.integer(child(path, "max_buffer"), m, 1, MaxOTLPBuffer)
	}
	if batchOK && bufferOK && o.MaxBuffer < o.BatchSize {
		value, ok := members["max_buffer"]
		if !ok {
			value = gjson.Parse(strconv.Itoa(o.MaxBuffer))
		}
		p.fail(child(path, "max_buffer"), "must be at least batch_size ("+strconv.Itoa(o.BatchSize)+")", value)
	}
}

// otlpHeaders reads the static headers of the export requests. Their values
// are secrets, so errors never show them.
func (p *parser) otlpHeaders(path string, v gjson.Result) []OTLPHeader {
	if !v.IsObject() {
		p.fail(path, "must be an object", v)
		return nil
	}

	var headers []OTLPHeader
	count := 0
	v.ForEach(func(key, value gjson.Result) bool {
		count++
		memberPath := child(path, key.Str)
		name, ok := p.headerName(memberPath, key)
		switch {
		case !ok:
		case contains(otlpReservedHeaders, name) || strings.HasPrefix(name, ":"):
			p.failNoValue(memberPath, "must not be a header that the export request sets itself or that frames it: "+strings.Join(otlpReservedHeaders, ", "))
		case slices.ContainsFunc(headers, func(h OTLPHeader) bool { return h.Name == name }):
			p.failNoValue(memberPath, "duplicate header; header names are case-insensitive")
		case value.Type != gjson.String:
			p.failSecret(memberPath, "must be a string")
		case !isHeaderValue(value.Str):
			p.failSecret(memberPath, "must be 1 to "+strconv.Itoa(MaxOTLPValueBytes)+" bytes of visible ASCII characters, spaces or tabs")
		default:
			headers = append(headers, OTLPHeader{Name: name, Value: Secret(value.Str)})
		}
		return true
	})
	if count > MaxOTLPHeaders {
		p.failNoValue(path, "must have at most "+strconv.Itoa(MaxOTLPHeaders)+" headers, but has "+strconv.Itoa(count))
	}
	return headers
}

// otlpAttributes reads the string resource attributes, sorted by key.
func (p *parser) otlpAttributes(path string, v gjson.Result) [][2]string {
	if !v.IsObject() {
		p.fail(path, "must be an object", v)
		return nil
	}

	var attributes [][2]string
	v.ForEach(func(key, value gjson.Result) bool {
		memberPath := child(path, key.Str)
		s, ok := p.str(memberPath, value)
		switch {
		case key.Str == "" || len(key.Str) > maxNameLength:
			p.failNoValue(memberPath, "must be a key of 1 to "+strconv.Itoa(maxNameLength)+" bytes")
		case key.Str == "service.name":
			p.failNoValue(memberPath, "is set by service_name; remove it here")
		case slices.ContainsFunc(attributes, func(a [2]string) bool { return a[0] == key.Str }):
			p.failNoValue(memberPath, "duplicate field; give each field once")
		case !ok:
		case len(s) > MaxOTLPValueBytes:
			p.fail(memberPath, "must be at most "+strconv.Itoa(MaxOTLPValueBytes)+" bytes long", value)
		default:
			attributes = append(attributes, [2]string{key.Str, s})
		}
		return true
	})
	if len(attributes) > MaxOTLPAttributes {
		p.failNoValue(path, "must have at most "+strconv.Itoa(MaxOTLPAttributes)+" attributes, but has "+strconv.Itoa(len(attributes)))
	}
	slices.SortFunc(attributes, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return attributes
}

// isHeaderValue reports whether s is a non-empty header value of visible
// ASCII, spaces and tabs (RFC 9110 §5.5, without obs-text), with no
// leading or trailing whitespace.
func isHeaderValue(s string) bool {
	if s == "" || len(s) > MaxOTLPValueBytes || s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}
