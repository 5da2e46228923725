package inject

import (
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// scanText scans one query value given as plain text.
func scanText(value string) []Finding {
	return scanQuery(url.QueryEscape(value))
}

func TestShellRulesFlagCommands(t *testing.T) {
	cases := []struct {
		value string
		rule  string
	}{
		{"uname -a", "cmdi-leading-command"},
		{"netstat -an", "cmdi-leading-command"},
		{"{ tail -n 20 /var/app.log", "cmdi-leading-command"},
		{"which nmap", "cmdi-leading-command"},
		{"nohup ls -la", "cmdi-leading-command"},
		{"ping 10.0.0.7", "cmdi-leading-command"},
		{"tail /tmp/x?", "cmdi-leading-command"},
		{"l's' -la /", "cmdi-leading-command-unquoted"},
		{"h\"ostnam\"e", "cmdi-leading-command-unquoted"},
		{"head /?a?/sh?d?w", "cmdi-globbed-path"},
		{"/u?r/b*/idx", "cmdi-globbed-path"},
		{"/bin/w?oa?i", "cmdi-globbed-path"},
		{"x /[a-z]tc/host?", "cmdi-globbed-path"},
		{"g(){ g|g& };g", "cmdi-fork-bomb"},
		{"boom() { boom & boom; }", "cmdi-fork-bomb"},
		{"FOR /L %i IN (1,1,9) DO type x", "cmdi-batch-control"},
		{"x & for %a in (*.log) do del %a", "cmdi-batch-control"},
		{"IF EXIST c:\\temp\\x.txt del x", "cmdi-batch-control"},
		{"if %os% equ Windows_NT echo nt", "cmdi-batch-control"},
		{"IF [%2]==[] GOTO end", "cmdi-batch-control"},
		{"ruby -e 'puts 1'", "cmdi-interpreter-code"},
		{"x; zsh -c 'id'", "cmdi-interpreter-code"},
		{"diff <(ls a) <(ls b)", "cmdi-process-substitution"},
		{"x; $run $target", "cmdi-variable-command"},
		{"a|${tool} -v", "cmdi-variable-command"},
		{"{id,}", "cmdi-brace-expansion"},
		{"{,uname,-a}", "cmdi-brace-expansion"},
		{"| net share", "cmdi-windows-net"},
		{"net localgroup users", "cmdi-windows-net"},
		{"x;c$?u$-r$_l host", "cmdi-separator-command-unquoted"},
		{"$(`id`)", "cmdi-separator-word-command"},
		{"\r\nVRFY admin", "protocol-mail-command"},
		{"\r\nb17 FETCH 1:* BODY[]", "protocol-mail-command"},
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.value, func(t *testing.T) {
			findings := scanText(tc.value)
			require.True(t, hasRuleID(findings, tc.rule), "%q: findings %v", tc.value, findings)
		})
	}
}

func TestShellRulesPassLookAlikes(t *testing.T) {
	values := []string{
		// Shell-like words in prose.
		"cat videos are the best",
		"date night at the time of the meeting",
		"which one do you prefer?",
		"time to ship the release",
		"python developer wanted",
		"ruby on rails upgrade",
		"php 8 support",
		"I like dogs; cat videos too",
		"net income rose in Q3",
		"for each item in (the list) do nothing",
		"if a == b then return",
		"if (x == 1) { y = 2 }",
		"Meet me at 5 & bring snacks; see you",
		"costs $5 & $10; tax extra",
		// File paths and globs in prose and config.
		"src/**/*.ts",
		"/api/*/items",
		"/users/{id}/orders",
		"see docs/*.md for details",
		"data:image/png;base64,iVBORw0KGgo=",
		// Code in JSON strings.
		"render() { return a || b; }",
		"function f() { g() && h(); }",
		"```python\nprint(1)\n```",
		"{a, b, c}",
		"diff a<(b) in math",
		// Mail-like words.
		"\nhelp us improve the docs",
		"\r\nData protection notice",
	}
	for _, v := range values {
		require.Empty(t, scanText(v), "%q", v)
	}
}

