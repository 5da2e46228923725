package host

import (
	"strconv"
	"strings"
)

// push hands one event to a direction: delivered now, or queued while the
// direction is paused, as Envoy buffers data for a stopped filter.
func (s *Stream) push(d *direction, ev event) Action {
	if s.finished || d.ended || d.complete {
		return ActionEnded
	}
	if d.paused {
		d.queue = append(d.queue, ev)
		return ActionQueued
	}
	action := s.deliver(d, ev)
	s.pump()
	s.w.runAfterCall()
	s.signal()
	return action
}

// pump delivers queued events of both directions until each is empty,
// paused or ended.
func (s *Stream) pump() {
	for progress := true; progress; {
		progress = false
		for _, d := range [...]*direction{&s.request, &s.response} {
			if s.finished || d.ended || d.paused || len(d.queue) == 0 {
				continue
			}
			ev := d.queue[0]
			d.queue = d.queue[1:]
			s.deliver(d, ev)
			progress = true
		}
	}
}

func (s *Stream) deliver(d *direction, ev event) Action {
	if !s.ensureCreated() {
		s.failVM()
		return forcedStop(ev.kind)
	}
	switch ev.kind {
	case eventHeaders:
		return s.deliverHeaders(d, ev)
	case eventBody:
		return s.deliverBody(d, ev)
	default:
		return s.deliverTrailers(d, ev)
	}
}

func forcedStop(kind eventKind) Action {
	switch kind {
	case eventHeaders:
		return stopHeaders
	case eventBody:
		return stopBody
	default:
		return stopTrailers
	}
}

// ensureCreated sends proxy_on_context_create for the stream on first use.
func (s *Stream) ensureCreated() bool {
	if s.created {
		return !s.w.failed
	}
	w := s.w
	s.created = true
	s.id = w.newContextID()
	w.streams[s.id] = s
	_, ok := w.invoke(w.fn.contextCreate, "proxy_on_context_create", s.id, uint64(s.id), uint64(w.rootID))
	return ok
}

func (s *Stream) deliverHeaders(d *direction, ev event) Action {
	w := s.w
	m := newHeaderMap(ev.pairs)
	fn, name := w.fn.requestHeaders, "proxy_on_request_headers"
	if d.isRequest {
		s.reqHeaders = m
	} else {
		fn, name = w.fn.responseHeaders, "proxy_on_response_headers"
		s.respHeaders = m
		s.responseStarted = true
		if v, ok := m.get(":status"); ok {
			s.responseCode, _ = strconv.Atoi(v)
		}
	}
	d.headersOpen = true
	ret, ok := w.invoke(fn, name, s.id, uint64(s.id), uint64(len(m.pairs)), boolWord(ev.eos))
	if !ok {
		s.failVM()
		return stopHeaders
	}
	if s.pendingReply != nil {
		s.applyDeferred()
		return stopHeaders
	}
	if ret == 0 || ret == 2 { // 2 (ContinueAndEndStream) is Continue for Envoy
		d.headersOpen = false
		s.forwardHeaders(d)
		if ev.eos {
			s.completeDirection(d)
		}
	} else {
		s.pause(d, eventHeaders, ev.eos)
	}
	s.applyDeferred()
	return Action(ret)
}

func (s *Stream) deliverBody(d *direction, ev event) Action {
	w := s.w
	b := &d.body
	if b.lastAction == 1 {
		b.window = 0
	} else {
		b.window = len(b.data)
	}
	b.data = append(b.data, ev.data...)
	b.open = true

	fn, name := w.fn.requestBody, "proxy_on_request_body"
	trailers := s.reqTrailers
	if !d.isRequest {
		fn, name = w.fn.responseBody, "proxy_on_response_body"
		trailers = s.respTrailers
	}

	d.trailersCreatable = ev.eos && trailers == nil
	ret, ok := w.invoke(fn, name, s.id, uint64(s.id), uint64(len(b.visible())), boolWord(ev.eos))
	d.trailersCreatable = false
	if !ok {
		s.failVM()
		return stopBody
	}
	if s.pendingReply != nil {
		b.open = false
		s.applyDeferred()
		return stopBody
	}

	switch {
	case ret == 0:
		s.forwardBody(d)
		if ev.eos {
			s.forwardTrailers(d)
			s.completeDirection(d)
		}
	case ret == 1 || ret == 2: // StopIterationAndBuffer, StopIterationAndWatermark
		b.lastAction = uint32(ret)
	default: // StopIterationNoBuffer (and any larger value): the chunk is dropped
		ret = 3
		b.data = b.data[:b.window]
		b.lastAction = 3
	}
	if ret != 0 {
		if ev.eos {
			s.pause(d, eventBody, true)
		} else {
			b.open = false
		}
	}
	s.applyDeferred()
	return Action(ret)
}

