package host

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// AnyWorker, as Request.Worker, lets Do pick a worker round-robin.
const AnyWorker = -1

// Request is a downstream request as the client sends it. Do and
// Worker.NewStream build Envoy's request header map from it: the
// pseudo-headers :authority, :path, :method and :scheme first, then Headers
// with lower-case names, then x-request-id and x-forwarded-proto when
// Headers lack them, as Envoy's connection manager adds them.
type Request struct {
	// Worker is the index of the worker VM that serves the request. The zero
	// value is worker 0; AnyWorker picks one round-robin (see NewRequest).
	Worker int
	// Method, Path, Authority and Scheme default to GET, /, localhost and http.
	Method, Path, Authority, Scheme string
	Headers                         [][2]string
	// Body is sent in one chunk unless BodyChunks is set.
	Body       []byte
	BodyChunks [][]byte
	Trailers   [][2]string
	// SourceAddress and DestinationAddress are "ip:port" (IPv6 "[ip]:port");
	// they default to 127.0.0.1:40000 and 127.0.0.1:10000.
	SourceAddress, DestinationAddress string
	// TLSVersion, such as "TLSv1.3", is the connection.tls_version property;
	// empty means a plaintext connection.
	TLSVersion string
	// Protocol is the request.protocol property (default "HTTP/1.1").
	Protocol string
	// ID is the request.id property and x-request-id header; empty keeps the
	// header from Headers or generates a random UUID, as Envoy does.
	ID string
	// RouteName and ClusterName are the xds.route_name and xds.cluster_name
	// properties; empty means not found.
	RouteName, ClusterName string
}

// NewRequest returns a request for method and path served by any worker.
func NewRequest(method, path string) *Request {
	return &Request{Worker: AnyWorker, Method: method, Path: path}
}

// UpstreamRequest is the request as the filter left it, which the upstream
// receives.
type UpstreamRequest struct {
	Method, Path, Authority, Scheme string
	// Headers are the regular headers, without pseudo-headers.
	Headers  [][2]string
	Body     []byte
	Trailers [][2]string
}

// Header returns the first value of the header name (lower-case).
func (r *UpstreamRequest) Header(name string) string { return firstValue(r.Headers, name) }

// Response is an HTTP response: from the upstream, or what the client
// received.
type Response struct {
	Status int
	// Headers are the regular headers, without :status.
	Headers  [][2]string
	Body     []byte
	Trailers [][2]string
}

// Header returns the first value of the header name (lower-case).
func (r *Response) Header(name string) string { return firstValue(r.Headers, name) }

// Upstream returns the response to a request that the filter let through.
// A nil Upstream, or one that returns nil, responds 200 with no body.
type Upstream func(req *UpstreamRequest) *Response

// LocalReply is a reply that did not come from the upstream: one the filter
// sent with proxy_send_local_response, or Envoy's fail-closed 503 after the
// VM failed (Details "wasm_fail_stream").
type LocalReply struct {
	Status int
	// Details is the response-code details, whitespace replaced by '_'.
	Details string
	Body    []byte
	// Headers are the additional headers the filter passed, keys lower-case.
	Headers [][2]string
	// GRPCStatus is the gRPC status 0–16, or -1 for none.
	GRPCStatus int
}

// Result is the outcome of one exchange.
type Result struct {
	// Response is the response the client received; nil when the stream was reset.
	Response *Response
	// Upstream is the request the upstream received; nil when the filter
	// replied before the request reached it.
	Upstream *UpstreamRequest
	// LocalReply is set when the filter (or the fail-closed policy) replied.
	LocalReply *LocalReply
	// Reset reports a stream reset: proxy_close_stream, or a local reply
	// after the response headers had been sent.
	Reset bool
	// Worker and ContextID identify the VM and the stream context.
	Worker    int
	ContextID uint32
	// FilterState holds what the filter stored with proxy_set_property, by
	// filter-state key ("wasm." + path).
	FilterState map[string][]byte
}

func firstValue(pairs [][2]string, name string) string {
	for _, p := range pairs {
		if p[0] == name {
			return p[1]
		}
	}
	return ""
}

// requestHeaderPairs builds Envoy's request header map for req.
func requestHeaderPairs(req *Request, requestID string) [][2]string {
	pairs := make([][2]string, 0, len(req.Headers)+6)
	pairs = append(pairs,
		[2]string{":authority", orDefault(req.Authority, "localhost")},
		[2]string{":path", orDefault(req.Path, "/")},
		[2]string{":method", orDefault(req.Method, "GET")},
		[2]string{":scheme", orDefault(req.Scheme, "http")},
	)
	for _, p := range req.Headers {
		pairs = append(pairs, [2]string{strings.ToLower(p[0]), p[1]})
	}
	if firstValue(pairs, "x-request-id") == "" {
		pairs = append(pairs, [2]string{"x-request-id", requestID})
	}
	if firstValue(pairs, "x-forwarded-proto") == "" {
		pairs = append(pairs, [2]string{"x-forwarded-proto", orDefault(req.Scheme, "http")})
	}
	return pairs
}

// requestIDOf returns the request id: Request.ID, else an x-request-id
// header, else a random UUID (version 4).
func requestIDOf(req *Request) string {
	if req.ID != "" {
		return req.ID
	}
	for _, p := range req.Headers {
		if strings.EqualFold(p[0], "x-request-id") {
			return p[1]
		}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
