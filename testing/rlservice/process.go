package rlservice

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long Redis or the service may take to become
// ready. Both take well under a second on loopback.
const startTimeout = 10 * time.Second

// process is one child process that can be stopped and started again with
// the same arguments. Its output is appended to a log file.
type process struct {
	name    string
	path    string
	args    []string
	env     []string
	logPath string

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
}

// newProcess returns a stopped process whose log file is in dir. It registers
// a cleanup that kills the process and prints the log when tb failed.
func newProcess(tb testing.TB, dir, name, path string, args, env []string) *process {
	p := &process{
		name:    name,
		path:    path,
		args:    args,
		env:     env,
		logPath: dir + "/" + name + ".log",
	}
	tb.Cleanup(func() {
		p.stop()
		if tb.Failed() {
			tb.Logf("%s log (%s):\n%s", name, p.logPath, p.log())
		}
	})
	return p
}

// start runs the process in its own process group, so that stop reaches any
// child it forks.
func (p *process) start() error {
	if p.running() {
		return fmt.Errorf("rlservice: %s is already running", p.name)
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("rlservice: open log file %s failed: %w", p.logPath, err)
	}
	defer logFile.Close()

	cmd := exec.Command(p.path, p.args...)
	cmd.Env = p.env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = childAttributes()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("rlservice: start %s failed: %w", p.path, err)
	}

	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

// running reports whether the process was started and has not exited.
func (p *process) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop kills the process group with SIGKILL and waits for the process to
// exit. It does nothing when the process is not running.
func (p *process) stop() {
	if p.cmd == nil {
		return
	}
	if p.running() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-p.done
	p.cmd = nil
}

// signal sends sig to the process group.
func (p *process) signal(sig syscall.Signal) error {
	if !p.running() {
		return fmt.Errorf("rlservice: cannot send %s to %s: it is not running", sig, p.name)
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("rlservice: send %s to %s failed: %w", sig, p.name, err)
	}
	return nil
}

// log returns the content of the log file.
func (p *process) log() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(log file unreadable: %v)", err)
	}
	return string(data)
}

// waitReady calls ready every 10 ms until it returns nil or an error
// wrapping errStartFailed, the process exits or startTimeout passes.
func (p *process) waitReady(ready func() error) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if errors.Is(err, errStartFailed) {
			return err
		}
		if !p.running() {
			return fmt.Errorf("rlservice: %s exited before it was ready (%v); see its log %s", p.name, err, p.logPath)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rlservice: %s not ready after %s: %w", p.name, startTimeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freePorts returns n distinct TCP ports that were free on 127.0.0.1 when
// they were picked. Another process may take one before the caller binds it.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()

	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rlservice: pick a free loopback port failed: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// loopback returns "127.0.0.1:port".
func loopback(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// errStartFailed is wrapped by readiness checks that found a failure that
// waiting cannot fix.
var errStartFailed = errors.New("start failed")

// errNotReady is returned by readiness checks that got a response, but not the
// expected one.
var errNotReady = errors.New("not ready")
