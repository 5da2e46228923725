package inject

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOtherDetectorsFlagAttacks(t *testing.T) {
	cases := []struct {
		name  string
		value string
		rule  string
	}{
		{"java io class", "java.io.FileInputStream", "code-java-class-name"},
		{"jdk internal class", "com.sun.rowset.JdbcRowSetImpl", "code-java-class-name"},
		{"java lang class in prose", "use java.lang.ProcessBuilder now", "code-java-class-name"},
		{"naming class", "javax.naming.InitialContext", "code-java-class-name"},
		{"serialized stream", "rO0ABXNyABFqYXZh", "code-java-serialized"},
		{"serialized stream shifted", base64.RawStdEncoding.EncodeToString([]byte("x\xac\xed\x00\x05sr"))[1:], "code-java-serialized"},
		{"gadget shifted one byte", base64.RawStdEncoding.EncodeToString([]byte("xInvokerTransformer"))[2:], "code-java-class-base64"},
		{"gadget shifted two bytes", base64.RawStdEncoding.EncodeToString([]byte("xyRuntime"))[3:], "code-java-class-base64"},
		{"perl interpolation", "@{[ system 'id' ]}", "code-perl-interpolation"},
		{"php variable call", "$f(101)", "code-php-variable-call"},
		{"php braced variable call", "${'a'}(11)", "code-php-variable-call"},
		{"php indexed variable call", "$_[0] (1)", "code-php-variable-call"},
		{"php call after comment", "$a/*c*/()", "code-php-variable-call"},
		{"decimal host", "http://2130706433/", "ssrf-internal-address"},
		{"hex host", "dict://0x7f000001:11211/", "ssrf-internal-address"},
		{"mapped ipv6 host", "rsync://[0:0:0:0:0:ffff:169.254.169.254]", "ssrf-internal-address"},
		{"userinfo confusion", "http://a.com:80 &@a.com# @127.0.0.1:22/", "ssrf-internal-address"},
		{"node object token", "process.env", "code-node"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			findings := scanText(tc.value)
			require.True(t, hasRuleID(findings, tc.rule), "%q: findings %v", tc.value, findings)
		})
	}
}

func TestOtherDetectorsPassLookAlikes(t *testing.T) {
	values := []string{
		// Stack traces and Java in prose.
		"java.lang.NullPointerException at com.example.Foo.bar(Foo.java:12)",
		"caused by java.io.IOException: broken pipe",
		"\tat java.lang.Thread.run(Thread.java:829)\n\tat java.net.SocketInputStream.read(SocketInputStream.java:171)",
		"we hire javascript and java developers",
		"sun.com is down",
		// Base64-looking words and data.
		"Internationalization",
		"c2VudGltZW50IGFuYWx5c2lz",
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB",
		// Dollars and parentheses.
		"price is $5 (tax incl.)",
		"$(document).ready(init)",
		"$.ajax(url)",
		"@{ not perl }",
		// Connection strings and URLs in docs.
		"postgresql://scott:tiger@localhost/test",
		"mysql://user:pw@127.0.0.1:3306/db",
		"https://example.com/orders/20260401",
		"call 0123 456 789 or visit https://example.org",
	}
	for _, v := range values {
		require.Empty(t, scanText(v), "%q", v)
	}
}

func TestCookieNamesAreScanned(t *testing.T) {
	findings := DefaultPolicy().ScanHeaders([][2]string{{"cookie", "theme=dark; java.io.FilterInputStream=x"}})
	require.True(t, hasRuleID(findings, "code-java-class-name"), "findings %v", findings)
	require.Equal(t, InCookieName, findings[0].Location.Kind)
	require.Equal(t, "cookie_name", findings[0].Location.Kind.String())

	require.Empty(t, DefaultPolicy().ScanHeaders([][2]string{{"cookie", "theme=dark; _ga=GA1.2.3; session_id=abc"}}))
}

// TestBase64CoresHaveUpperCase checks what checkToken relies on to skip
// the base64 search for tokens without upper-case letters.
func TestBase64CoresHaveUpperCase(t *testing.T) {
	for _, list := range [][]keyword{javaGadgetsBase64, javaStreamBase64} {
		for _, k := range list {
			require.True(t, classify(k.text).has(cUpper), "%q", k.text)
			require.True(t, classify(k.text).only(cUpper), "%q", k.text)
		}
	}
}

func TestBase64Core(t *testing.T) {
	require.Equal(t, []string{"rO0AB", "ztAA", "s7QAF"}, base64Cores("\xac\xed\x00\x05"))
}
