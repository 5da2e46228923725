package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Envoy router replies that a callout receives as ordinary responses.
const (
	timeoutBody        = "upstream request timeout"
	connectFailureBody = "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
)

// calloutTargets resolves callout cluster names.
type calloutTargets struct {
	urls     map[string]*url.URL
	handlers map[string]http.Handler
	client   *http.Client
}

// calloutResponse is the callout result readable during
// proxy_on_http_call_response: map 6, map 7 and buffer 4. A reset result
// has no response.
type calloutResponse struct {
	headers, trailers *headerMap
	body              []byte
	reset             bool
}

func newCalloutTargets(clusters map[string]string, handlers map[string]http.Handler) (calloutTargets, error) {
	t := calloutTargets{urls: map[string]*url.URL{}, handlers: handlers}
	for name, base := range clusters {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return t, fmt.Errorf("host: cluster %q: invalid base URL %q; use http://127.0.0.1:PORT", name, base)
		}
		if !isLoopback(u.Hostname()) {
			return t, fmt.Errorf("host: cluster %q: base URL %q is not a loopback address; callouts may only reach 127.0.0.1, ::1 or localhost", name, base)
		}
		t.urls[name] = u
	}
	t.client = &http.Client{
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
		// Envoy's async client returns redirects to the module unfollowed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return t, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (t *calloutTargets) known(cluster string) bool {
	if _, ok := t.handlers[cluster]; ok {
		return true
	}
	_, ok := t.urls[cluster]
	return ok
}

// hostHTTPCall dispatches a callout owned by the root context; the response
// arrives later in proxy_on_http_call_response on this worker.
func hostHTTPCall(w *worker, p []uint64) Status {
	cluster, ok1 := w.readString(u32(p[0]), u32(p[1]))
	headerData, ok2 := w.readBytes(u32(p[2]), u32(p[3]))
	body, ok3 := w.readBytes(u32(p[4]), u32(p[5]))
	_, ok4 := w.view(u32(p[6]), u32(p[7]))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return StatusInvalidMemoryAccess
	}

	timeoutMS, tokenOut := u32(p[8]), u32(p[9])
	if !w.mem.WriteUint32Le(tokenOut, 0) {
		return StatusInvalidMemoryAccess
	}

	headers := ParseHeaderMap(headerData)
	for i := range headers {
		headers[i][0] = strings.ToLower(headers[i][0])
	}
	path, method, authority := firstValue(headers, ":path"), firstValue(headers, ":method"), firstValue(headers, ":authority")
	if w.tracing() {
		w.note("cluster=%q method=%q path=%q timeout_ms=%d", cluster, method, path, timeoutMS)
	}

	if timeoutMS >= 1<<31 || !w.host.callouts.known(cluster) || path == "" || method == "" || authority == "" {
		return StatusBadArgument
	}

	w.nextCallout += 4
	token := w.nextCallout
	if !w.mem.WriteUint32Le(tokenOut, token) {
		return StatusInvalidMemoryAccess
	}

	h := w.host
	h.pending.add()
	go func() {
		defer h.pending.done()
		resp := h.callouts.do(h.background, cluster, headers, body, time.Duration(timeoutMS)*time.Millisecond)
		if resp == nil {
			return
		}
		w.post(func() { w.deliverCallout(token, resp) })
	}()
	return StatusOK
}

// deliverCallout calls proxy_on_http_call_response on the root context,
// with the response readable only during the callback.
func (w *worker) deliverCallout(token uint32, r *calloutResponse) {
	if w.failed || w.rootDeleted {
		return
	}
	var nh, nb, nt int
	if r.reset {
		w.lastStatus, w.lastMessage = StatusBrokenConnection, "reset"
	} else {
		nh, nb, nt = len(r.headers.pairs), len(r.body), len(r.trailers.pairs)
	}
	w.callout = r
	w.invoke(w.fn.httpCallResponse, "proxy_on_http_call_response", w.rootID,
		uint64(w.rootID), uint64(token), uint64(nh), uint64(nb), uint64(nt))
	w.callout = nil
	w.runAfterCall()
}

