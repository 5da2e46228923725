package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// runCommands runs "cmd arg…; cmd arg…" for context c.
func runCommands(c *context, script string) {
	for _, cmd := range strings.Split(script, ";") {
		fields := strings.Fields(cmd)
		if len(fields) == 0 {
			continue
		}
		args := make([]string, len(fields)-1)
		for i, f := range fields[1:] {
			args[i] = unescape(f)
		}
		run(c, fields[0], args)
	}
}

func out(c *context, format ...string) { c.out = append(c.out, strings.Join(format, " ")) }

func st(status uint32) string { return "st=" + strconv.Itoa(int(status)) }

func u(s string) uint32 { return uint32(atoi(s)) }

func run(c *context, name string, a []string) {
	if runHeaderCommand(c, name, a) || runStateCommand(c, name, a) {
		return
	}
	switch name {
	case "ret":
		c.ret = atoi(a[0])
	case "reteos": // return value for the final body chunk only
		if c.eos {
			c.ret = atoi(a[0])
		}
	case "log":
		p, n := sptr(a[1])
		out(c, "log", st(proxyLog(u(a[0]), p, n)))
	case "stdout":
		os.Stdout.WriteString(a[0] + "\n")
	case "stderr":
		os.Stderr.WriteString(a[0] + "\n")
	case "reply":
		reply(c, a)
	case "continue":
		out(c, "continue", st(proxyContinueStream(u(a[0]))))
	case "close":
		out(c, "close", st(proxyCloseStream(u(a[0]))))
	case "callout":
		callout(c, a)
	case "tick":
		out(c, "tick", st(proxySetTickPeriod(u(a[0]))))
	case "effective":
		out(c, "effective", st(proxySetEffectiveContext(u(a[0]))))
	case "done":
		out(c, "done", st(proxyDone()))
	case "status":
		var code, v, size uint32
		s := proxyGetStatus(&code, &v, &size)
		out(c, "status", st(s), "code="+strconv.Itoa(int(code)), "message="+string(bytesAt(v, size)))
	case "loglevel":
		var level uint32
		s := proxyGetLogLevel(&level)
		out(c, "loglevel", st(s), "level="+strconv.Itoa(int(level)))
	case "time":
		var ns uint64
		s := proxyGetCurrentTime(&ns)
		out(c, "time", st(s), "host="+strconv.FormatUint(ns, 10), "wasi="+strconv.FormatInt(time.Now().UnixNano(), 10))
	case "rand":
		b := make([]byte, atoi(a[0]))
		_, err := rand.Read(b)
		out(c, "rand", "n="+strconv.Itoa(len(b)), "ok="+strconv.FormatBool(err == nil))
	case "gc":
		runtime.GC()
		out(c, "gc")
	case "exit":
		os.Exit(int(atoi(a[0])))
		out(c, "exit returned")
	case "alloc-fail":
		failNextAlloc = true
	case "trap":
		var m map[string]int
		m["unrecovered"] = 1 // assignment to a nil map: an unrecovered runtime panic
	case "badmem":
		out(c, "badmem", st(proxyLog(2, unsafeAt(0xFFFFFF00), 1024)))
	case "foreign":
		foreign(c, a)
	default:
		out(c, "unknown-command", name)
	}
}

func reply(c *context, a []string) {
	var headers [][2]string
	for i := 4; i+1 < len(a); i += 2 {
		headers = append(headers, [2]string{a[i], a[i+1]})
	}
	h := serializePairs(headers)
	d, dn := sptr(a[1])
	b, bn := sptr(a[2])
	s := proxySendLocalResponse(u(a[0]), d, dn, b, bn, ptr(h), uint32(len(h)), int32(atoi(a[3])))
	out(c, "reply", st(s))
}

// callout: CLUSTER METHOD PATH AUTHORITY TIMEOUT [BODY]; "-" omits a header.
func callout(c *context, a []string) {
	var headers [][2]string
	for i, name := range []string{":method", ":path", ":authority"} {
		if a[i+1] != "" {
			headers = append(headers, [2]string{name, a[i+1]})
		}
	}
	headers = append(headers, [2]string{"x-callout", "1"})
	h := serializePairs(headers)
	var body []byte
	if len(a) > 5 {
		body = []byte(a[5])
	}
	cl, cn := sptr(a[0])
	var token uint32
	s := proxyHTTPCall(cl, cn, ptr(h), uint32(len(h)), ptr(body), uint32(len(body)), nil, 0, u(a[4]), &token)
	if s == 0 && !c.root {
		callouts[token] = c.id
	}
	out(c, "callout", st(s), "token="+strconv.Itoa(int(token)))
}

func foreign(c *context, a []string) {
	args, _ := hex.DecodeString(a[1])
	n, nn := sptr(a[0])
	var v, size uint32
	s := proxyCallForeignFunction(n, nn, ptr(args), uint32(len(args)), &v, &size)
	out(c, "foreign", st(s), "hex="+hex.EncodeToString(bytesAt(v, size)))
}
