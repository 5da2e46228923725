package inject

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/corazawaf/libinjection-go"
	"github.com/stretchr/testify/require"
)

// sqlFragments build random values around libinjection's case-sensitive
// spots and the SQL shapes it flags, in mixed case.
var sqlFragments = append(strings.Fields(`' " `+"`"+` ( ) , ; -- # /* */ /*! = <> != || && @ @@ $$ \ \N \n
	1 0x1f 1e5 .5 OR or Or AND and UNION union SeLeCt select FROM from WHERE where ORDER BY by GROUP HAVING
	SLEEP sleep( benchmark( WAITFOR DELAY 'x' N'x' q'[x]' e'x' u&'x' x'41' b'01' Sp_PassWord sp_password
	user_id( database( IF if( case when then else end LIKE between NOT null NULL true CHAR( concat( ascii(
	table drop insert into values exec xp_cmdshell declare O'Brien it's don't "hello" a b c`), " ", "  ", "\t", "\n")

func randomSQL(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(7); n > 0; n-- {
		b.WriteString(sqlFragments[r.IntN(len(sqlFragments))])
		if r.IntN(2) == 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// TestSQLiUpperCaseAgrees checks that isSQLi, which passes libinjection an
// upper-cased value, returns libinjection's result on the value itself,
// with and without the quote prefix of the continuation check.
func TestSQLiUpperCaseAgrees(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(5, 6))
	s := scan{policy: DefaultPolicy()}
	flagged := 0
	for range 100_000 {
		v := randomSQL(r)
		folded, _ := Fold(v)
		want, _ := libinjection.IsSQLi(v)
		require.Equal(t, want, s.isSQLi(v, folded, classify(v), false), "%q", v)
		wantTail, _ := libinjection.IsSQLi("'" + v)
		require.Equal(t, wantTail, s.isSQLi(v, folded, classify(v), true), "%q with the quote prefix", v)
		if want {
			flagged++
		}
	}
	require.Greater(t, flagged, 3000, "too few random values are SQL to test the upper case")
}

// checkBoth runs checkValue on one value with and without the pre-checks
// and returns both findings.
func checkBoth(value string, plus bool) (fast, full []Finding) {
	s := scan{policy: DefaultPolicy()}
	s.checkValue(value, plus, Location{Kind: InQueryValue})
	fast = s.findings

	exhaustive = true
	defer func() { exhaustive = false }()
	s = scan{policy: DefaultPolicy()}
	s.checkValue(value, plus, Location{Kind: InQueryValue})
	return fast, s.findings
}

// TestPrefilterKeepsFindings checks on random values that the pre-checks
// of checkValue drop no finding of the exhaustive scan.
func TestPrefilterKeepsFindings(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(7, 8))
	flagged := 0
	for i := range 40_000 {
		v := randomValue(r)
		if i%2 == 1 {
			v = randomSQL(r)
		}
		fast, full := checkBoth(v, i%3 == 0)
		require.Equal(t, findingKeys(full), findingKeys(fast), "%q", v)
		if len(full) > 0 {
			flagged++
		}
	}
	require.Greater(t, flagged, 10_000, "too few random values are flagged to test the pre-checks")
}

// findingKeys returns the rule and location of each finding, sorted.
func findingKeys(findings []Finding) []string {
	keys := make([]string, len(findings))
	for i, f := range findings {
		keys[i] = fmt.Sprintf("%s %s %d %s", f.Category, f.Rule, f.Location.Kind, f.Location.Name)
	}
	slices.Sort(keys)
	return keys
}

// corpusItem holds the request parts of one labelled corpus record.
type corpusItem struct {
	ID          string            `json:"id"`
	Path        string            `json:"path"`
	Query       string            `json:"query"`
	Headers     map[string]string `json:"headers"`
	Body        string            `json:"body"`
	ContentType string            `json:"content_type"`
}

