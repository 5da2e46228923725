package host

import (
	"context"
	"fmt"
)

// Do runs one whole HTTP exchange the way Envoy's connection manager drives
// the filter. The request headers, body chunks and trailers pass the filter
// first. While the filter pauses the stream, Do waits for
// proxy_continue_stream or a local reply, until ctx ends or
// Options.StreamTimeout passes. Then the upstream is called with the request
// as the filter left it, the response passes the filter, and
// proxy_on_log, proxy_on_done and proxy_on_delete end the stream.
//
// A stream that the filter never resumes is reset and ended like a client
// that gave up, and Do returns an error.
func (h *Host) Do(ctx context.Context, req *Request, upstream Upstream) (*Result, error) {
	w, err := h.pick(req.Worker)
	if err != nil {
		return nil, err
	}
	s := (&Worker{w: w}).NewStream(req)

	w.mu.Lock()
	s.pushAll(&s.request, requestEvents(req, s.requestID))
	w.mu.Unlock()
	if err := s.waitUntil(ctx, h.opts.StreamTimeout, s.requestSettled); err != nil {
		return nil, s.abandon(req, err)
	}

	w.mu.Lock()
	forward := s.request.complete && s.localReply == nil && !s.reset
	var upstreamReq *UpstreamRequest
	if forward {
		upstreamReq = cloneUpstream(s.upstream)
	}
	w.mu.Unlock()
	if forward {
		resp := callUpstream(upstream, upstreamReq)
		w.mu.Lock()
		s.pushAll(&s.response, responseEvents(resp))
		w.mu.Unlock()
	}
	if err := s.waitUntil(ctx, h.opts.StreamTimeout, s.responseSettled); err != nil {
		return nil, s.abandon(req, err)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	s.finish()
	return s.result(), nil
}

// requestSettled reports that the request passed the filter or ended.
func (s *Stream) requestSettled() bool {
	return s.request.complete || s.request.ended || s.reset
}

// responseSettled reports that the response passed the filter or ended.
func (s *Stream) responseSettled() bool {
	return s.reset || s.response.complete || s.response.ended
}

// abandon resets and ends a stream that the filter left paused.
func (s *Stream) abandon(req *Request, cause error) error {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	s.resetStream()
	s.finish()
	return fmt.Errorf("host: %s %s on worker %d: the filter paused the stream and did not resume it: %w; check that the callout or tick meant to resume it completes",
		orDefault(req.Method, "GET"), orDefault(req.Path, "/"), s.w.index, cause)
}

// pushAll pushes events in order; events after a pause are queued.
func (s *Stream) pushAll(d *direction, events []event) {
	for _, ev := range events {
		s.push(d, ev)
	}
}

func callUpstream(upstream Upstream, req *UpstreamRequest) *Response {
	var resp *Response
	if upstream != nil {
		resp = upstream(req)
	}
	if resp == nil {
		resp = &Response{Status: 200}
	}
	return resp
}

// requestEvents splits a request into header, body and trailer events.
func requestEvents(req *Request, requestID string) []event {
	chunks := req.BodyChunks
	if chunks == nil && len(req.Body) > 0 {
		chunks = [][]byte{req.Body}
	}
	return messageEvents(requestHeaderPairs(req, requestID), chunks, req.Trailers)
}

func responseEvents(resp *Response) []event {
	var chunks [][]byte
	if len(resp.Body) > 0 {
		chunks = [][]byte{resp.Body}
	}
	return messageEvents(responseHeaderPairs(resp.Status, resp.Headers), chunks, resp.Trailers)
}

func messageEvents(headers [][2]string, chunks [][]byte, trailers [][2]string) []event {
	events := make([]event, 0, len(chunks)+2)
	hasTrailers := len(trailers) > 0
	events = append(events, event{kind: eventHeaders, pairs: headers, eos: len(chunks) == 0 && !hasTrailers})
	for i, c := range chunks {
		events = append(events, event{kind: eventBody, data: c, eos: i == len(chunks)-1 && !hasTrailers})
	}
	if hasTrailers {
		events = append(events, event{kind: eventTrailers, pairs: trailers, eos: true})
	}
	return events
}
