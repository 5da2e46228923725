package host

import (
	"strconv"
	"strings"
)

// sendLocalReply applies proxy_send_local_response the way Envoy's filter
// manager does. Before the response starts, the reply replaces the request
// and passes through the filter's response callbacks. Once the filter has
// seen response headers that are not sent yet, the reply goes straight to
// the client. After the response headers were sent, the stream is reset.
func (s *Stream) sendLocalReply(r *LocalReply) {
	if s.reset || s.finished {
		return
	}
	s.localReply = r
	s.codeDetails = r.Details
	s.endDirection(&s.request)
	switch {
	case !s.responseStarted:
		pairs, body := s.localResponse(r)
		s.response = direction{}
		s.response.queue = append(s.response.queue, event{kind: eventHeaders, pairs: pairs, eos: len(body) == 0})
		if len(body) > 0 {
			s.response.queue = append(s.response.queue, event{kind: eventBody, data: body, eos: true})
		}
	case !s.responseSent:
		s.replyDirectly(r)
	default:
		s.resetStream()
	}
}

// replyDirectly sends a reply to the client without passing the filter.
func (s *Stream) replyDirectly(r *LocalReply) {
	pairs, body := s.localResponse(r)
	m := newHeaderMap(pairs)
	status, _ := strconv.Atoi(firstValue(m.pairs, ":status"))
	s.responseCode = status
	s.out = &Response{Status: status, Headers: m.regular(), Body: body}
	s.endDirection(&s.request)
	s.endDirection(&s.response)
	s.response.complete = true
}

// failVM applies Envoy's fail-closed policy to a stream whose VM failed: a
// 503 with empty body, gRPC status 14 and details wasm_fail_stream, or a
// reset when the response headers were already sent.
func (s *Stream) failVM() {
	if s.failedVM || s.finished {
		return
	}
	s.failedVM = true
	r := &LocalReply{Status: 503, Details: "wasm_fail_stream", GRPCStatus: 14}
	s.localReply = r
	s.codeDetails = r.Details
	if s.responseSent {
		s.resetStream()
		return
	}
	s.replyDirectly(r)
}

func (s *Stream) resetStream() {
	s.reset = true
	s.endDirection(&s.request)
	s.endDirection(&s.response)
}

// localResponse builds the reply's header map and body as Envoy's
// sendLocalReply does: :status, the filter's headers, then content-length
// and content-type for a body. A gRPC request gets a trailers-only reply.
func (s *Stream) localResponse(r *LocalReply) ([][2]string, []byte) {
	pairs := [][2]string{{":status", strconv.Itoa(r.Status)}}
	pairs = append(pairs, r.Headers...)
	body := r.Body
	if s.isGRPC() {
		pairs[0][1] = "200"
		grpcStatus := r.GRPCStatus
		if grpcStatus < 0 {
			grpcStatus = grpcStatusForHTTP(r.Status)
		}
		pairs = append(pairs, [2]string{"content-type", "application/grpc"}, [2]string{"grpc-status", strconv.Itoa(grpcStatus)})
		if len(body) > 0 {
			pairs = append(pairs, [2]string{"grpc-message", percentEncode(string(body))})
		}
		return pairs, nil
	}
	if len(body) > 0 {
		pairs = append(pairs, [2]string{"content-length", strconv.Itoa(len(body))})
		if firstValue(r.Headers, "content-type") == "" {
			pairs = append(pairs, [2]string{"content-type", "text/plain"})
		}
	}
	return pairs, body
}

func (s *Stream) isGRPC() bool {
	for _, p := range s.req.Headers {
		if strings.EqualFold(p[0], "content-type") && strings.HasPrefix(p[1], "application/grpc") {
			return true
		}
	}
	return false
}

// grpcStatusForHTTP maps an HTTP status to a gRPC status as Envoy's
// Grpc::Utility::httpToGrpcStatus does.
func grpcStatusForHTTP(status int) int {
	switch status {
	case 400:
		return 13 // Internal
	case 401:
		return 16 // Unauthenticated
	case 403:
		return 7 // PermissionDenied
	case 404:
		return 12 // Unimplemented
	case 429, 502, 503, 504:
		return 14 // Unavailable
	}
	return 2 // Unknown
}

// percentEncode encodes a grpc-message value: bytes outside printable ASCII
// and '%' become %XX.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '%' {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)|0x100, 16)[1:]))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