// scanItem scans a corpus item as the filter does: target, headers, body.
func scanItem(p *Policy, it *corpusItem) []Finding {
	target := it.Path
	if it.Query != "" {
		target += "?" + it.Query
	}
	var headers [][2]string
	for name, value := range it.Headers {
		headers = append(headers, [2]string{strings.ToLower(name), value})
	}
	slices.SortFunc(headers, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	findings := p.ScanTarget(target)
	findings = append(findings, p.ScanHeaders(headers)...)
	return append(findings, p.ScanBody(it.ContentType, []byte(it.Body))...)
}

// corpusStride selects every third corpus request, which keeps the test
// at a few seconds; set BULWARK_PREFILTER_ALL=1 to check every request.
const corpusStride = 3

// TestPrefilterKeepsCorpusFindings scans the requests of the labelled
// corpus (BULWARK_CORPUS, or ../shared/corpus beside the repository) with
// and without the pre-checks and requires the same findings.
func TestPrefilterKeepsCorpusFindings(t *testing.T) {
	skipUnderRace(t)
	dir := os.Getenv("BULWARK_CORPUS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	require.NoError(t, err)
	if len(files) == 0 && os.Getenv("BULWARK_CORPUS") == "" {
		// The corpus replay in testing/corpus fails without the corpus, so
		// this package's unit tests need not.
		t.Skipf("no corpus in %s; set BULWARK_CORPUS to the corpus folder", dir)
	}
	require.NotEmpty(t, files, "no corpus in %s", dir)

	stride := corpusStride
	if os.Getenv("BULWARK_PREFILTER_ALL") == "1" {
		stride = 1
	}
	p := DefaultPolicy()
	checked := 0
	for _, name := range files {
		f, err := os.Open(name)
		require.NoError(t, err)
		lines := bufio.NewScanner(f)
		lines.Buffer(make([]byte, 1<<20), 4<<20)
		for n := 0; lines.Scan(); n++ {
			if n%stride != 0 {
				continue
			}
			var it corpusItem
			require.NoError(t, json.Unmarshal(lines.Bytes(), &it), "%s", name)
			fast := scanItem(p, &it)
			exhaustive = true
			full := scanItem(p, &it)
			exhaustive = false
			if !slices.Equal(findingKeys(full), findingKeys(fast)) {
				t.Errorf("corpus item %s: findings %v without the pre-checks, %v with them", it.ID, findingKeys(full), findingKeys(fast))
			}
			checked++
		}
		require.NoError(t, lines.Err())
		f.Close()
	}
	t.Logf("%d corpus requests give the same findings with and without the pre-checks", checked)
}

// barewordRounds is the number of random values of
// TestBarewordStartNeverHidesSQLi; 3,000,000 also pass.
const barewordRounds = 300_000

// TestBarewordStartNeverHidesSQLi checks on random values that
// libinjection flags none of the values that startsWithBarewords lets
// isSQLi skip. The values start with plain words, variables or keywords
// of libinjection's own table, followed by a tail that is often SQL.
func TestBarewordStartNeverHidesSQLi(t *testing.T) {
	skipUnderRace(t)
	keywords := make([]string, 0, len(sqlWords))
	for word := range sqlWords {
		keywords = append(keywords, word)
	}
	slices.Sort(keywords)
	plain := []string{"please", "Deliver", "s.oconnell", "blue", "x1", "_id", "foo.bar", "a", "Z9", "O'Connell", "it's", "x'", "'",
		"x'41'", "N'a'", "nq'[a]'", "U&'a'", "e'a'", "b'1'", "q'<a>'"}
	heads := []string{" ", "\t", "\n", "@", "@@", "1", "-", ".", "(", "#", "--", "/", "*", ":", "://", ":=", "::"}

	r := rand.New(rand.NewPCG(9, 10))
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	skipped := [3]int{}
	for range barewordRounds {
		var b strings.Builder
		for n := 2 + r.IntN(3); n > 0; n-- {
			switch r.IntN(6) {
			case 0:
				b.WriteString(pick(keywords))
			case 1:
				b.WriteString(pick(heads))
			default:
				b.WriteString(pick(plain))
			}
			if r.IntN(4) > 0 {
				b.WriteByte(' ')
			}
		}
		for n := r.IntN(5); n > 0; n-- {
			b.WriteString(pick(sqlFragments))
			b.WriteByte(' ')
			if r.IntN(2) == 0 {
				b.WriteString(strings.ToLower(pick(keywords)) + " ")
			}
		}
		v := b.String()

		if startsWithBarewords(v, 2) {
			skipped[2]++
			ok, fingerprint := libinjection.IsSQLi(v)
			require.False(t, ok, "%q starts with barewords but libinjection flags it as %q", v, fingerprint)
		}
		if startsWithBarewords(v, 1) {
			skipped[1]++
			ok, fingerprint := libinjection.IsSQLi("'" + v)
			require.False(t, ok, "%q starts with a bareword but libinjection flags it after a quote as %q", v, fingerprint)
		}
	}
	require.Greater(t, skipped[2], 20_000, "too few values start with two barewords")
	require.Greater(t, skipped[1], 40_000, "too few values start with a bareword")
}

func TestBarewordStart(t *testing.T) {
	cases := []struct {
		value  string
		tokens int
		want   bool
	}{
		{"Please deliver after 6 pm; ring twice & leave it", 2, true},
		{"blue wool scarf", 2, true},
		{"s.oconnell@example.org", 2, true},
		{"scarf", 2, true},
		{"1 union select 1", 2, false},
		{"select name", 2, false},
		{"name union select 1", 2, false},
		{"Siobhan O'Connell", 2, true},
		{"Siobhan O'Connell", 1, true},
		{"x y' or 1=1", 2, false},
		{"x y' zz", 2, true},
		{"x y'' or 1=1", 2, false},
		{"x y\\' z", 2, false},
		{"x \"y\"", 2, false},
		{"a /*! union */", 2, false},
		{"order by 1", 2, false},
		{"user.name x", 2, false},
		{"x @@version", 2, false},
		{"café au lait", 2, false},
		{"foo\x01bar baz", 2, false},
		{"https://app.example.com/orders?page=2", 2, true},
		{"a:=1", 2, false},
		{"a::int", 2, false},
		{"a:", 2, false},
		{"ring twice", 1, true},
		{"or 1=1", 1, false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, startsWithBarewords(tc.value, tc.tokens), "%q, %d tokens", tc.value, tc.tokens)
	}
}

// TestClassIndexMatchesNeeds checks that a classIndex selects exactly the
// signatures whose byte-class needs a random class set meets.
func TestClassIndexMatchesNeeds(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(11, 12))
	for _, set := range [][]Signature{builtinSignatures, shellSignatures} {
		index := indexSignatures(set)
		require.NotNil(t, index)
		for range 10_000 {
			c := class(r.Uint64()&r.Uint64()) & (cNonASCII<<1 - 1)
			got := index.candidates(c)
			for i := range set {
				require.Equal(t, set[i].hasNeeds(c), got&(1<<i) != 0, "signature %s, classes %b", set[i].ID, c)
			}
		}
	}
}

// TestScanFoldMatchesFold checks that scan.fold, which reuses a buffer,
// returns what Fold returns.
func TestScanFoldMatchesFold(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	s := scan{policy: DefaultPolicy()}
	for range 20_000 {
		v := randomValue(r)
		want, wantChanged := Fold(v)
		got, changed := s.fold(v, classify(v))
		require.Equal(t, want, got, "%q", v)
		require.Equal(t, wantChanged, changed, "%q", v)
	}
}

// TestMayBeXSSAdmitsEveryFinding checks on random attribute-like values
// that mayBeXSS accepts every value that libinjection's XSS check flags.
func TestMayBeXSSAdmitsEveryFinding(t *testing.T) {
	names := []string{"onerror", "OnLoad", "onx", "on\x00error", "o\x00nclick", "style", "STYLE", "href", "src", "xlink:href",
		"xmlns", "xlink", "formaction", "attributename", "values", "to", "by", "from", "filter", "background", "x", "data", "title"}
	separators := []string{" ", "\t", "\v", "\n", "/", `"`, "'", "`", "=", "==", ">", "\x00", "  ", " = "}
	values := []string{"alert(1)", "javascript:alert(1)", "JaVaScRiPt:x", "x", "expression(x)", "&#x6a;avascript:x",
		"data:text/html,x", "vbscript:x", "onerror", "'x'", `"y"`, "", "<b>"}

	r := rand.New(rand.NewPCG(17, 18))
	flagged := 0
	for range 200_000 {
		var b strings.Builder
		for n := 1 + r.IntN(6); n > 0; n-- {
			switch r.IntN(3) {
			case 0:
				b.WriteString(names[r.IntN(len(names))])
			case 1:
				b.WriteString(separators[r.IntN(len(separators))])
			default:
				b.WriteString(values[r.IntN(len(values))])
			}
		}
		v := b.String()
		if !libinjection.IsXSS(v) {
			continue
		}
		if !strings.Contains(v, "<") {
			flagged++
		}
		require.True(t, mayBeXSS(v), "libinjection flags %q but mayBeXSS rejects it", v)
	}
	require.Greater(t, flagged, 2_000, "too few values without '<' are flagged to test mayBeXSS")
}

// skipUnderRace skips a test of pure logic that takes many seconds under
// -race; make test also runs it without -race.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("pure logic, slow under -race; it runs in the test pass without -race")
	}
}

