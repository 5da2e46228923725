package inject

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSniff(t *testing.T) {
	cases := []struct {
		name, contentType, body string
		want                    BodyKind
	}{
		{"json", "application/json", `{"a": 1}`, BodyJSON},
		{"json claimed as text", "text/plain", ` [1, 2]`, BodyJSON},
		{"invalid json claimed as json", "application/json", `a=1&b=2`, BodyForm},
		{"form", "application/x-www-form-urlencoded", "a=1&b=hello+world", BodyForm},
		{"form without type", "", "a=1&b=2", BodyForm},
		{"multipart", "multipart/form-data; boundary=b1", "--b1\r\n", BodyMultipart},
		{"multipart with unused boundary", "multipart/form-data; boundary=b1", "plain words", BodyText},
		{"text", "text/plain", "hello there", BodyText},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kind, _ := Sniff(tc.contentType, []byte(tc.body))
			require.Equal(t, tc.want, kind)
		})
	}
}

func TestScanBodyJSON(t *testing.T) {
	p := DefaultPolicy()

	findings := p.ScanBody("application/json", []byte(`{"items": [{"note": "ok"}, {"note": "1' OR '1'='1"}]}`))
	require.Len(t, findings, 1)
	require.Equal(t, Location{Kind: InJSONValue, Name: "$.items[1].note"}, findings[0].Location)

	findings = p.ScanBody("application/json", []byte(`{"user": {"$ne": null}}`))
	require.True(t, hasRule(findings, NoSQL, "nosqli-operator-key"), "findings: %v", findings)
	require.Equal(t, "$.user.$ne", findings[0].Location.Name)

	require.Empty(t, p.ScanBody("application/json", []byte(`{"$schema": "x", "$ref": "#/a", "count": 3}`)),
		"JSON Schema keywords are not operators")
}

func TestScanBodyJSONExclusions(t *testing.T) {
	path, err := ParseJSONPath("$.items[*].note")
	require.NoError(t, err)
	p := DefaultPolicy()
	p.Exclusions.JSONPaths = []JSONPath{path}

	require.Empty(t, p.ScanBody("application/json", []byte(`{"items": [{"note": "<script>x</script>"}]}`)))
	require.NotEmpty(t, p.ScanBody("application/json", []byte(`{"items": [{"title": "<script>x</script>"}]}`)))
}

func TestScanBodyDeepJSON(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxJSONDepth+5) + `"<script>alert(1)</script>"` + strings.Repeat("}", MaxJSONDepth+5)
	findings := DefaultPolicy().ScanBody("application/json", []byte(deep))
	require.NotEmpty(t, findings, "nesting must not hide a payload")
}

func TestScanBodyFormAndMultipart(t *testing.T) {
	p := DefaultPolicy()
	p.Exclusions.Parameters = []string{"snippet"}

	findings := p.ScanBody("application/x-www-form-urlencoded", []byte("user[%24ne]=1&x=2"))
	require.True(t, hasRule(findings, NoSQL, "nosqli-operator-parameter"), "findings: %v", findings)
	require.Empty(t, p.ScanBody("application/x-www-form-urlencoded", []byte("snippet=%3Bcat+%2Fetc%2Fpasswd")))

	multipart := "--B\r\nContent-Disposition: form-data; name=\"bio\"\r\n\r\n<svg onload=alert(1)>\r\n--B--\r\n"
	findings = p.ScanBody("multipart/form-data; boundary=B", []byte(multipart))
	require.NotEmpty(t, findings)
	require.Equal(t, Location{Kind: InMultipart, Name: "bio"}, findings[0].Location)
}

func TestScanHeadersAndCookies(t *testing.T) {
	p := DefaultPolicy()
	p.Exclusions.Cookies = []string{"draft"}
	headers := [][2]string{
		{"user-agent", "Mozilla/5.0 (X11; Linux x86_64)"},
		{"accept-language", "<script>alert(1)</script>"},
		{"x-forwarded-for", "<script>alert(1)</script>"},
		{"cookie", "draft=<script>alert(1)</script>; session=abc"},
	}
	require.Empty(t, p.ScanHeaders(headers), "unselected headers and excluded cookies are not scanned")

	headers = append(headers, [2]string{"referer", "javascript:alert(1)"})
	findings := p.ScanHeaders(headers)
	require.NotEmpty(t, findings)
	require.Equal(t, Location{Kind: InHeader, Name: "referer"}, findings[0].Location)

	// Custom "x-" headers carry application data and are scanned unless
	// excluded or turned off.
	custom := [][2]string{{"x-client-ref", "' or 1=1--"}}
	findings = p.ScanHeaders(custom)
	require.NotEmpty(t, findings)
	require.Equal(t, Location{Kind: InHeader, Name: "x-client-ref"}, findings[0].Location)
	p.Exclusions.Headers = []string{"x-client-ref"}
	require.Empty(t, p.ScanHeaders(custom), "an excluded custom header is not scanned")
	p.Exclusions.Headers = nil
	p.CustomHeaders = false
	require.Empty(t, p.ScanHeaders(custom), "custom_headers false scans only the listed headers")
}

func TestFindingsAreBounded(t *testing.T) {
	var b strings.Builder
	for i := range 50 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("q=%3Cscript%3Ealert(1)%3C/script%3E")
	}
	require.Len(t, DefaultPolicy().ScanTarget("/a?"+b.String()), MaxFindings)
}

func TestParseJSONPath(t *testing.T) {
	for _, good := range []string{"$.a", "$.a.b", "$.items[*].note", "$.a[0]", "$.*.x"} {
		_, err := ParseJSONPath(good)
		require.NoError(t, err, good)
	}
	for _, bad := range []string{"", "a.b", "$", "$.", "$[x]", "$[-1]", "$.a[", "$a"} {
		_, err := ParseJSONPath(bad)
		require.Error(t, err, bad)
	}
}

// TestPooledScansShareNoFindings checks that scans reusing the buffers
// of earlier ones start empty and leave the findings returned before
// unchanged.
func TestPooledScansShareNoFindings(t *testing.T) {
	p := DefaultPolicy()
	first := p.ScanBody("application/json", []byte(`{"q": "1' OR '1'='1", "Name": "x"}`))
	require.NotEmpty(t, first)
	want := slices.Clone(first)

	second := p.ScanTarget("/a?x=<script>alert(1)</script>")
	require.NotEmpty(t, second)
	require.Empty(t, p.ScanBody("application/json", []byte(`{"Note": "Siobhan O'Connell"}`)))
	require.Empty(t, p.ScanTarget("/orders?page=2"))
	require.Empty(t, p.ScanHeaders([][2]string{{"user-agent", "Mozilla/5.0"}}))
	require.Equal(t, want, first)
}
