package inject

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/corazawaf/libinjection-go"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name  string
		value string
		want  class
	}{
		{"lower-case and digits", "abc123", 0},
		{"plain token", "Order_2026-07.a", cUpper | cUnderscore | cDash | cDot},
		{"shell", "a;b|c&$(d)", cSemicolon | cPipe | cAmp | cDollar | cLParen | cRParen},
		{"markup", "<a href='x'>", cLT | cSpace | cEquals | cSQuote | cGT},
		{"controls", "a\r\n\x00\x01\x7f", cNewline | cNUL | cControl},
		{"non-ASCII", "café", cNonASCII},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, classify(tc.value))
		})
	}
}

// fragments build random values rich in what the detectors look for:
// punctuation, keywords of the signatures, SQL and markup.
var fragments = append(strings.Fields(`; | & $( ${ifs} ' " `+"`"+` \ / // ../ ..\ : :// = < > <? {{ }} ${ #{ <% %>
	[$ne] {"$where": . .. _ __ ( ) , @ # * + - % %2f %3c %27 %00 &lt; &#60; &amp; ? ! ~ ^ [ ] { }
	cat whoami find kill bin/ /bin/sh /usr/bin/id sh cmd cmd.exe /c powershell -enc %comspec% /dev/tcp etc/passwd boot.ini win.ini
	system32 proc/self .ssh/ .htaccess web.config c:\ c:/ windows\ .env .git/ id_rsa access_log wp-config.php
	return sleep this. db. ';return ' || "; set-cookie set-cookie: location: http/1.1 php: php://input phar:// $_get system( exec( java.lang.runtime
	jndi: runtime.getruntime processbuilder ognlcontext child_process process.env constructor prototype
	__proto__ __class__ config 7*7 gopher:// file:// http:// https:// localhost 127.0.0.1 169.254.169.254
	10.0.0.1 javascript: data: text/html onerror onload alert document.cookie fromcharcode innerhtml
	<script <svg <iframe union select or and 1 x O'Brien café CAT Select ＜`), "\n", "\r\n", "\t",
	"f(){ f|f& };f", "for %i in (a) do x", "if exist x del", "sh -c id", "<(id)", "; $x y", "{id,}",
	"net user", "\r\nvrfy root", "/???/c?t", "uname -a", "0x2e0x2e0x2f", `.\.\/`, "..%zz..%zz..%zz", "<b onclick=", "&#60;",
	"@{[", "@{ [", "$f(", "${'a'}(", "$_[0] (", "$a/*c*/(", "http://2130706433/", "gopher://[::ffff:127.0.0.1]",
	"x://0x7f.1/", "ftp://0177.0.0.1", "http://a.b &@127.0.0.1", "java.io.file", "com.sun.rowset", "java.lang.runtime", "org.omg.corba.orb", "groovy.lang.x")

func randomValue(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(6); n > 0; n-- {
		b.WriteString(fragments[r.IntN(len(fragments))])
		if r.IntN(3) == 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// TestSignatureGatesAdmitEveryMatch checks that the byte-class and
// keyword pre-checks of every signature accept each value that its regular
// expression and guard accept, so that they only save work. The
// line-start alternative of the newline signature counts only in a value
// with a line break, on purpose, so its class is part of its meaning.
func TestSignatureGatesAdmitEveryMatch(t *testing.T) {
	skipUnderRace(t)
	meaning := map[string]class{"cmdi-newline-command": cNewline, "cmdi-newline-command-unquoted": cNewline}
	r := rand.New(rand.NewPCG(1, 2))
	matched := map[string]int{}
	for range 30_000 {
		folded, _ := Fold(randomValue(r))
		tr := traitsOf(folded)
		for _, set := range [][]Signature{builtinSignatures, shellSignatures} {
			for i := range set {
				sig := &set[i]
				if !sig.re.MatchString(folded) || sig.guard != nil && !sig.guard(folded) ||
					meaning[sig.ID] != 0 && !tr.classes.has(meaning[sig.ID]) {
					continue
				}
				matched[sig.ID]++
				require.True(t, sig.matches(folded, &tr), "%s matches %q but its pre-checks reject it", sig.ID, folded)
			}
		}
	}
	for _, sig := range builtinSignatures {
		require.NotZero(t, matched[sig.ID], "no random value matched %s; extend fragments", sig.ID)
	}
}

// TestXSSGateKeepsLibinjectionFindings checks the premise of checkXSS:
// libinjection flags no value without '<' or '='.
func TestXSSGateKeepsLibinjectionFindings(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50_000 {
		v := randomValue(r)
		if strings.ContainsAny(v, "<=") {
			continue
		}
		require.False(t, libinjection.IsXSS(v), "libinjection flags %q, which has neither '<' nor '='", v)
	}
}

func TestPairSetCoversSubstrings(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20_000 {
		v := randomValue(r)
		i := r.IntN(len(v) + 1)
		j := i + r.IntN(len(v)-i+1)
		p, sub := pairsOf(v), pairsOf(v[i:j])
		require.True(t, p.covers(&sub), "pairs of %q do not cover those of %q", v, v[i:j])
	}
	p := pairsOf("please deliver after 6 pm")
	require.False(t, containsKeyword("please deliver after 6 pm", &p, keywords("etc/", "bin/")))
}

func TestHasCharacterReference(t *testing.T) {
	cases := map[string]bool{
		"a & b": false, "a &": false, "&lt;": true, "x &#60;": true, "a & b &amp; c": true, "&&#x3c;": true, "": false,
	}
	for value, want := range cases {
		require.Equal(t, want, hasCharacterReference(value), value)
	}
}

func TestGuards(t *testing.T) {
	require.True(t, drivePrefix("  c:\\windows"))
	require.True(t, drivePrefix("d:/a"))
	require.False(t, drivePrefix("https://a/b"))
	require.True(t, ipOrQueryURL("http://10.0.0.1/a"))
	require.True(t, ipOrQueryURL("http://example.com/a? "))
	require.False(t, ipOrQueryURL("https://app.example.com/orders?page=2"))
}
