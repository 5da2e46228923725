// Command testmod is a small proxy-wasm module for the host's tests. It uses
// no SDK: it imports the hostcalls and exports the callbacks directly, and
// runs commands that the test passes in request headers named
// x-on-<callback> (for streams) or in plugin-configuration lines
// "<callback>: commands" (for the root context). Commands are separated by
// ";", their arguments by spaces, and each argument is URL-unescaped.
// Results go to the filter-state key "wasm.test.out" (streams) or to info
// logs starting with "out: " (root).
package main

import (
	"encoding/binary"
	"net/url"
	"strconv"
	"strings"
)

func main() {}

type context struct {
	id    uint32
	root  bool
	cmds  map[string]string
	out   []string
	trace []string
	ret   int64
	eos   bool // the running body callback ends the message
}

var (
	contexts  = map[uint32]*context{}
	rootCmds  = map[string]string{}
	rootID    uint32
	callouts  = map[uint32]uint32{} // token → stream context id
	traceRoot []string
)

//go:wasmexport proxy_on_context_create
func onContextCreate(id, parent uint32) {
	keep = nil
	c := &context{id: id, root: parent == 0, cmds: map[string]string{}}
	contexts[id] = c
	if c.root {
		rootID = id
		for _, line := range strings.Split(string(bufferBytes(7)), "\n") {
			if phase, cmds, ok := strings.Cut(line, ":"); ok {
				rootCmds[strings.TrimSpace(phase)] = cmds
			}
		}
	}
	c.trace = append(c.trace, "create")
}

//go:wasmexport proxy_on_vm_start
func onVMStart(root, size uint32) uint32 {
	keep = nil
	return uint32(runRoot("on-vm-start", 1))
}

//go:wasmexport proxy_on_configure
func onConfigure(root, size uint32) uint32 {
	keep = nil
	return uint32(runRoot("on-configure", 1))
}

//go:wasmexport proxy_on_tick
func onTick(root uint32) {
	keep = nil
	runRoot("on-tick", 0)
}

//go:wasmexport proxy_on_queue_ready
func onQueueReady(root, token uint32) {
	keep = nil
	rootOut("queue-ready token=" + strconv.Itoa(int(token)))
	runRoot("on-queue", 0)
}

//go:wasmexport proxy_on_done
func onDone(id uint32) uint32 {
	keep = nil
	if id == rootID {
		return uint32(runRoot("on-done", 1))
	}
	return uint32(runStream(id, "done", 1))
}

//go:wasmexport proxy_on_delete
func onDelete(id uint32) {
	keep = nil
	if id == rootID {
		logAt(2, "out: root-deleted")
	} else {
		runStream(id, "delete", 0)
	}
	delete(contexts, id)
}

//go:wasmexport proxy_on_request_headers
func onRequestHeaders(id, n, eos uint32) uint32 {
	keep = nil
	c := contexts[id]
	var v, size uint32
	if proxyGetHeaderMapPairs(0, &v, &size) == 0 {
		for _, p := range parsePairs(bytesAt(v, size)) {
			if phase, ok := strings.CutPrefix(p[0], "x-on-"); ok {
				c.cmds[phase] = p[1]
			}
		}
	}
	return uint32(runStream(id, "request-headers", 0))
}

//go:wasmexport proxy_on_request_body
func onRequestBody(id, size, eos uint32) uint32 {
	keep = nil
	setEOS(id, eos)
	return uint32(runStream(id, "request-body", 0))
}

//go:wasmexport proxy_on_request_trailers
func onRequestTrailers(id, n uint32) uint32 {
	keep = nil
	return uint32(runStream(id, "request-trailers", 0))
}

//go:wasmexport proxy_on_response_headers
func onResponseHeaders(id, n, eos uint32) uint32 {
	keep = nil
	return uint32(runStream(id, "response-headers", 0))
}

//go:wasmexport proxy_on_response_body
func onResponseBody(id, size, eos uint32) uint32 {
	keep = nil
	setEOS(id, eos)
	return uint32(runStream(id, "response-body", 0))
}

//go:wasmexport proxy_on_response_trailers
func onResponseTrailers(id, n uint32) uint32 {
	keep = nil
	return uint32(runStream(id, "response-trailers", 0))
}

//go:wasmexport proxy_on_log
func onLog(id uint32) {
	keep = nil
	runStream(id, "log", 0)
}

