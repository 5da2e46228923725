package host

import (
	"encoding/binary"
	"net"
	"strconv"
	"strings"
)

// Property roots that Envoy resolves from stream info (CEL attributes);
// they are NotFound in root contexts.
var streamRoots = map[string]bool{
	"request": true, "response": true, "connection": true, "upstream": true,
	"source": true, "destination": true, "metadata": true, "filter_state": true,
	"upstream_filter_state": true,
}

func hostGetProperty(w *worker, p []uint64) Status {
	path, ok := w.readString(u32(p[0]), u32(p[1]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("path=%q", strings.ReplaceAll(path, "\x00", "."))
	}
	value, st := w.property(path)
	if st != StatusOK {
		return st
	}
	return w.writeResult(value, u32(p[2]), u32(p[3]))
}

func hostSetProperty(w *worker, p []uint64) Status {
	path, ok1 := w.readString(u32(p[0]), u32(p[1]))
	value, ok2 := w.readBytes(u32(p[2]), u32(p[3]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("path=%q", path)
	}
	s := w.activeStream()
	if s == nil {
		return StatusNotFound
	}
	s.filterState["wasm."+path] = value
	return StatusOK
}

// property resolves a NUL-separated property path as Envoy's
// Context::getProperty does: attribute roots, then the Wasm plugin names,
// then the filter-state object "wasm.<first segment>".
func (w *worker) property(path string) ([]byte, Status) {
	path = strings.TrimSuffix(path, "\x00")
	if path == "" {
		return nil, StatusSerializationFailure
	}
	segments := strings.Split(path, "\x00")
	s := w.activeStream()
	root, rest := segments[0], segments[1:]
	o := &w.host.opts
	switch {
	case root == "plugin_name":
		return leaf(rest, []byte(o.PluginName))
	case root == "plugin_root_id":
		return leaf(rest, []byte(o.RootID))
	case root == "plugin_vm_id":
		return leaf(rest, []byte(o.VMID))
	case s == nil:
		return nil, StatusNotFound
	case root == "connection_id":
		return leaf(rest, encodeInt(int64(s.connectionID)))
	case root == "xds":
		return s.xdsProperty(rest)
	case streamRoots[root]:
		return s.attribute(root, rest)
	}
	if v, ok := s.filterState["wasm."+root]; ok {
		return leaf(rest, v)
	}
	return nil, StatusNotFound
}

// leaf returns a scalar value, which has no further segments.
func leaf(rest []string, v []byte) ([]byte, Status) {
	if len(rest) > 0 {
		return nil, StatusNotFound
	}
	return v, StatusOK
}

func (s *Stream) xdsProperty(rest []string) ([]byte, Status) {
	if len(rest) != 1 {
		return nil, StatusNotFound
	}
	switch v := ""; rest[0] {
	case "route_name":
		v = s.req.RouteName
		if v != "" {
			return []byte(v), StatusOK
		}
	case "cluster_name":
		v = s.req.ClusterName
		if v != "" {
			return []byte(v), StatusOK
		}
	}
	return nil, StatusNotFound
}

// attribute resolves the CEL attribute roots of Envoy's
// filters/common/expr/context.h.
func (s *Stream) attribute(root string, rest []string) ([]byte, Status) {
	if len(rest) == 0 {
		// A whole attribute message has no serialization in Envoy.
		return nil, StatusSerializationFailure
	}
	name, more := rest[0], rest[1:]
	switch root {
	case "request":
		return s.requestAttribute(name, more)
	case "response":
		return s.responseAttribute(name, more)
	case "source":
		return addressAttribute(orDefault(s.req.SourceAddress, "127.0.0.1:40000"), name, more)
	case "destination":
		return addressAttribute(orDefault(s.req.DestinationAddress, "127.0.0.1:10000"), name, more)
	case "connection":
		return s.connectionAttribute(name, more)
	case "filter_state":
		if v, ok := s.filterState[name]; ok {
			return leaf(more, v)
		}
	}
	return nil, StatusNotFound
}

// requestHeadersForProperties returns the request headers while Envoy's
// pointer to them is set (or the final ones in proxy_on_log).
func (s *Stream) requestHeadersForProperties() *headerMap {
	if s.request.headersOpen || s.inLog {
		return s.reqHeaders
	}
	return nil
}

// requestHeaderAttributes maps request.* names to the header they read.
var requestHeaderAttributes = map[string]string{
	"path": ":path", "host": ":authority", "scheme": ":scheme", "method": ":method",
	"referer": "referer", "useragent": "user-agent", "id": "x-request-id",
}

func (s *Stream) requestAttribute(name string, more []string) ([]byte, Status) {
	switch name {
	case "time":
		return leaf(more, encodeInt(s.start.UnixNano()))
	case "protocol":
		return leaf(more, []byte(orDefault(s.req.Protocol, "HTTP/1.1")))
	case "duration":
		if !s.inLog {
			return nil, StatusNotFound
		}
		return leaf(more, encodeInt(int64(s.w.host.clock.Monotonic()-s.startMono)))
	}
	m := s.requestHeadersForProperties()
	if m == nil {
		return nil, StatusNotFound
	}
	if name == "headers" {
		return headersAttribute(m, more)
	}
	if key, ok := requestHeaderAttributes[name]; ok {
		if v, found := m.get(key); found {
			return leaf(more, []byte(v))
		}
		return nil, StatusNotFound
	}
	path, _ := m.get(":path")
	switch name {
	case "url_path":
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		return leaf(more, []byte(path))
	case "query":
		_, query, _ := strings.Cut(path, "?")
		return leaf(more, []byte(query))
	}
	return nil, StatusNotFound
}

func (s *Stream) responseAttribute(name string, more []string) ([]byte, Status) {
	switch name {
	case "code":
		if s.responseCode == 0 {
			return nil, StatusNotFound
		}
		return leaf(more, encodeInt(int64(s.responseCode)))
	case "code_details":
		if s.codeDetails == "" && !s.responseStarted {
			return nil, StatusNotFound
		}
		return leaf(more, []byte(orDefault(s.codeDetails, "via_upstream")))
	case "headers":
		if s.response.headersOpen || s.inLog {
			if s.respHeaders != nil {
				return headersAttribute(s.respHeaders, more)
			}
		}
	case "trailers":
		if s.response.trailersOpen || s.inLog {
			if s.respTrailers != nil {
				return headersAttribute(s.respTrailers, more)
			}
		}
	}
	return nil, StatusNotFound
}

// headersAttribute serializes a header map as a property: one entry per
// name with duplicate values joined by ",", or one joined value.
func headersAttribute(m *headerMap, more []string) ([]byte, Status) {
	if len(more) > 0 {
		v, ok := m.joined(strings.ToLower(more[0]))
		if !ok {
			return nil, StatusNotFound
		}
		return leaf(more[1:], []byte(v))
	}
	var pairs [][2]string
	seen := map[string]bool{}
	for _, p := range m.pairs {
		if !seen[p[0]] {
			seen[p[0]] = true
			v, _ := m.joined(p[0])
			pairs = append(pairs, [2]string{p[0], v})
		}
	}
	return SerializeHeaderMap(pairs), StatusOK
}

func addressAttribute(addr, name string, more []string) ([]byte, Status) {
	switch name {
	case "address":
		return leaf(more, []byte(addr))
	case "port":
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, StatusNotFound
		}
		n, err := strconv.ParseInt(port, 10, 64)
		if err != nil {
			return nil, StatusNotFound
		}
		return leaf(more, encodeInt(n))
	}
	return nil, StatusNotFound
}

func (s *Stream) connectionAttribute(name string, more []string) ([]byte, Status) {
	switch name {
	case "id":
		return leaf(more, encodeInt(int64(s.connectionID)))
	case "mtls":
		return leaf(more, []byte{0})
	case "tls_version":
		if s.req.TLSVersion != "" {
			return leaf(more, []byte(s.req.TLSVersion))
		}
	}
	return nil, StatusNotFound
}

// encodeInt is Envoy's encoding of int64, uint64 and timestamps: 8 bytes,
// little-endian.
func encodeInt(v int64) []byte {
	return binary.LittleEndian.AppendUint64(make([]byte, 0, 8), uint64(v))
}
