package inject

import (
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// FuzzNormalize checks that normalisation never panics, never grows a value
// by more than NFKC can, and yields valid UTF-8 without NUL bytes.
func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{"%252e%252e%252f", "%c0%ae", "\xe0\x80", "%u00", "a+b%", "ｓｅｌｅｃｔ", "\x00%00"} {
		f.Add(seed, true, 2)
	}
	f.Fuzz(func(t *testing.T, value string, plus bool, depth int) {
		depth = max(0, min(depth, MaxDecodeDepth))
		out, _ := Normalize(value, plus, depth)
		if !utf8.ValidString(out) {
			t.Fatalf("Normalize(%q) = %q, not valid UTF-8", value, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] == 0 {
				t.Fatalf("Normalize(%q) kept a NUL byte", value)
			}
		}
		// NFKC expands a character by at most 18 times (U+FDFA).
		if len(out) > 18*len(value)+16 {
			t.Fatalf("Normalize(%q) grew to %d bytes", value, len(out))
		}
	})
}

// FuzzScanBodyJSON walks arbitrary bodies as JSON: no panic, findings
// bounded, and every JSON location path parses back.
func FuzzScanBodyJSON(f *testing.F) {
	for _, seed := range []string{`{"a": "b"}`, `[{"$ne": 1}]`, `{"a": {"b": [1, "x' or 1=1"]}}`, `{"a`, `[[[[[[`, `{"\u0000": "\ud800"}`} {
		f.Add([]byte(seed))
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, body []byte) {
		findings := p.ScanBody("application/json", body)
		if len(findings) > MaxFindings {
			t.Fatalf("%d findings, want at most %d", len(findings), MaxFindings)
		}
		for _, finding := range findings {
			if finding.Location.Kind != InJSONKey && finding.Location.Kind != InJSONValue {
				continue
			}
			if _, err := ParseJSONPath(finding.Location.Name); err != nil && isPlainPath(finding.Location.Name) {
				t.Fatalf("location %q does not parse: %v", finding.Location.Name, err)
			}
		}
	})
}

// FuzzJSONWalkerValidatesLikeGJSON requires the JSON walk of ScanBody to
// accept exactly the bodies that gjson.ValidBytes accepts.
func FuzzJSONWalkerValidatesLikeGJSON(f *testing.F) {
	for _, seed := range append([]string{`{"a": [1, -2.5e3, true, null, "x\u00e9"]}`, `[{"$ne": 1}]`}, invalidJSON...) {
		f.Add([]byte(seed))
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, body []byte) {
		if !mayBeJSON(body) {
			return
		}
		s := scan{policy: p}
		if got, want := s.json(body), gjson.ValidBytes(body); got != want {
			t.Fatalf("the walk reports valid=%v for %q, gjson.ValidBytes %v", got, body, want)
		}
	})
}

// isPlainPath reports whether a formatted path has no quoted member, which
// ParseJSONPath does not read.
func isPlainPath(path string) bool {
	for i := 0; i < len(path); i++ {
		if path[i] == '"' {
			return false
		}
	}
	return len(path) > 1
}