//go:wasmexport proxy_on_http_call_response
func onHTTPCallResponse(root, token, headers, bodySize, trailers uint32) {
	keep = nil
	line := "callout-response token=" + strconv.Itoa(int(token)) + " headers=" + strconv.Itoa(int(headers)) +
		" body=" + strconv.Itoa(int(bodySize)) + " trailers=" + strconv.Itoa(int(trailers))
	var v, size uint32
	if k, kn := sptr(":status"); proxyGetHeaderMapValue(6, k, kn, &v, &size) == 0 {
		line += " status=" + string(bytesAt(v, size))
	}
	line += " text=" + url.PathEscape(string(bufferBytes(4)))
	stream, ok := callouts[token]
	delete(callouts, token)
	if !ok {
		rootOut(line)
		runRoot("on-callout", 0)
		return
	}
	st := proxySetEffectiveContext(stream)
	c := contexts[stream]
	if c == nil {
		rootOut(line + " stream-gone effective-status=" + strconv.Itoa(int(st)))
		return
	}
	c.out = append(c.out, line)
	runCommands(c, c.cmds["callout"])
	flush(c)
}

func setEOS(id, eos uint32) {
	if c := contexts[id]; c != nil {
		c.eos = eos != 0
	}
}

// runStream runs a stream callback's commands and returns its result.
func runStream(id uint32, phase string, ret int64) int64 {
	c := contexts[id]
	if c == nil {
		return ret
	}
	c.trace = append(c.trace, phase)
	c.ret = ret
	runCommands(c, c.cmds[phase])
	flush(c)
	return c.ret
}

func runRoot(phase string, ret int64) int64 {
	c := contexts[rootID]
	c.ret = ret
	runCommands(c, rootCmds[phase])
	for _, line := range c.out {
		logAt(2, "out: "+line)
	}
	c.out = nil
	return c.ret
}

func rootOut(line string) { logAt(2, "out: "+line) }

// flush stores a stream's output and callback trace as filter state, once
// the stream has commands.
func flush(c *context) {
	if len(c.cmds) == 0 {
		return
	}
	setProperty("test.out", strings.Join(c.out, "\n"))
	setProperty("test.trace", strings.Join(c.trace, ","))
}

func setProperty(name, value string) {
	p, n := sptr(name)
	v, m := sptr(value)
	proxySetProperty(p, n, v, m)
}

func logAt(level uint32, msg string) {
	p, n := sptr(msg)
	proxyLog(level, p, n)
}

func bufferBytes(bt uint32) []byte {
	var v, size uint32
	if proxyGetBufferBytes(bt, 0, 1<<30, &v, &size) != 0 {
		return nil
	}
	return bytesAt(v, size)
}

// parsePairs decodes a header map leniently: it stops at the first
// inconsistency instead of panicking.
func parsePairs(b []byte) [][2]string {
	if len(b) < 4 {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(b))
	if 4+8*n > len(b) {
		return nil
	}
	pos := 4 + 8*n
	var out [][2]string
	for i := 0; i < n; i++ {
		k := int(binary.LittleEndian.Uint32(b[4+8*i:]))
		v := int(binary.LittleEndian.Uint32(b[8+8*i:]))
		if pos+k+v+2 > len(b) {
			return out
		}
		out = append(out, [2]string{string(b[pos : pos+k]), string(b[pos+k+1 : pos+k+1+v])})
		pos += k + v + 2
	}
	return out
}

// parsePairsStrict decodes a header map trusting its counts, like an SDK
// deserializer: a count larger than the data panics with an index out of
// range.
func parsePairsStrict(b []byte) [][2]string {
	n := int(binary.LittleEndian.Uint32(b))
	pos := 4 + 8*n
	out := make([][2]string, n)
	for i := 0; i < n; i++ {
		k := int(binary.LittleEndian.Uint32(b[4+8*i:]))
		v := int(binary.LittleEndian.Uint32(b[8+8*i:]))
		out[i] = [2]string{string(b[pos : pos+k]), string(b[pos+k+1 : pos+k+1+v])}
		pos += k + v + 2
	}
	return out
}

func serializePairs(pairs [][2]string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(pairs)))
	for _, p := range pairs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[0])))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p[1])))
	}
	for _, p := range pairs {
		b = append(append(append(append(b, p[0]...), 0), p[1]...), 0)
	}
	return b
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func unescape(s string) string {
	if s == "-" {
		return ""
	}
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}
