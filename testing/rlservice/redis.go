package rlservice

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Redis is a redis-server process on a loopback port, without persistence:
// a restart starts with an empty database.
type Redis struct {
	tb   testing.TB
	port int
	proc *process
}

// StartRedis starts redis-server on a free port of 127.0.0.1 and waits until
// it returns PONG to PING. It fails tb when Ensure fails or Redis does not start,
// and stops Redis when tb ends.
//
// Another process can take the port between freePorts and Redis's bind,
// and Redis then exits at once. So a start that fails is tried again on a
// new port, up to startAttempts times.
func StartRedis(tb testing.TB) *Redis {
	tb.Helper()
	tools, err := Ensure()
	if err != nil {
		tb.Fatal(err)
	}

	for attempt := 1; ; attempt++ {
		r, err := startRedisOnce(tb, tools.RedisServer)
		if err == nil {
			return r
		}
		if attempt == startAttempts {
			tb.Fatal(err)
		}
		tb.Logf("redis did not start, trying another port: %v", err)
	}
}

// startAttempts is how many ports StartRedis tries.
const startAttempts = 3

// startRedisOnce starts redis-server on a port that freePorts picks.
func startRedisOnce(tb testing.TB, server string) (*Redis, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}

	dir := tb.TempDir()
	args := []string{
		"--port", strconv.Itoa(ports[0]),
		"--bind", "127.0.0.1",
		"--protected-mode", "yes",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--logfile", "",
		"--daemonize", "no",
	}
	r := &Redis{
		tb:   tb,
		port: ports[0],
		proc: newProcess(tb, dir, "redis", server, args, nil),
	}
	if err := r.proc.start(); err != nil {
		return nil, err
	}
	if err := r.proc.waitReady(r.ping); err != nil {
		r.proc.stop()
		return nil, err
	}
	return r, nil
}

// Addr returns the host:port Redis listens on.
func (r *Redis) Addr() string {
	return loopback(r.port)
}

// Start starts Redis again on the same port after Stop and waits until it
// returns PONG to PING. The database starts empty.
func (r *Redis) Start() {
	r.tb.Helper()
	if err := r.proc.start(); err != nil {
		r.tb.Fatal(err)
	}
	if err := r.proc.waitReady(r.ping); err != nil {
		r.tb.Fatal(err)
	}
}

// Stop kills Redis with SIGKILL, as a crash would, and waits for it to exit.
// Clients see their connections reset and new connections refused.
func (r *Redis) Stop() {
	r.proc.stop()
}

// Pause stops Redis with SIGSTOP: its port still accepts connections, but
// Redis reads and sends nothing until Resume, as over a lost network.
func (r *Redis) Pause() {
	r.tb.Helper()
	if err := r.proc.signal(syscall.SIGSTOP); err != nil {
		r.tb.Fatal(err)
	}
}

// Resume continues Redis after Pause with SIGCONT.
func (r *Redis) Resume() {
	r.tb.Helper()
	if err := r.proc.signal(syscall.SIGCONT); err != nil {
		r.tb.Fatal(err)
	}
}

// ping sends PING in the Redis protocol and expects +PONG.
func (r *Redis) ping() error {
	conn, err := net.DialTimeout("tcp", r.Addr(), time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()

	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("%w: PING returned %q", errNotReady, line)
	}
	return nil
}
