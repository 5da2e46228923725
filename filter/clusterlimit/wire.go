package clusterlimit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// appendRequest appends a RateLimitRequest in protobuf JSON: the domain,
// the descriptors and the hits to add to each.
func appendRequest(dst []byte, domain string, descriptors [][]byte, hits uint32) []byte {
	dst = append(dst, `{"domain":`...)
	dst = jsontext.AppendString(dst, domain)
	dst = append(dst, `,"descriptors":[`...)
	for i, d := range descriptors {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, d...)
	}
	dst = append(dst, `],"hitsAddend":`...)
	dst = strconv.AppendUint(dst, uint64(hits), 10)
	return append(dst, '}')
}

// Answer is the HTTP response to a callout, as the plugin received it.
type Answer struct {
	// Status is the HTTP status. Envoy turns a callout timeout into 504 and
	// a connection failure into 503, and 0 means no response at all.
	Status int

	// Body is the response body.
	Body []byte

	// Refused reports that the proxy did not send the callout at all, as
	// Envoy does for a cluster it does not know.
	Refused bool
}

// status is the service's verdict on one descriptor.
type status struct {
	overLimit bool

	// limited reports that a limit matched the descriptor; without one
	// the other fields are zero.
	limited bool

	// requestsPerUnit and unit are the matched limit.
	requestsPerUnit int64
	unit            time.Duration

	// remaining is the quota left in the current unit.
	remaining int64

	// reset is the time until the current unit ends.
	reset time.Duration
}

// errService wraps the error of every response that is not a verdict.
var errService = errors.New("rate limit service")

// parseAnswer reads the verdicts on n descriptors. The service returns 200
// when every descriptor is within its limit and 429 when one is over.
// Anything else is an error: 400 for a request it cannot read (or a Redis
// failure), 500 when Redis fails, and 503 or 504 from Envoy when the
// service cannot be reached.
func parseAnswer(a Answer, n int) ([]status, error) {
	switch a.Status {
	case 200, 429:
	case 0:
		return nil, fmt.Errorf("%w: no response (the callout was reset)", errService)
	case 504:
		if strings.HasPrefix(string(a.Body), "upstream request timeout") {
			return nil, fmt.Errorf("%w: timed out", errService)
		}
		return nil, fmt.Errorf("%w: returned HTTP 504", errService)
	case 503:
		if strings.HasPrefix(string(a.Body), "upstream connect error") {
			return nil, fmt.Errorf("%w: connection failed", errService)
		}
		return nil, fmt.Errorf("%w: returned HTTP 503", errService)
	default:
		return nil, fmt.Errorf("%w: returned HTTP %d", errService, a.Status)
	}

	if !gjson.ValidBytes(a.Body) {
		return nil, fmt.Errorf("%w: returned HTTP %d with a body that is not JSON", errService, a.Status)
	}
	root := gjson.ParseBytes(a.Body)
	overall := root.Get("overallCode").String()
	items := root.Get("statuses").Array()
	if len(items) != n {
		return nil, fmt.Errorf("%w: returned %d statuses for %d descriptors", errService, len(items), n)
	}

	statuses := make([]status, n)
	anyOver := false
	for i, item := range items {
		s, err := parseStatus(item)
		if err != nil {
			return nil, fmt.Errorf("%w: statuses[%d]: %v", errService, i, err)
		}
		statuses[i] = s
		anyOver = anyOver || s.overLimit
	}
	switch {
	case overall == "OVER_LIMIT" && !anyOver:
		return nil, fmt.Errorf("%w: overallCode is OVER_LIMIT but no status is", errService)
	case overall != "OVER_LIMIT":
		// A limit in the service's shadow mode reports OVER_LIMIT in its
		// status and OK overall: it must not deny.
		for i := range statuses {
			statuses[i].overLimit = false
		}
	}
	return statuses, nil
}

// parseStatus reads one DescriptorStatus. Protobuf JSON leaves out fields
// that hold their zero value, such as limitRemaining 0.
func parseStatus(item gjson.Result) (status, error) {
	var s status
	switch code := item.Get("code").String(); code {
	case "OK":
	case "OVER_LIMIT":
		s.overLimit = true
	default:
		return s, fmt.Errorf("code %q is neither OK nor OVER_LIMIT", code)
	}

	limit := item.Get("currentLimit")
	if !limit.Exists() {
		return s, nil
	}
	s.limited = true
	s.requestsPerUnit = limit.Get("requestsPerUnit").Int()
	unit, ok := units[limit.Get("unit").String()]
	if !ok {
		return s, fmt.Errorf("unit %q is not a known unit", limit.Get("unit").String())
	}
	s.unit = unit
	s.remaining = item.Get("limitRemaining").Int()

	if reset := item.Get("durationUntilReset"); reset.Exists() {
		d, err := parseDuration(reset.String())
		if err != nil {
			return s, err
		}
		s.reset = d
	}
	return s, nil
}

// units are the service's RateLimitUnit names and their lengths.
var units = map[string]time.Duration{
	"SECOND": time.Second,
	"MINUTE": time.Minute,
	"HOUR":   time.Hour,
	"DAY":    24 * time.Hour,
	"WEEK":   7 * 24 * time.Hour,
	"MONTH":  30 * 24 * time.Hour,
	"YEAR":   365 * 24 * time.Hour,
}

// parseDuration reads a google.protobuf.Duration in JSON: seconds with up
// to 9 decimals and an "s", such as "52s" or "0.250s".
func parseDuration(s string) (time.Duration, error) {
	number, ok := strings.CutSuffix(s, "s")
	if !ok || number == "" || strings.HasPrefix(number, "-") {
		return 0, fmt.Errorf("durationUntilReset %q is not a duration such as \"52s\"", s)
	}
	d, err := time.ParseDuration(number + "s")
	if err != nil || d < 0 {
		return 0, fmt.Errorf("durationUntilReset %q is not a duration such as \"52s\"", s)
	}
	return d, nil
}
