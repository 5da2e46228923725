package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/testing/host"
)

// proxy is the HTTP handler of bulwark serve: it runs each request through
// the filter in the host and forwards what the filter allows.
type proxy struct {
	host     *host.Host
	upstream host.Upstream
	logger   *log.Logger

	// identityHeader is the header that carries the caller's key id
	// upstream, read for the request log.
	identityHeader string
}

func newProxy(ctx context.Context, opts serveOptions, logger *log.Logger) (*proxy, error) {
	wasm, err := os.ReadFile(opts.wasmPath)
	if err != nil {
		return nil, fmt.Errorf("reading the filter module failed: %w (run `make build` first)", err)
	}

	pluginConfig := []byte("{}")
	if opts.configPath != "" {
		if pluginConfig, err = os.ReadFile(opts.configPath); err != nil {
			return nil, fmt.Errorf("reading -config failed: %w", err)
		}
	}

	// The filter validates the configuration again when it starts and logs
	// the same errors; parsing it here gives the identity header name.
	cfg, err := config.Parse(pluginConfig)
	if err != nil {
		return nil, fmt.Errorf("invalid -config %s:\n%w", opts.configPath, err)
	}

	// A callout to a cluster that serve does not know fails at once, like
	// one to a cluster that Envoy does not define.
	for _, name := range cfg.CalloutClusters() {
		if _, ok := opts.clusters[name]; !ok {
			return nil, fmt.Errorf("-config %s sends callouts to the cluster %q; pass -cluster %s=http://127.0.0.1:PORT with its address",
				opts.configPath, name, name)
		}
	}

	upstream := echoUpstream
	if opts.upstream != "" {
		base, err := parseHTTPURL(opts.upstream)
		if err != nil {
			return nil, fmt.Errorf("invalid -upstream: %v", err)
		}
		upstream = forwardTo(base, logger)
	}

	// runServe has checked the name already.
	logLevel, _ := parseLogLevel(opts.logLevel)

	h, err := host.New(ctx, wasm, host.Options{
		LogLevel:         logLevel,
		CompilationCache: opts.cache,
		StreamTimeout:    streamTimeout(cfg),
		Workers:          opts.workers,
		PluginConfig:     pluginConfig,
		PluginName:       "bulwark",
		Clusters:         opts.clusters,
		LogOutput:        logger.Writer(),
	})
	if err != nil {
		return nil, fmt.Errorf("loading the filter failed: %w", err)
	}
	return &proxy{host: h, upstream: upstream, logger: logger, identityHeader: cfg.IdentityHeader}, nil
}

// streamTimeout bounds how long serve waits for the filter to resume a
// paused request: the host's default of 10 s, or longer when a JWT provider
// holds requests until its first remote key set arrives.
func streamTimeout(cfg *config.Config) time.Duration {
	timeout := 10 * time.Second
	if cfg.JWT == nil {
		return timeout
	}
	for _, p := range cfg.JWT.Providers {
		if p.Remote != nil {
			// The filter replies on the first tick (1 s) after the wait.
			timeout = max(timeout, p.Remote.WaitForFirstFetch+5*time.Second)
		}
	}
	return timeout
}

// Close stops every worker VM.
func (p *proxy) Close(ctx context.Context) error {
	return p.host.Close(ctx)
}

// maxLoggedPath bounds the path in the log line of a request.
const maxLoggedPath = 256

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()

	// The path is logged quoted, without its query, which may carry a key,
	// and cut to maxLoggedPath bytes, so that a client can neither forge log
	// lines, leak secrets nor write huge lines.
	path, _, _ := strings.Cut(r.RequestURI, "?")
	if len(path) > maxLoggedPath {
		path = path[:maxLoggedPath] + "..."
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		p.logger.Printf("%s %q body rejected: %v", r.Method, path, err)
		writeJSONError(w, http.StatusRequestEntityTooLarge, "body_too_large", "The request body is larger than bulwark serve accepts (16 MiB).")
		return
	}

	result, err := p.host.Do(r.Context(), toHostRequest(r, body), p.upstream)
	if err != nil {
		p.logger.Printf("%s %q error=%q", r.Method, path, err)
		writeJSONError(w, http.StatusBadGateway, "filter_failure", "The filter did not complete the request.")
		return
	}
	if result.Response == nil {
		p.logger.Printf("%s %q stream reset by the filter", r.Method, path)
		panic(http.ErrAbortHandler) // Closes the connection, as Envoy resets the stream.
	}

	writeResponse(w, result.Response)
	p.logger.Printf("%s %q status=%d decision=%s client_id=%s worker=%d duration=%s",
		r.Method, path, result.Response.Status,
		orDefault(filterState(result, "bulwark_decision"), "-"),
		orDefault(p.clientID(result), "-"),
		result.Worker, time.Since(start).Round(time.Microsecond))
}

