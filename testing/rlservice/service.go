package rlservice

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Service is an envoyproxy/ratelimit process serving one limits file, with
// its HTTP, gRPC and debug listeners on loopback ports.
type Service struct {
	tb        testing.TB
	httpPort  int
	grpcPort  int
	debugPort int
	proc      *process

	// strictLimits makes the start fail when the service rejects the limits
	// file, which it otherwise only logs.
	strictLimits bool
}

// StartService writes limitsYAML into a runtime directory under
// tb.TempDir(), starts the service against r on free ports of 127.0.0.1 and
// waits until GET /healthcheck returns 200. Each entry of settings is a
// KEY=VALUE environment variable of the service (src/settings/settings.go)
// that overrides the defaults of serviceEnv. It fails tb when the service
// does not become healthy, and stops the service when tb ends.
//
// The service exits at start when Redis does not return PONG to PING, so
// StartService needs r running. A limits file that the service rejects
// fails the start too.
func StartService(tb testing.TB, r *Redis, limitsYAML string, settings ...string) *Service {
	tb.Helper()
	s, err := startService(tb, r, limitsYAML, settings)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// startService is StartService returning errors instead of failing tb, so
// that tests can check how the service fails to start.
func startService(tb testing.TB, r *Redis, limitsYAML string, settings []string) (*Service, error) {
	tb.Helper()
	tools, err := Ensure()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}

	dir := tb.TempDir()
	runtimeRoot := filepath.Join(dir, "runtime")
	configDir := filepath.Join(runtimeRoot, "ratelimit", "config")
	if err := os.MkdirAll(configDir, 0o755); err != nil {
		return nil, fmt.Errorf("rlservice: create runtime directory failed: %w", err)
	}
	if err := os.WriteFile(filepath.Join(configDir, "limits.yaml"), []byte(limitsYAML), 0o644); err != nil {
		return nil, fmt.Errorf("rlservice: write limits file failed: %w", err)
	}

	s := &Service{tb: tb, httpPort: ports[0], grpcPort: ports[1], debugPort: ports[2]}
	env := append(s.serviceEnv(r, runtimeRoot), settings...)
	s.strictLimits = slices.Contains(env, "HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED=true") &&
		!slices.Contains(settings, "HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED=false")
	s.proc = newProcess(tb, dir, "ratelimit", tools.Service, nil, env)
	return s, s.start()
}

// serviceEnv returns the service's settings: every listener on 127.0.0.1,
// statistics off, Redis over TCP with a 1 s REDIS_TIMEOUT, and the
// limits file read from runtimeRoot/ratelimit/config/. The process gets no
// other environment variable, so a PORT or REDIS_URL of the caller's
// environment cannot leak into it.
func (s *Service) serviceEnv(r *Redis, runtimeRoot string) []string {
	return []string{
		"HOST=127.0.0.1",
		"PORT=" + strconv.Itoa(s.httpPort),
		"GRPC_HOST=127.0.0.1",
		"GRPC_PORT=" + strconv.Itoa(s.grpcPort),
		"DEBUG_HOST=127.0.0.1",
		"DEBUG_PORT=" + strconv.Itoa(s.debugPort),
		"USE_STATSD=false",
		"DISABLE_STATS=true",
		"LOG_LEVEL=warn",
		"REDIS_SOCKET_TYPE=tcp",
		"REDIS_TYPE=SINGLE",
		"REDIS_URL=" + r.Addr(),
		"REDIS_TIMEOUT=1s",
		"LOCAL_CACHE_SIZE_IN_BYTES=0",
		"RUNTIME_ROOT=" + runtimeRoot,
		"RUNTIME_SUBDIRECTORY=ratelimit",
		"RUNTIME_WATCH_ROOT=false",
		"RUNTIME_IGNOREDOTFILES=true",
		"HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED=true",
	}
}

// URL returns the base URL of the HTTP listener, like http://127.0.0.1:PORT.
// The JSON API is at URL()+"/json".
func (s *Service) URL() string {
	return "http://" + loopback(s.httpPort)
}

// GRPCAddr returns the host:port of the gRPC listener.
func (s *Service) GRPCAddr() string {
	return loopback(s.grpcPort)
}

// Start starts the service again on the same ports after Stop and waits
// until it is healthy. Counters live in Redis, so they survive a restart.
func (s *Service) Start() {
	s.tb.Helper()
	if err := s.start(); err != nil {
		s.tb.Fatal(err)
	}
}

func (s *Service) start() error {
	if err := s.proc.start(); err != nil {
		return err
	}
	return s.proc.waitReady(s.healthy)
}

// Stop kills the service with SIGKILL and waits for it to exit, so its
// ports refuse connections at once.
func (s *Service) Stop() {
	s.proc.stop()
}

// Log returns what the service has written to stdout and stderr so far.
func (s *Service) Log() string {
	return s.proc.log()
}

var healthClient = &http.Client{Timeout: time.Second}

// configErrorPattern matches the log line of a limits file the service
// rejected, with the reason.
var configErrorPattern = regexp.MustCompile(`Error loading new configuration: ([^"]*)`)

// healthy returns nil when GET /healthcheck returns 200, and an error that
// ends the wait when the service rejected the limits file.
func (s *Service) healthy() error {
	if s.strictLimits {
		if m := configErrorPattern.FindStringSubmatch(s.Log()); m != nil {
			return fmt.Errorf("rlservice: %w: the service rejected the limits file (%s); fix the limits YAML", errStartFailed, m[1])
		}
	}
	resp, err := healthClient.Get(s.URL() + "/healthcheck")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)

	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: /healthcheck returned %d", errNotReady, resp.StatusCode)
	}
	return nil
}