// do performs a callout. It returns nil when the Host closed meanwhile.
func (t *calloutTargets) do(ctx context.Context, cluster string, headers [][2]string, body []byte, timeout time.Duration) *calloutResponse {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := buildCalloutRequest(ctx, t.urls[cluster], headers, body)
	if err != nil {
		return routerReply(503, connectFailureBody)
	}
	var resp *calloutResponse
	if handler, ok := t.handlers[cluster]; ok {
		resp = serveInProcess(ctx, handler, req)
	} else {
		resp = t.roundTrip(req)
	}
	if resp == nil && ctx.Err() == context.DeadlineExceeded {
		return routerReply(504, timeoutBody)
	}
	return resp
}

func buildCalloutRequest(ctx context.Context, base *url.URL, headers [][2]string, body []byte) (*http.Request, error) {
	authority := firstValue(headers, ":authority")
	target := "http://" + authority
	if base != nil {
		target = base.Scheme + "://" + base.Host + strings.TrimSuffix(base.Path, "/")
	}
	req, err := http.NewRequestWithContext(ctx, firstValue(headers, ":method"), target+firstValue(headers, ":path"), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Host = authority
	for _, h := range headers {
		if strings.HasPrefix(h[0], ":") || h[0] == "host" || h[0] == "content-length" {
			continue
		}
		req.Header.Add(h[0], h[1])
	}
	req.ContentLength = int64(len(body))
	return req, nil
}

// roundTrip sends req to a loopback server. A dial error is Envoy's 503
// connection failure; an error after that is a reset.
func (t *calloutTargets) roundTrip(req *http.Request) *calloutResponse {
	resp, err := t.client.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil
		}
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			return routerReply(503, connectFailureBody)
		}
		return &calloutResponse{reset: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		if req.Context().Err() != nil {
			return nil
		}
		return &calloutResponse{reset: true}
	}
	return responseMaps(resp.StatusCode, resp.Header, body, resp.Trailer)
}

// serveInProcess runs an in-process handler; it returns nil when ctx ends
// first (the handler goroutine is left to finish on its own).
func serveInProcess(ctx context.Context, handler http.Handler, req *http.Request) *calloutResponse {
	req.RemoteAddr = "127.0.0.1:40001"
	done := make(chan *calloutResponse, 1)
	go func() {
		defer func() {
			if recover() != nil {
				done <- &calloutResponse{reset: true}
			}
		}()
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		res := rec.Result()
		done <- responseMaps(res.StatusCode, res.Header, rec.Body.Bytes(), res.Trailer)
	}()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		return nil
	}
}

// responseMaps builds map 6 (:status first, then headers by sorted name),
// buffer 4 and map 7.
func responseMaps(status int, header http.Header, body []byte, trailer http.Header) *calloutResponse {
	pairs := [][2]string{{":status", strconv.Itoa(status)}}
	return &calloutResponse{
		headers:  newHeaderMap(append(pairs, sortedPairs(header)...)),
		body:     body,
		trailers: newHeaderMap(sortedPairs(trailer)),
	}
}

func sortedPairs(h http.Header) [][2]string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var pairs [][2]string
	for _, name := range names {
		for _, v := range h[name] {
			pairs = append(pairs, [2]string{strings.ToLower(name), v})
		}
	}
	return pairs
}

// routerReply is a reply Envoy's router generates itself.
func routerReply(status int, body string) *calloutResponse {
	return &calloutResponse{
		headers: newHeaderMap([][2]string{
			{":status", strconv.Itoa(status)},
			{"content-length", strconv.Itoa(len(body))},
			{"content-type", "text/plain"},
		}),
		body:     []byte(body),
		trailers: newHeaderMap(nil),
	}
}
