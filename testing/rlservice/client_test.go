package rlservice

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testLimits is the limits file of the behaviour tests: 3 requests a minute
// per client address, 2 a second per client address on a route, and a
// descriptor without a limit of its own.
const testLimits = `
domain: bulwark-test
descriptors:
  - key: client_ip
    rate_limit:
      unit: minute
      requests_per_unit: 3
  - key: route
    descriptors:
      - key: client_ip
        rate_limit:
          unit: second
          requests_per_unit: 2
  - key: caller
    value: batch
    rate_limit:
      unlimited: true
`

// jsonClient sends requests to the service. Its timeout is longer than any
// response the tests expect, but short enough to detect a request that hangs.
var jsonClient = &http.Client{Timeout: 10 * time.Second}

// reply is one HTTP response of POST /json.
type reply struct {
	Status      int
	ContentType string
	Body        string
	Elapsed     time.Duration
}

// decode parses the body as a JSON object.
func (a reply) decode(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(a.Body), &doc), "body %q", a.Body)
	return doc
}

// postJSON sends body to POST /json with client and returns the reply.
func postJSON(t testing.TB, client *http.Client, s *Service, body string) (reply, error) {
	t.Helper()
	start := time.Now()
	resp, err := client.Post(s.URL()+"/json", "application/json", bytes.NewBufferString(body))
	if err != nil {
		return reply{Elapsed: time.Since(start)}, err
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(resp.Body)
	a := reply{
		Status:      resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		Body:        string(data),
		Elapsed:     time.Since(start),
	}
	return a, err
}

// mustPost is postJSON that fails t on a transport error.
func mustPost(t *testing.T, s *Service, body string) reply {
	t.Helper()
	a, err := postJSON(t, jsonClient, s, body)
	require.NoError(t, err)
	return a
}

// request builds a RateLimitRequest in protobuf JSON for domain with one
// descriptor per entry list. Each entry list alternates keys and values.
func request(domain string, hitsAddend int, descriptors ...[]string) string {
	type entry struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	type descriptor struct {
		Entries []entry `json:"entries"`
	}
	req := struct {
		Domain      string       `json:"domain"`
		Descriptors []descriptor `json:"descriptors"`
		HitsAddend  int          `json:"hitsAddend,omitempty"`
	}{Domain: domain, HitsAddend: hitsAddend}

	for _, pairs := range descriptors {
		var d descriptor
		for i := 0; i+1 < len(pairs); i += 2 {
			d.Entries = append(d.Entries, entry{Key: pairs[i], Value: pairs[i+1]})
		}
		req.Descriptors = append(req.Descriptors, d)
	}
	data, _ := json.Marshal(req)
	return string(data)
}

// durationPattern is how the service encodes durationUntilReset: a
// google.protobuf.Duration in protobuf JSON, whole seconds here.
var durationPattern = regexp.MustCompile(`^[0-9]+s$`)

// takeDurations checks that every status with a durationUntilReset holds a
// string like "42s", removes the field and returns the values in order.
func takeDurations(t *testing.T, doc map[string]any) []string {
	t.Helper()
	var durations []string
	statuses, _ := doc["statuses"].([]any)
	for _, s := range statuses {
		status := s.(map[string]any)
		d, ok := status["durationUntilReset"]
		if !ok {
			continue
		}
		text, isString := d.(string)
		require.True(t, isString, "durationUntilReset %v (%T) is not a string", d, d)
		require.Regexp(t, durationPattern, text)
		durations = append(durations, text)
		delete(status, "durationUntilReset")
	}
	return durations
}

// status builds the JSON object of one descriptor status as the service
// emits it. It leaves out limitRemaining when remaining is 0, because
// protobuf JSON omits zero values.
func status(code string, requestsPerUnit int, unit string, remaining int) map[string]any {
	s := map[string]any{"code": code}
	if unit != "" {
		s["currentLimit"] = map[string]any{"requestsPerUnit": float64(requestsPerUnit), "unit": unit}
	}
	if remaining != 0 {
		s["limitRemaining"] = float64(remaining)
	}
	return s
}

// response builds the JSON object of a whole response body.
func response(overall string, statuses ...map[string]any) map[string]any {
	list := make([]any, len(statuses))
	for i, s := range statuses {
		list[i] = s
	}
	return map[string]any{"overallCode": overall, "statuses": list}
}

// waitForFreshMinute sleeps into the next minute when less than 3 s of the
// current one remain. The service counts in fixed windows aligned to the
// clock, so a sequence that crosses a boundary would start counting again.
func waitForFreshMinute(t testing.TB) {
	left := time.Minute - time.Duration(time.Now().Unix()%60)*time.Second
	if left < 3*time.Second {
		t.Logf("waiting %s for the next minute window", left)
		time.Sleep(left + 100*time.Millisecond)
	}
}

// waitForFreshSecond sleeps until 10 ms after the next full second, so that
// two requests sent at once fall into the same one-second window.
func waitForFreshSecond() {
	now := time.Now()
	time.Sleep(now.Truncate(time.Second).Add(time.Second + 10*time.Millisecond).Sub(now))
}
