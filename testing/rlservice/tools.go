package rlservice

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ServiceVersion is the pinned version of github.com/envoyproxy/ratelimit,
// a pseudo-version of the main branch from January 2026.
const ServiceVersion = "v1.4.1-0.20260122083618-3fb702589d36"

// servicePackage is the main package of the rate limit service.
const servicePackage = "github.com/envoyproxy/ratelimit/src/service_cmd"

// Tools contains the absolute paths of the two programs the tests run.
type Tools struct {
	// RedisServer is the redis-server executable.
	RedisServer string
	// Service is the rate limit service executable, built at ServiceVersion.
	Service string
}

var (
	ensureOnce  sync.Once
	ensureTools Tools
	ensureErr   error
)

// Ensure finds or installs redis-server and builds the rate limit service
// into build/tools/ratelimit-<ServiceVersion>/ under the module root. It
// does the work once per process. Several processes may call it at the same
// time, because a lock file under build/tools serializes them.
//
// redis-server is looked up in PATH and in /usr/bin and /usr/sbin. When it is
// missing and the user is root, Ensure runs `apt-get update` and
// `apt-get install -y redis-server`. Otherwise it returns an error that names
// the package to install.
func Ensure() (Tools, error) {
	ensureOnce.Do(func() {
		ensureTools, ensureErr = ensure()
	})
	return ensureTools, ensureErr
}

func ensure() (Tools, error) {
	root, err := moduleRoot()
	if err != nil {
		return Tools{}, err
	}

	dir := filepath.Join(root, "build", "tools")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Tools{}, fmt.Errorf("rlservice: create tool directory %s failed: %w", dir, err)
	}
	unlock, err := lockFile(filepath.Join(dir, ".lock"))
	if err != nil {
		return Tools{}, err
	}
	defer unlock()

	redis, err := ensureRedis()
	if err != nil {
		return Tools{}, err
	}
	service, err := ensureService(dir)
	if err != nil {
		return Tools{}, err
	}
	return Tools{RedisServer: redis, Service: service}, nil
}

// moduleRoot returns the nearest directory at or above the working
// directory that contains a go.mod file.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("rlservice: read working directory failed: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("rlservice: no go.mod found at or above the working directory; run inside the bulwark module")
		}
		dir = parent
	}
}

// lockFile takes an exclusive flock on path and returns its release.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("rlservice: open lock file %s failed: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("rlservice: lock %s failed: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// findRedis returns the path of redis-server, or "" when it is not installed.
func findRedis() string {
	if path, err := exec.LookPath("redis-server"); err == nil {
		return path
	}
	for _, path := range []string{"/usr/bin/redis-server", "/usr/sbin/redis-server"} {
		if info, err := os.Stat(path); err == nil && info.Mode()&0o111 != 0 {
			return path
		}
	}
	return ""
}

func ensureRedis() (string, error) {
	if path := findRedis(); path != "" {
		return path, nil
	}

	const hint = "install it with `sudo apt-get install redis-server` (Debian, Ubuntu) or put redis-server 7 in PATH"
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("rlservice: redis-server not found in PATH and not running as root, so it cannot be installed here; %s", hint)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", fmt.Errorf("rlservice: redis-server not found and apt-get is missing; %s", hint)
	}

	fmt.Fprintln(os.Stderr, "rlservice: redis-server not found; installing it with apt-get")
	for _, args := range [][]string{
		{"update"},
		{"install", "-y", "--no-install-recommends", "redis-server"},
	} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("rlservice: apt-get %s failed: %w\n%s\n%s", strings.Join(args, " "), err, tail(out), hint)
		}
	}

	if path := findRedis(); path != "" {
		return path, nil
	}
	return "", fmt.Errorf("rlservice: apt-get installed redis-server but no redis-server executable was found; %s", hint)
}

// ensureService builds the service into dir/ratelimit-<version>/ unless it
// is there. The go command writes into a temporary directory, which is then
// renamed, so an interrupted build never leaves a partial executable behind.
func ensureService(dir string) (string, error) {
	final := filepath.Join(dir, "ratelimit-"+ServiceVersion)
	binary := filepath.Join(final, "service_cmd")
	if _, err := os.Stat(binary); err == nil {
		return binary, nil
	}

	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = "/usr/local/go/bin/go"
		if _, statErr := os.Stat(goTool); statErr != nil {
			return "", errors.New("rlservice: the go command is not in PATH and not at /usr/local/go/bin/go; install Go 1.26 to build the rate limit service")
		}
	}

	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return "", fmt.Errorf("rlservice: create build directory in %s failed: %w", dir, err)
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(os.Stderr, "rlservice: building %s@%s (one to two minutes the first time)\n", servicePackage, ServiceVersion)
	start := time.Now()
	cmd := exec.Command(goTool, "install", servicePackage+"@"+ServiceVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("rlservice: go install %s@%s failed: %w\n%s\ncheck that the Go module proxy (GOPROXY) is reachable, or build it yourself with GOBIN=%s",
			servicePackage, ServiceVersion, err, tail(out), final)
	}

	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("rlservice: move the built service to %s failed: %w", final, err)
	}
	fmt.Fprintf(os.Stderr, "rlservice: built %s in %.1f s\n", binary, time.Since(start).Seconds())
	return binary, nil
}

// tail returns the last 2,000 bytes of a command's output.
func tail(out []byte) string {
	const limit = 2000
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return strings.TrimSpace(string(out))
}
