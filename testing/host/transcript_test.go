package host

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTranscriptRecordsHostcalls(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, Transcript: true})
	h.ResetTranscript()

	_, err := h.Do(testCtx(t), cmdRequest("request-headers", "get 0 Authorization; reply 401 no%20key - -1"), nil)
	require.NoError(t, err)

	var calls []string
	for _, c := range h.Transcript() {
		if c.Name != "proxy_set_property" {
			calls = append(calls, c.String())
		}
	}
	require.Equal(t, []string{
		"0/2 proxy_get_header_map_pairs(map=0) -> Ok",
		`0/2 proxy_get_header_map_value(map=0 key="authorization") -> NotFound`,
		`0/2 proxy_send_local_response(status=401 details="no_key") -> Ok`,
	}, calls)
}

func TestAllowedHostcallsRejectOthers(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, AllowedHostcalls: []string{"proxy_get_buffer_bytes", "proxy_get_header_map_pairs", "proxy_set_property", "proxy_log"}})

	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "get 0 :path"), nil)
	require.NoError(t, err)

	requireLine(t, res, "get 0 :path st=10")
	violations := h.Violations()
	require.Len(t, violations, 1)
	require.Equal(t, "proxy_get_header_map_value", violations[0].Name)
}
