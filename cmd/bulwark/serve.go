package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// maxRequestBody bounds the request body that serve buffers before handing
// it to the filter, as Envoy's per-connection buffer limit does.
const maxRequestBody = 16 << 20

// clusterFlags collects repeated -cluster NAME=URL flags.
type clusterFlags map[string]string

func (c clusterFlags) String() string { return fmt.Sprint(map[string]string(c)) }

func (c clusterFlags) Set(value string) error {
	name, rawURL, ok := strings.Cut(value, "=")
	if !ok || name == "" || rawURL == "" {
		return fmt.Errorf("invalid -cluster %q: expected NAME=URL, for example ratelimit=http://127.0.0.1:8081", value)
	}
	if _, err := parseHTTPURL(rawURL); err != nil {
		return fmt.Errorf("invalid -cluster %q: %v", value, err)
	}
	c[name] = rawURL
	return nil
}

// serveOptions are the flags of the serve command.
type serveOptions struct {
	configPath string
	listen     string
	upstream   string
	workers    int
	wasmPath   string
	logLevel   string
	clusters   clusterFlags

	// cache keeps wazero's compiled code between runs; nil compiles anew.
	cache wazero.CompilationCache
}

func runServe(args []string, stdout, stderr io.Writer) int {
	opts := serveOptions{clusters: clusterFlags{}}
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&opts.configPath, "config", "", "plugin configuration file (JSON); none means every default")
	flags.StringVar(&opts.listen, "listen", "127.0.0.1:8080", "address to listen on")
	flags.StringVar(&opts.upstream, "upstream", "", "base URL of the upstream; none means a built-in echo upstream")
	flags.IntVar(&opts.workers, "workers", 2, "number of worker VMs, as Envoy runs one per worker thread")
	flags.StringVar(&opts.wasmPath, "wasm", "build/bulwark.wasm", "the filter module (make build writes it)")
	flags.StringVar(&opts.logLevel, "log-level", "info", "lowest level of the filter's log lines to print: trace, debug, info, warn, error or critical")
	flags.Var(opts.clusters, "cluster", "upstream cluster for the filter's HTTP callouts, as NAME=URL (repeatable)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 0 {
		fmt.Fprintf(stderr, "bulwark serve: unexpected argument %q\n", flags.Arg(0))
		return 2
	}
	if _, err := parseLogLevel(opts.logLevel); err != nil {
		fmt.Fprintf(stderr, "bulwark serve: %v\n", err)
		return 2
	}
	if opts.workers < 1 || opts.workers > 64 {
		fmt.Fprintf(stderr, "bulwark serve: invalid -workers %d: use 1 to 64\n", opts.workers)
		return 2
	}

	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	opts.cache = diskCache(logger)
	if err := serve(opts, logger); err != nil {
		fmt.Fprintf(stderr, "bulwark serve: %v\n", err)
		return 1
	}
	return 0
}

// serve loads the filter, listens, and proxies until SIGINT or SIGTERM.
func serve(opts serveOptions, logger *log.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	proxy, err := newProxy(ctx, opts, logger)
	if err != nil {
		return err
	}
	defer proxy.Close(context.Background())

	listener, err := net.Listen("tcp", opts.listen)
	if err != nil {
		return fmt.Errorf("listening on %s failed: %w", opts.listen, err)
	}

	server := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdown)
	}()

	upstream := opts.upstream
	if upstream == "" {
		upstream = "built-in echo"
	}
	logger.Printf("bulwark serve: listening on http://%s (workers=%d, upstream=%s, config=%s)",
		listener.Addr(), opts.workers, upstream, orDefault(opts.configPath, "none"))

	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Printf("bulwark serve: stopped")
	return nil
}

// diskCache returns a compilation cache in the user's cache folder, so that
// serve starts in a fraction of a second after its first run. Without a
// usable folder it returns nil and serve compiles the module every time.
func diskCache(logger *log.Logger) wazero.CompilationCache {
	dir, err := os.UserCacheDir()
	if err == nil {
		var cache wazero.CompilationCache
		if cache, err = wazero.NewCompilationCacheWithDir(filepath.Join(dir, "bulwark", "wazero")); err == nil {
			return cache
		}
	}
	logger.Printf("bulwark serve: no compilation cache, the module is compiled on every start: %v", err)
	return nil
}

func parseHTTPURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("expected an absolute http:// or https:// URL, got %q", rawURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("expected a URL without query or fragment, got %q", rawURL)
	}
	return u, nil
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// parseLogLevel converts a -log-level name to the proxy-wasm log level.
func parseLogLevel(name string) (host.LogLevel, error) {
	levels := map[string]host.LogLevel{
		"trace": host.LogTrace, "debug": host.LogDebug, "info": host.LogInfo,
		"warn": host.LogWarn, "error": host.LogError, "critical": host.LogCritical,
	}
	level, ok := levels[strings.ToLower(name)]
	if !ok {
		return 0, fmt.Errorf("invalid -log-level %q: use trace, debug, info, warn, error or critical", name)
	}
	return level, nil
}