func hasRuleID(findings []Finding, rule string) bool {
	for _, f := range findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// TestBatchConditionAdmitsEveryMatch checks that batchCondition accepts
// every value that the cmdi-batch-control expression matches, so that it
// only saves work.
func TestBatchConditionAdmitsEveryMatch(t *testing.T) {
	var batch *Signature
	for i := range builtinSignatures {
		if builtinSignatures[i].ID == "cmdi-batch-control" {
			batch = &builtinSignatures[i]
		}
	}
	require.NotNil(t, batch)
	parts := []string{"for ", "if ", "/i ", "not ", "exist ", "defined ", "errorlevel ", "%i ", "%%a ", "in (", "== ",
		" equ ", " neq ", " gtr ", "\tlss\t", "x ", "1 ", "echo ", "goto ", "( ", "& ", "| ", "/f ", "\"a\" ", "do "}
	r := rand.New(rand.NewPCG(3, 4))
	matched := 0
	for range 50_000 {
		var b strings.Builder
		for n := 2 + r.IntN(7); n > 0; n-- {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		v := b.String()
		if batch.re.MatchString(v) {
			matched++
			require.True(t, batchCondition(v, classify(v)), "cmdi-batch-control matches %q but batchCondition rejects it", v)
		}
	}
	require.Greater(t, matched, 200, "too few random values matched to test the guard")
}

// TestDeobfuscateShellMatchesReplacer checks deobfuscateShell against
// strings.Replacer, whose rule for overlapping tricks it follows.
func TestDeobfuscateShellMatchesReplacer(t *testing.T) {
	var pairs []string
	for _, trick := range shellTricks {
		pairs = append(pairs, trick[0], trick[1])
	}
	reference := strings.NewReplacer(pairs...)
	parts := append([]string{`\`, `\n`, "'", `"`, "$", "@", "?", "-", "_", "*", "!", "(", ")", "<", ">", "{", "}", "ifs", "i", "a"}, pairs...)

	r := rand.New(rand.NewPCG(13, 14))
	var buf []byte
	for range 50_000 {
		var b strings.Builder
		for n := 1 + r.IntN(8); n > 0; n-- {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		v := b.String()
		want := reference.Replace(v)
		if want == v {
			want = ""
		}
		var got string
		got, buf = deobfuscateShell(v, buf)
		require.Equal(t, want, got, "%q", v)
	}
}

// TestShellTrickStartCoversTricks checks that shellTrickStart contains the
// class of the first byte of every shell trick, which deobfuscateShell
// looks for before it tries the tricks.
func TestShellTrickStartCoversTricks(t *testing.T) {
	for _, trick := range shellTricks {
		require.True(t, byteClass[trick[0][0]]&shellTrickStart != 0, "%q", trick[0])
	}
}

// TestSeparatorGuardIsCommandAfterSeparator checks that the signatures
// whose guard checkSignatures runs once per value are the ones guarded by
// commandAfterSeparator, so that the shared result is theirs.
func TestSeparatorGuardIsCommandAfterSeparator(t *testing.T) {
	want := reflect.ValueOf(commandAfterSeparator).Pointer()
	shared := 0
	for _, set := range [][]Signature{builtinSignatures, shellSignatures} {
		for _, sig := range set {
			guarded := sig.guard != nil && reflect.ValueOf(sig.guard).Pointer() == want
			require.Equal(t, guarded, sig.separatorGuard, sig.ID)
			if guarded {
				shared++
			}
		}
	}
	require.Equal(t, 4, shared, "two separator signatures in each set")
}

// TestBatchKeywordAtCommandStart compares batchKeywordAtCommandStart
// with a reading of its contract, position by position, on random values.
func TestBatchKeywordAtCommandStart(t *testing.T) {
	reference := func(s string) bool {
		for start := 0; start <= len(s); start++ {
			if start > 0 && !strings.ContainsRune("&|(", rune(s[start-1])) {
				continue
			}
			rest := strings.TrimLeft(s[start:], " \t\n\f\r")
			if strings.HasPrefix(rest, "for") && len(rest) > 3 && isSpace(rest[3]) ||
				strings.HasPrefix(rest, "if") && len(rest) > 2 && isSpace(rest[2]) {
				return true
			}
		}
		return false
	}
	parts := []string{"for", "if", "fo", "i", "f", " ", "\t", "\n", "&", "|", "(", ")", "x", ";", "\v"}
	r := rand.New(rand.NewPCG(15, 16))
	found := 0
	for range 50_000 {
		var b strings.Builder
		for n := r.IntN(8); n > 0; n-- {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		v := b.String()
		want := reference(v)
		require.Equal(t, want, batchKeywordAtCommandStart(v, classify(v)), "%q", v)
		if want {
			found++
		}
	}
	require.Greater(t, found, 1000, "too few random values hold a keyword to test")
}
