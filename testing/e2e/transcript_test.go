package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestHostcallTranscripts pins the exact hostcalls of the key request flows
// on one worker, so that a change that adds a hostcall to the common path
// (each costs a round trip through the ABI) shows up here. Metric updates
// are batched per VM, so they appear on no request of this test.
func TestHostcallTranscripts(t *testing.T) {
	h, err := host.New(context.Background(), moduleBytes(t), host.Options{
		Workers:          1,
		PluginConfig:     []byte(authConfig()),
		Transcript:       true,
		CompilationCache: compilationCache,
	})
	require.NoError(t, err)
	closeAtEnd(t, h)

	tests := []struct {
		name    string
		path    string
		headers [][2]string
		want    []string
	}{
		{
			name: "public route",
			path: "/healthz",
			want: []string{
				`proxy_get_header_map_pairs(map=0) -> Ok`,
				`proxy_set_property(path="bulwark_decision") -> Ok`,
			},
		},
		{
			name:    "authenticated",
			path:    "/orders",
			headers: [][2]string{{"x-api-key", keyReader.Key}},
			want: []string{
				`proxy_get_header_map_pairs(map=0) -> Ok`,
				`proxy_set_property(path="bulwark_decision") -> Ok`,
				`proxy_remove_header_map_value(map=0 key="x-api-key") -> Ok`,
				`proxy_replace_header_map_value(map=0 key="x-bulwark-client-id") -> Ok`,
			},
		},
		{
			name: "missing key",
			path: "/orders",
			want: []string{
				`proxy_get_header_map_pairs(map=0) -> Ok`,
				`proxy_get_property(path="source.address") -> Ok`,
				`proxy_log(level=debug) -> Ok`, // the event line
				`proxy_set_property(path="bulwark_event_id") -> Ok`,
				`proxy_set_property(path="bulwark_decision") -> Ok`,
				`proxy_log(level=debug) -> Ok`,
				`proxy_send_local_response(status=401 details="") -> Ok`,
			},
		},
		{
			name:    "missing scope",
			path:    "/admin/users",
			headers: [][2]string{{"x-api-key", keyReader.Key}},
			want: []string{
				`proxy_get_header_map_pairs(map=0) -> Ok`,
				`proxy_get_property(path="source.address") -> Ok`,
				`proxy_log(level=info) -> Ok`, // the event line
				`proxy_set_property(path="bulwark_event_id") -> Ok`,
				`proxy_set_property(path="bulwark_decision") -> Ok`,
				`proxy_log(level=debug) -> Ok`,
				`proxy_send_local_response(status=403 details="") -> Ok`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.ResetTranscript()
			get(t, h, tc.path, tc.headers...)

			var calls []string
			for _, call := range h.Transcript() {
				calls = append(calls, call.Name+"("+call.Args+") -> "+call.Status.String())
			}
			require.Equal(t, tc.want, calls)
		})
	}
}