// TestPlainClassesMatchesPlainBytes checks that plainClasses, which reads
// the byte classes, agrees with plainBytes, which reads the bytes.
func TestPlainClassesMatchesPlainBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	values := []string{"a/*b", "a/b*", "a\vb", "a\x7fb", "a\x01b", `a"b`, "a{b", "a`b", "é", "a\x00b", "plain words"}
	for range 20_000 {
		values = append(values, randomValue(r))
	}
	for _, v := range values {
		require.Equal(t, plainBytes(v), plainClasses(v, classify(v)), "%q", v)
	}
}

// TestSQLWordShapesAdmitEveryWord checks that the shape pre-check of
// isSQLWord admits every word of sqlWords, in upper and lower case.
func TestSQLWordShapesAdmitEveryWord(t *testing.T) {
	for word := range sqlWords {
		require.True(t, isSQLWord(word), "%q", word)
		require.True(t, isSQLWord(strings.ToLower(word)), "%q in lower case", word)
	}
	require.False(t, isSQLWord("Siobhan"))
	require.False(t, isSQLWord(""))
}

func TestHasHexTwoMatchesFoldedContains(t *testing.T) {
	for _, v := range []string{"0x2", "0X2e", "a0x2f", "0x", "x2", "00x3", "0y2", "ab0X20", ""} {
		require.Equal(t, strings.Contains(strings.ToLower(v), "0x2"), hasHexTwo(v), "%q", v)
	}
}

// TestCommandShapesAdmitEveryName checks that mayBeCommand admits every
// name of commandNames and commandPrefixes.
func TestCommandShapesAdmitEveryName(t *testing.T) {
	for _, set := range []map[string]bool{commandNames, commandPrefixes} {
		for name := range set {
			require.True(t, mayBeCommand(name), "%q", name)
		}
	}
	require.False(t, mayBeCommand(""))
	require.False(t, mayBeCommand("please"))
}
