package host

import (
	"context"
	"fmt"
	"time"
)

// Worker is one worker VM, for driving streams step by step.
type Worker struct{ w *worker }

// Index returns the worker's index.
func (wk *Worker) Index() int { return wk.w.index }

// MemoryBytes returns the size of the worker VM's linear memory: what the
// module has claimed from the engine so far. Linear memory never shrinks,
// so this is the VM's peak, the figure to size an Envoy worker by.
func (wk *Worker) MemoryBytes() uint64 {
	wk.w.mu.Lock()
	defer wk.w.mu.Unlock()
	return uint64(wk.w.mem.Size())
}

// NewStream starts a stream for req on this worker. No callback runs until
// the first step; req must not change while the stream lives.
func (wk *Worker) NewStream(req *Request) *Stream {
	w := wk.w
	s := &Stream{
		w:            w,
		req:          req,
		start:        w.host.clock.Now(),
		startMono:    w.host.clock.Monotonic(),
		connectionID: w.host.connectionIDs.Add(1),
		requestID:    requestIDOf(req),
		filterState:  map[string][]byte{},
		changed:      make(chan struct{}, 1),
	}
	s.request.isRequest = true
	return s
}

// eventKind is the part of a message an event carries.
type eventKind uint8

const (
	eventHeaders eventKind = iota
	eventBody
	eventTrailers
)

// event is one part of a request or response on its way to the filter.
type event struct {
	kind  eventKind
	pairs [][2]string
	data  []byte
	eos   bool
}

// bodyBuffer is the body data Envoy holds for one direction: chunks the
// filter kept plus the current chunk. The filter can access data[window:].
type bodyBuffer struct {
	data       []byte
	window     int
	open       bool // the filter may read and write it now
	lastAction uint32
}

func (b *bodyBuffer) visible() []byte { return b.data[b.window:] }

// direction is the request or the response side of a stream.
type direction struct {
	isRequest bool
	queue     []event
	paused    bool
	pausedAt  eventKind
	pausedEOS bool
	complete  bool // every event passed the filter, the last with end-of-stream
	ended     bool // no more callbacks: local reply, reset or failed VM
	body      bodyBuffer

	// Envoy's map pointers: set on entry to the callback, cleared when it
	// returns Continue (and, for the request, by proxy_continue_stream).
	headersOpen, trailersOpen bool
	// trailersCreatable is set during a final body callback of a message
	// without trailers, where Envoy lets the filter add them.
	trailersCreatable bool
}

// Stream is one HTTP stream on a worker, driven step by step. Its methods
// are safe for concurrent use: each takes the worker's lock.
type Stream struct {
	w            *worker
	req          *Request
	id           uint32
	created      bool
	finished     bool
	start        time.Time
	startMono    time.Duration
	connectionID uint64
	requestID    string

	reqHeaders, reqTrailers   *headerMap
	respHeaders, respTrailers *headerMap
	request, response         direction
	inLog                     bool

	upstream        *UpstreamRequest
	out             *Response
	responseStarted bool // the filter has seen response headers
	responseSent    bool // response headers passed the filter
	responseCode    int
	codeDetails     string
	localReply      *LocalReply
	reset           bool
	failedVM        bool

	// Actions that hostcalls recorded during a callback; Envoy runs them
	// after the callback returns.
	pendingContinue [2]bool
	pendingReply    *LocalReply
	pendingClose    bool
	queuedAfterCall bool

	filterState map[string][]byte
	changed     chan struct{}
}

// RequestHeaders sends the request headers (built from the Request) to the
// filter: proxy_on_context_create on first use, then
// proxy_on_request_headers.
func (s *Stream) RequestHeaders(eos bool) Action {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.push(&s.request, event{kind: eventHeaders, pairs: requestHeaderPairs(s.req, s.requestID), eos: eos})
}

// RequestBody sends one request body chunk.
func (s *Stream) RequestBody(chunk []byte, eos bool) Action {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.push(&s.request, event{kind: eventBody, data: chunk, eos: eos})
}

// RequestTrailers sends the Request's trailers, which end the request.
func (s *Stream) RequestTrailers() Action {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.push(&s.request, event{kind: eventTrailers, pairs: s.req.Trailers, eos: true})
}

// ResponseHeaders sends upstream response headers: :status, then headers.
func (s *Stream) ResponseHeaders(status int, headers [][2]string, eos bool) Action {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.push(&s.response, event{kind: eventHeaders, pairs: responseHeaderPairs(status, headers), eos: eos})
}