// toHostRequest converts a Go HTTP request into the host's request, with
// header names lower-cased as Envoy's HTTP codecs deliver them.
func toHostRequest(r *http.Request, body []byte) *host.Request {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}

	// RequestURI is the request target exactly as the client sent it, which
	// is what Envoy hands the filter as :path.
	req := &host.Request{
		Worker:        host.AnyWorker,
		Method:        r.Method,
		Path:          r.RequestURI,
		Authority:     r.Host,
		Scheme:        scheme,
		Body:          body,
		SourceAddress: r.RemoteAddr,
	}
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		for _, value := range values {
			req.Headers = append(req.Headers, [2]string{lower, value})
		}
	}
	return req
}

func writeResponse(w http.ResponseWriter, response *host.Response) {
	for _, header := range response.Headers {
		if strings.HasPrefix(header[0], ":") || strings.EqualFold(header[0], "content-length") {
			continue
		}
		w.Header().Add(header[0], header[1])
	}
	w.WriteHeader(response.Status)
	w.Write(response.Body)
}

// echoUpstream responds with the method, path and headers it received, so a
// developer can see what the filter forwarded.
func echoUpstream(req *host.UpstreamRequest) *host.Response {
	headers := map[string]string{}
	for _, header := range req.Headers {
		if strings.HasPrefix(header[0], ":") {
			continue
		}
		if previous, ok := headers[header[0]]; ok {
			headers[header[0]] = previous + ", " + header[1]
		} else {
			headers[header[0]] = header[1]
		}
	}

	body, _ := json.MarshalIndent(map[string]any{
		"method":  req.Method,
		"path":    req.Path,
		"headers": headers,
	}, "", "  ")
	return &host.Response{
		Status:  http.StatusOK,
		Headers: [][2]string{{"content-type", "application/json"}},
		Body:    append(body, '\n'),
	}
}

// forwardTo returns an upstream that sends each allowed request to base.
func forwardTo(base *url.URL, logger *log.Logger) host.Upstream {
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	return func(req *host.UpstreamRequest) *host.Response {
		// req.Path is the :path the filter left, already in wire form.
		target := strings.TrimSuffix(base.String(), "/") + req.Path

		out, err := http.NewRequest(req.Method, target, bytes.NewReader(req.Body))
		if err != nil {
			return textResponse(http.StatusBadGateway, "invalid upstream request")
		}
		for _, header := range req.Headers {
			if !strings.HasPrefix(header[0], ":") {
				out.Header.Add(header[0], header[1])
			}
		}
		out.Host = req.Authority

		resp, err := client.Do(out)
		if err != nil {
			logger.Printf("upstream request failed: %v", err)
			return textResponse(http.StatusServiceUnavailable, "upstream connect error")
		}
		defer resp.Body.Close()

		respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxRequestBody))
		if err != nil {
			return textResponse(http.StatusBadGateway, "upstream response unreadable")
		}
		response := &host.Response{Status: resp.StatusCode, Body: respBody}
		for name, values := range resp.Header {
			for _, value := range values {
				response.Headers = append(response.Headers, [2]string{strings.ToLower(name), value})
			}
		}
		return response
	}
}

// writeJSONError sends one of serve's own errors in the filter's reply shape.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]string{"code": code, "message": message})
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func textResponse(status int, text string) *host.Response {
	return &host.Response{
		Status:  status,
		Headers: [][2]string{{"content-type", "text/plain"}},
		Body:    []byte(text + "\n"),
	}
}

// filterState returns a filter-state value that the filter set on the
// request, such as its decision, or "" when it set none.
func filterState(result *host.Result, name string) string {
	return string(result.FilterState["wasm."+name])
}

// clientID returns the key id that the filter sent upstream, or "" when the
// request did not reach the upstream or was not authenticated.
func (p *proxy) clientID(result *host.Result) string {
	if result.Upstream == nil {
		return ""
	}
	return result.Upstream.Header(p.identityHeader)
}