func (s *Stream) deliverTrailers(d *direction, ev event) Action {
	w := s.w
	m := newHeaderMap(ev.pairs)
	fn, name := w.fn.requestTrailers, "proxy_on_request_trailers"
	if d.isRequest {
		s.reqTrailers = m
	} else {
		fn, name = w.fn.responseTrailers, "proxy_on_response_trailers"
		s.respTrailers = m
	}
	d.trailersOpen = true
	ret, ok := w.invoke(fn, name, s.id, uint64(s.id), uint64(len(m.pairs)))
	if !ok {
		s.failVM()
		return stopTrailers
	}
	if s.pendingReply != nil {
		s.applyDeferred()
		return stopTrailers
	}
	if ret == 0 {
		d.trailersOpen = false
		s.forwardBody(d)
		s.forwardTrailers(d)
		s.completeDirection(d)
	} else {
		ret = 1
		s.pause(d, eventTrailers, true)
	}
	s.applyDeferred()
	return Action(ret)
}

func (s *Stream) pause(d *direction, at eventKind, eos bool) {
	d.paused = true
	d.pausedAt = at
	d.pausedEOS = eos
}

// resume continues a paused direction (proxy_continue_stream): what the
// filter held passes on, then queued events follow.
func (s *Stream) resume(d *direction) {
	if !d.paused || d.ended {
		return
	}
	d.paused = false
	switch d.pausedAt {
	case eventHeaders:
		s.forwardHeaders(d)
		if d.pausedEOS {
			s.completeDirection(d)
		}
	case eventBody:
		s.forwardBody(d)
		s.forwardTrailers(d)
		s.completeDirection(d)
	case eventTrailers:
		s.forwardBody(d)
		s.forwardTrailers(d)
		s.completeDirection(d)
	}
}

// forwardHeaders passes the header map on: to the upstream request, or to
// the client's response.
func (s *Stream) forwardHeaders(d *direction) {
	if d.isRequest {
		m := s.reqHeaders
		get := func(k string) string { v, _ := m.get(k); return v }
		s.upstream = &UpstreamRequest{
			Method: get(":method"), Path: get(":path"), Authority: get(":authority"), Scheme: get(":scheme"),
			Headers: m.regular(),
		}
		return
	}
	s.responseSent = true
	status, _ := strconv.Atoi(firstValue(s.respHeaders.pairs, ":status"))
	s.out = &Response{Status: status, Headers: s.respHeaders.regular()}
}

// forwardBody passes every held body byte on.
func (s *Stream) forwardBody(d *direction) {
	b := &d.body
	if len(b.data) > 0 {
		if d.isRequest {
			if s.upstream == nil {
				s.upstream = &UpstreamRequest{}
			}
			s.upstream.Body = append(s.upstream.Body, b.data...)
		} else if s.out != nil {
			s.out.Body = append(s.out.Body, b.data...)
		}
	}
	b.data = nil
	b.window = 0
	b.open = false
	b.lastAction = 0
}

// forwardTrailers passes the trailers on, including trailers the filter
// created during the final body callback.
func (s *Stream) forwardTrailers(d *direction) {
	if d.isRequest {
		if s.reqTrailers != nil && len(s.reqTrailers.pairs) > 0 && s.upstream != nil {
			s.upstream.Trailers = s.reqTrailers.snapshot()
		}
		return
	}
	if s.respTrailers != nil && len(s.respTrailers.pairs) > 0 && s.out != nil {
		s.out.Trailers = s.respTrailers.snapshot()
	}
}

func (s *Stream) completeDirection(d *direction) {
	d.complete = true
	d.paused = false
	d.queue = nil
}

// endDirection stops every further callback of a direction.
func (s *Stream) endDirection(d *direction) {
	d.ended = true
	d.paused = false
	d.queue = nil
	d.body.open = false
}

// applyDeferred runs the actions hostcalls recorded during the last
// callback, in Envoy's order: local reply, close, continue.
func (s *Stream) applyDeferred() {
	if r := s.pendingReply; r != nil {
		s.pendingReply = nil
		s.pendingContinue = [2]bool{}
		s.sendLocalReply(r)
	}
	if s.pendingClose {
		s.pendingClose = false
		s.resetStream()
	}
	for i, d := range [...]*direction{&s.request, &s.response} {
		if s.pendingContinue[i] {
			s.pendingContinue[i] = false
			s.resume(d)
		}
	}
}

// finish ends the stream: proxy_on_log, proxy_on_done, proxy_on_delete.
func (s *Stream) finish() {
	if s.finished {
		return
	}
	w := s.w
	if !w.failed && s.ensureCreated() {
		s.inLog = true
		w.invoke(w.fn.log, "proxy_on_log", s.id, uint64(s.id))
		s.inLog = false
		// Envoy ignores proxy_on_done's result for streams.
		w.invoke(w.fn.done, "proxy_on_done", s.id, uint64(s.id))
		w.invoke(w.fn.delete, "proxy_on_delete", s.id, uint64(s.id))
	}
	s.finished = true
	s.endDirection(&s.request)
	s.endDirection(&s.response)
	delete(w.streams, s.id)
	w.runAfterCall()
}

func responseHeaderPairs(status int, headers [][2]string) [][2]string {
	pairs := make([][2]string, 0, len(headers)+1)
	pairs = append(pairs, [2]string{":status", strconv.Itoa(status)})
	for _, p := range headers {
		pairs = append(pairs, [2]string{strings.ToLower(p[0]), p[1]})
	}
	return pairs
}

func boolWord(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
