package inject

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// scanQuery scans one query value with the default policy.
func scanQuery(value string) []Finding {
	return DefaultPolicy().ScanTarget("/search?q=" + value)
}

func TestDetectorsFlagAttacks(t *testing.T) {
	cases := []struct {
		name     string
		value    string
		category Category
		rule     string
	}{
		{"sqli tautology", "1%27%20OR%20%271%27%3D%271", SQLi, "libinjection-sqli"},
		{"sqli union", "1+UNION+SELECT+username,password+FROM+users--", SQLi, "libinjection-sqli"},
		{"xss script tag", "%3Cscript%3Ealert(1)%3C/script%3E", XSS, "libinjection-xss"},
		{"xss html entities", "%26lt;img+src%3Dx+onerror%3Dalert(1)%26gt;", XSS, "libinjection-xss"},
		{"xss script uri", "javascript:alert(document.domain)", XSS, "xss-script-uri"},
		{"cmdi separator", "x%3Bcat+%2Fetc%2Fpasswd", CommandInjection, "cmdi-separator-word-command"},
		{"cmdi separator delay", "x%3Bsleep+5", CommandInjection, "cmdi-separator-word-command"},
		{"cmdi separator unambiguous", "x%7Cwhoami", CommandInjection, "cmdi-separator-command"},
		{"cmdi substitution", "%24(whoami)", CommandInjection, "cmdi-separator-command"},
		{"cmdi ifs", "cat%24%7BIFS%7D%2Fetc%2Fpasswd", CommandInjection, "cmdi-ifs"},
		{"cmdi quoting trick", "%3Bw%27h%27o%27am%27i", CommandInjection, "cmdi-separator-command-unquoted"},
		{"cmdi windows shell", "cmd.exe+%2Fc+dir", CommandInjection, "cmdi-windows-shell"},
		{"traversal", "..%2f..%2f..%2fsecret.txt", PathTraversal, "traversal-parent-directories"},
		{"traversal double encoded", "%252e%252e%252f%252e%252e%252fa", PathTraversal, "traversal-parent-directories"},
		{"traversal overlong", "%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afa", PathTraversal, "traversal-parent-directories"},
		{"traversal full width", "%EF%BC%8E%EF%BC%8E%2F%EF%BC%8E%EF%BC%8E%2Fa", PathTraversal, "traversal-parent-directories"},
		{"absolute system path", "%2Fetc%2Fpasswd", PathTraversal, "traversal-system-file"},
		{"nosql in value", "%7B%22%24ne%22%3A+null%7D", NoSQL, "nosqli-operator-object"},
		{"crlf injection", "a%0d%0aSet-Cookie:+x%3D1", Protocol, "protocol-crlf-header"},
		{"template injection", "%7B%7B7*7%7D%7D", CodeInjection, "code-template"},
		{"jndi lookup", "%24%7Bjndi:ldap://x/a%7D", CodeInjection, "code-java"},
		{"prototype pollution", "__proto__", CodeInjection, "code-prototype-pollution"},
		{"ssrf metadata", "http://169.254.169.254/latest/meta-data/", RemoteInclusion, "rfi-internal-host"},
		{"java gadget base64", "cnVudGltZQ", CodeInjection, "code-java-class-base64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			findings := scanQuery(tc.value)
			require.NotEmpty(t, findings, "no finding for %q", tc.value)
			require.True(t, hasRule(findings, tc.category, tc.rule), "findings: %v", findings)
		})
	}
}

func TestDetectorsPassBenignLookAlikes(t *testing.T) {
	values := []string{
		"O%27Connell",
		"Robert+O%27Brien+and+D%27Angelo",
		"select+the+best+option+from+the+menu",
		"how+to+drop+a+table+from+the+schedule",
		"Keep+values+%3C+10+and+%3E+2",
		"open+the+menu+-%3E+settings+%3D%3E+save",
		"..%2Fimages%2Flogo.png+is+a+relative+path",
		"rock+%26+roll",
		"C%23+and+F%23+programming",
		"$regex+in+mongoose",
		"user@example.com",
		"2026-06-01T12:00:00Z",
		"%E6%97%A5%E6%9C%AC%E8%AA%9E",
		"The+id+is+shown+in+the+%60id%60+field",
		"I+like+dogs%3B+cat+videos+too",
		"order+received%3B+id+is+42",
		"Tom+%26+Jerry%3B+cat+lovers+unite",
		"fish%3B+cat+food",
		"first+this%3B+echo+that+later",
	}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			require.Empty(t, scanQuery(v))
		})
	}
}

func TestSensitivityFiltersSeverity(t *testing.T) {
	p := DefaultPolicy()
	require.Empty(t, p.ScanTarget("/a?f=..%2Fsecret"), "a single ../ is low severity")

	p.Sensitivity = Low
	findings := p.ScanTarget("/a?f=..%2Fsecret")
	require.True(t, hasRule(findings, PathTraversal, "traversal-relative-escape"), "findings: %v", findings)
}

func TestFindingRecordsLocationAndTransforms(t *testing.T) {
	findings := DefaultPolicy().ScanTarget("/a?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E")
	require.NotEmpty(t, findings)
	f := findings[0]
	require.Equal(t, Location{Kind: InQueryValue, Name: "q"}, f.Location)
	require.Equal(t, URLDecode|URLDecodeRepeated, f.Transforms&(URLDecode|URLDecodeRepeated))
	require.Contains(t, f.String(), `location="query:q"`)
}

func TestCustomSignature(t *testing.T) {
	sig, err := NewSignature("no-eicar", CodeInjection, High, "eicar-test")
	require.NoError(t, err)
	p := DefaultPolicy()
	p.Custom = []Signature{sig}
	require.True(t, hasRule(p.ScanTarget("/a?f=EICAR-TEST"), CodeInjection, "no-eicar"))

	_, err = NewSignature("bad", SQLi, High, "(")
	require.Error(t, err)
}

func TestDisabledPolicyScansNothing(t *testing.T) {
	p := DefaultPolicy()
	p.Disabled = true
	require.Empty(t, p.ScanTarget("/a?q=%3Cscript%3E"))
	require.Empty(t, p.ScanBody("application/json", []byte(`{"$where": "1"}`)))
}

func hasRule(findings []Finding, c Category, rule string) bool {
	for _, f := range findings {
		if f.Category == c && f.Rule == rule {
			return true
		}
	}
	return false
}

// TestCommandWordsNeedShellContext checks that command names that are also
// English words count only with a shell-like argument or position.
func TestCommandWordsNeedShellContext(t *testing.T) {
	attacks := []string{
		"%0Aid%0A", "%0A+id+%0A", "%60ping+127.0.0.1%60", "%7C+dir+C:%5CUsers", "%3B%60cat%3C%3C%3Cifconfig%60",
		"%26+reg+add+%22HKLM%5CSystem%22", "x%3Bls+-la", "%26%26+cat+/etc/hosts",
	}
	for _, v := range attacks {
		require.NotEmpty(t, scanQuery(v), "no finding for %q", v)
	}

	prose := []string{"ok%0Aat+5pm+then", "meeting%0Atime+is+short", "fish%3B+cat+food", "done%3B+date+tbd"}
	for _, v := range prose {
		require.Empty(t, scanQuery(v), "finding for %q", v)
	}
}
