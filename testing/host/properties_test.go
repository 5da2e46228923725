package host

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func le64(v int64) string {
	return hexOf(string(binary.LittleEndian.AppendUint64(nil, uint64(v))))
}

func TestPropertiesOfStream(t *testing.T) {
	start := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct{ path, want string }{
		{"request/path", "st=0 hex=" + hexOf("/a/b?x=1&y=2")},
		{"request/url_path", "st=0 hex=" + hexOf("/a/b")},
		{"request/query", "st=0 hex=" + hexOf("x=1&y=2")},
		{"request/method", "st=0 hex=" + hexOf("POST")},
		{"request/host", "st=0 hex=" + hexOf("api.example.com")},
		{"request/scheme", "st=0 hex=" + hexOf("https")},
		{"request/id", "st=0 hex=" + hexOf("req-1")},
		{"request/protocol", "st=0 hex=" + hexOf("HTTP/2")},
		{"request/useragent", "st=0 hex=" + hexOf("curl/8")},
		{"request/headers/x-dup", "st=0 hex=" + hexOf("1,2")},
		{"request/headers/X-DUP", "st=0 hex=" + hexOf("1,2")},
		{"request/headers/absent", "st=1 hex="},
		{"request/time", "st=0 hex=" + le64(start.UnixNano())},
		{"request/duration", "st=1 hex="},
		{"request", "st=3 hex="},
		{"source/address", "st=0 hex=" + hexOf("10.0.0.1:1234")},
		{"source/port", "st=0 hex=" + le64(1234)},
		{"destination/address", "st=0 hex=" + hexOf("[::1]:443")},
		{"destination/port", "st=0 hex=" + le64(443)},
		{"connection/tls_version", "st=0 hex=" + hexOf("TLSv1.3")},
		{"connection/mtls", "st=0 hex=00"},
		{"plugin_name", "st=0 hex=" + hexOf("bulwark")},
		{"plugin_root_id", "st=0 hex=" + hexOf("root-a")},
		{"plugin_vm_id", "st=0 hex=" + hexOf("vm-a")},
		{"xds/route_name", "st=0 hex=" + hexOf("route-1")},
		{"xds/cluster_name", "st=0 hex=" + hexOf("backend")},
		{"node", "st=1 hex="},
		{"route_name", "st=1 hex="},
		{"response/code", "st=1 hex="},
		{"plugin_name/x", "st=1 hex="},
	}
	h := newTestHost(t, Options{Workers: 1, RootID: "root-a", VMID: "vm-a", Clock: NewManualClock(start)})
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			req := cmdRequest("request-headers", "prop "+tc.path)
			req.Method, req.Path, req.Authority, req.Scheme, req.ID = "POST", "/a/b?x=1&y=2", "api.example.com", "https", "req-1"
			req.Protocol, req.TLSVersion = "HTTP/2", "TLSv1.3"
			req.SourceAddress, req.DestinationAddress = "10.0.0.1:1234", "[::1]:443"
			req.RouteName, req.ClusterName = "route-1", "backend"
			req.Headers = append(req.Headers, [2]string{"x-dup", "1"}, [2]string{"X-Dup", "2"}, [2]string{"user-agent", "curl/8"})

			res, err := h.Do(testCtx(t), req, nil)
			require.NoError(t, err)
			requireLine(t, res, "prop "+tc.path+" "+tc.want)
		})
	}
}

func TestRequestHeadersPropertyIsMap(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := &Request{Authority: "a", ID: "r", Headers: [][2]string{{"x-on-request-headers", "prop request/headers"}, {"x-d", "1"}, {"x-d", "2"}}}

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	got := ParseHeaderMap(hexField(t, outLine(t, res, "prop request/headers st=0")))
	require.Equal(t, [][2]string{
		{":authority", "a"}, {":path", "/"}, {":method", "GET"}, {":scheme", "http"},
		{"x-on-request-headers", "prop request/headers"}, {"x-d", "1,2"},
		{"x-request-id", "r"}, {"x-forwarded-proto", "http"},
	}, got)
}

func TestPropertiesWithoutTLSAndInResponse(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest(
		"request-headers", "prop connection/tls_version; prop connection_id",
		"response-headers", "prop response/code; prop response/headers/x-r; prop response/code_details",
		"log", "prop request/duration",
	)

	res, err := h.Do(testCtx(t), req, func(*UpstreamRequest) *Response {
		return &Response{Status: 201, Headers: [][2]string{{"x-r", "v"}}}
	})
	require.NoError(t, err)

	requireLine(t, res, "prop connection/tls_version st=1")
	line := outLine(t, res, "prop connection_id st=0")
	require.Len(t, hexField(t, line), 8, "connection_id is a uint64")
	requireLine(t, res, "prop response/code st=0 hex="+le64(201))
	requireLine(t, res, "prop response/headers/x-r st=0 hex="+hexOf("v"))
	requireLine(t, res, "prop response/code_details st=0 hex="+hexOf("via_upstream"))
	requireLine(t, res, "prop request/duration st=0")
}

func TestSetPropertyStoresFilterState(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	req := cmdRequest("request-headers", "setprop bulwark.decision deny; prop bulwark.decision; prop filter_state/wasm.bulwark.decision")

	res, err := h.Do(testCtx(t), req, nil)
	require.NoError(t, err)

	require.Equal(t, "deny", string(res.FilterState["wasm.bulwark.decision"]))
	requireLine(t, res, "setprop bulwark.decision st=0")
	requireLine(t, res, "prop bulwark.decision st=0 hex="+hexOf("deny"))
	requireLine(t, res, "prop filter_state/wasm.bulwark.decision st=0 hex="+hexOf("deny"))
}

func TestPropertiesOfRootContext(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, PluginConfig: []byte("on-configure: prop request/path; prop plugin_name; prop source/address; setprop x y")})

	require.Equal(t, []string{
		"prop request/path st=1 hex=",
		"prop plugin_name st=0 hex=" + hexOf("bulwark"),
		"prop source/address st=1 hex=",
		"setprop x st=1",
	}, rootOutput(h))
}
