package rlservice

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// benchLimits allows far more requests than a benchmark sends, so that every
// request takes the OK path.
const benchLimits = `
domain: bench
descriptors:
  - key: client_ip
    rate_limit:
      unit: hour
      requests_per_unit: 100000000
`

// BenchmarkServiceJSON sends POST /json to the real service over one kept
// alive loopback connection and reports the median and 99th percentile of
// the round trips besides the mean. Run it with -benchtime 1000x.
func BenchmarkServiceJSON(b *testing.B) {
	s := StartService(b, StartRedis(b), benchLimits)
	body := []byte(`{"domain":"bench","descriptors":[{"entries":[{"key":"client_ip","value":"192.0.2.20"}]}]}`)
	client := &http.Client{Timeout: 5 * time.Second}
	url := s.URL() + "/json"
	durations := make([]time.Duration, 0, b.N)

	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("POST /json returned %d; expected 200", resp.StatusCode)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()

	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "µs-median")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "µs-p99")
}

// BenchmarkServiceStart measures how long StartService takes, from the
// process start to the first 200 of /healthcheck, with Redis running.
func BenchmarkServiceStart(b *testing.B) {
	r := StartRedis(b)
	s := StartService(b, r, benchLimits)
	b.ResetTimer()
	for range b.N {
		s.Stop()
		s.Start()
	}
}