// ResponseBody sends one upstream response body chunk.
func (s *Stream) ResponseBody(chunk []byte, eos bool) Action {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.push(&s.response, event{kind: eventBody, data: chunk, eos: eos})
}

// ResponseTrailers sends upstream response trailers, which end the response.
func (s *Stream) ResponseTrailers(trailers [][2]string) Action {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.push(&s.response, event{kind: eventTrailers, pairs: trailers, eos: true})
}

// Wait blocks while the stream is paused, until the filter resumes it
// (proxy_continue_stream), ends it (local reply, reset) or its VM fails, or
// until ctx ends.
func (s *Stream) Wait(ctx context.Context) error {
	return s.waitUntil(ctx, 0, func() bool { return !s.isPaused() })
}

// Done ends the stream as Envoy destroys it: proxy_on_log, proxy_on_done
// and proxy_on_delete, in that order (nothing when the VM has failed).
// Further steps return ActionEnded.
func (s *Stream) Done() {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	s.finish()
}

// Paused reports whether a direction waits for proxy_continue_stream.
func (s *Stream) Paused() bool {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.isPaused()
}

// ContextID returns the stream's context id; 0 before the first step.
func (s *Stream) ContextID() uint32 {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.id
}

// RequestHeaderPairs returns the request header map as it is now, with any
// change the filter made.
func (s *Stream) RequestHeaderPairs() [][2]string {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.reqHeaders.snapshot()
}

// ResponseHeaderPairs returns the response header map as it is now.
func (s *Stream) ResponseHeaderPairs() [][2]string {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.respHeaders.snapshot()
}

// Upstream returns the request as forwarded so far (nil before the headers
// pass the filter).
func (s *Stream) Upstream() *UpstreamRequest {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return cloneUpstream(s.upstream)
}

// RequestComplete reports whether the whole request has passed the filter.
func (s *Stream) RequestComplete() bool {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.request.complete
}

// Result returns the stream's outcome so far.
func (s *Stream) Result() *Result {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.result()
}

func (s *Stream) result() *Result {
	r := &Result{
		Upstream:    cloneUpstream(s.upstream),
		LocalReply:  s.localReply,
		Reset:       s.reset,
		Worker:      s.w.index,
		ContextID:   s.id,
		FilterState: make(map[string][]byte, len(s.filterState)),
	}
	if !s.request.complete {
		r.Upstream = nil
	}
	if s.out != nil && !s.reset {
		out := *s.out
		r.Response = &out
	}
	for k, v := range s.filterState {
		r.FilterState[k] = append([]byte(nil), v...)
	}
	return r
}

func cloneUpstream(u *UpstreamRequest) *UpstreamRequest {
	if u == nil {
		return nil
	}
	c := *u
	c.Headers = append([][2]string(nil), u.Headers...)
	c.Body = append([]byte(nil), u.Body...)
	c.Trailers = append([][2]string(nil), u.Trailers...)
	return &c
}

func (s *Stream) isPaused() bool {
	return (s.request.paused && !s.request.ended) || (s.response.paused && !s.response.ended)
}

// signal wakes a goroutine waiting on the stream.
func (s *Stream) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// waitUntil blocks until done (checked under the worker lock) holds, ctx
// ends or timeout (when positive) passes. A paused stream whose VM has
// failed gets the fail-closed reply first.
//
// NOTE: Envoy leaves such a stream paused until a stream timeout, but the
// host replies at once so that tests do not hang.
func (s *Stream) waitUntil(ctx context.Context, timeout time.Duration, done func() bool) error {
	var expired <-chan time.Time
	for {
		s.w.mu.Lock()
		if s.w.failed && s.isPaused() {
			s.failVM()
		}
		ok := done()
		s.w.mu.Unlock()
		if ok {
			return nil
		}
		if expired == nil && timeout > 0 {
			timer := time.NewTimer(timeout)
			defer timer.Stop()
			expired = timer.C
		}
		select {
		case <-s.changed:
		case <-expired:
			return fmt.Errorf("host: stream %d on worker %d is still paused by the filter after %s", s.id, s.w.index, timeout)
		case <-ctx.Done():
			return fmt.Errorf("host: stream %d on worker %d is still paused by the filter: %w", s.id, s.w.index, ctx.Err())
		}
	}
}
