package clusterlimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseAnswerErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer Answer
		want   string
	}{
		{"reset", Answer{}, "no response"},
		{"timeout", Answer{Status: 504, Body: []byte("upstream request timeout")}, "timed out"},
		{"connect", Answer{Status: 503, Body: []byte("upstream connect error or disconnect/reset before headers")}, "connection failed"},
		{"bad request", Answer{Status: 400, Body: []byte("unknown domain")}, "returned HTTP 400"},
		{"redis down", Answer{Status: 500, Body: []byte("could not connect to redis")}, "returned HTTP 500"},
		{"not json", Answer{Status: 200, Body: []byte("<html>")}, "not JSON"},
		{"too few statuses", answer(200, "OK", ""), "0 statuses for 1 descriptors"},
		{"bad code", answer(200, "OK", `{"code":"MAYBE"}`), `code "MAYBE"`},
		{"bad unit", answer(200, "OK", `{"code":"OK","currentLimit":{"requestsPerUnit":1,"unit":"FORTNIGHT"}}`), `unit "FORTNIGHT"`},
		{"bad reset", answer(429, "OVER_LIMIT", `{"code":"OVER_LIMIT","currentLimit":{"requestsPerUnit":1,"unit":"SECOND"},"durationUntilReset":"soon"}`), `durationUntilReset "soon"`},
		{"overall without status", answer(429, "OVER_LIMIT", `{"code":"OK"}`), "no status is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAnswer(tt.answer, 1)
			require.ErrorIs(t, err, errService)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestParseAnswerVerdicts(t *testing.T) {
	statuses, err := parseAnswer(answer(429, "OVER_LIMIT",
		`{"code":"OK"},{"code":"OVER_LIMIT","currentLimit":{"requestsPerUnit":10,"unit":"HOUR"},"durationUntilReset":"0.250s"}`), 2)
	require.NoError(t, err)
	require.Equal(t, status{}, statuses[0], "a descriptor without a limit")
	require.Equal(t, status{overLimit: true, limited: true, requestsPerUnit: 10, unit: time.Hour, reset: 250 * time.Millisecond}, statuses[1])

	// A limit in the service's shadow mode is over in its status and OK
	// overall: it must not deny.
	statuses, err = parseAnswer(answer(200, "OK", status1("OVER_LIMIT", 0, "3s")), 1)
	require.NoError(t, err)
	require.False(t, statuses[0].overLimit)
}

// FuzzParseAnswer checks that any response either fails cleanly or gives one
// verdict with a reset that is not negative. Its seeds in testdata are the
// service's real responses.
func FuzzParseAnswer(f *testing.F) {
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		statuses, err := parseAnswer(Answer{Status: code, Body: body}, 1)
		if err != nil {
			return
		}
		if len(statuses) != 1 || statuses[0].reset < 0 {
			t.Fatalf("verdict %+v from %q", statuses, body)
		}
	})
}
