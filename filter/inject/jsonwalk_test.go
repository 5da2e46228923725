package inject

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// jsonVisit is one key or leaf that a JSON walk hands to the detectors.
type jsonVisit struct {
	kind LocationKind
	path string
	text string
}

// walkWithGJSON is the walk that jsonWalker replaced, written with gjson's
// ForEach, as the reference of TestJSONWalkerMatchesGJSON. excluded plays
// the part of the exclusions and stopAfter that of a full scan.
func walkWithGJSON(body []byte, excluded func(string) bool, stopAfter int) []jsonVisit {
	var visits []jsonVisit
	var path []pathStep
	full := func() bool { return len(visits) >= stopAfter }

	var walk func(v gjson.Result)
	walk = func(v gjson.Result) {
		if full() || excluded(formatJSONPath(path)) {
			return
		}
		switch {
		case v.Type == gjson.String:
			visits = append(visits, jsonVisit{InJSONValue, formatJSONPath(path), v.Str})
		case v.IsObject() || v.IsArray():
			if len(path) >= MaxJSONDepth {
				visits = append(visits, jsonVisit{InJSONValue, formatJSONPath(path), v.Raw})
				return
			}
			isObject, i := v.IsObject(), 0
			v.ForEach(func(key, value gjson.Result) bool {
				step := pathStep{index: i, isIndex: true}
				if isObject {
					step = pathStep{key: key.Str}
				}
				path = append(path, step)
				if isObject && !excluded(formatJSONPath(path)) {
					visits = append(visits, jsonVisit{InJSONKey, formatJSONPath(path), key.Str})
				}
				walk(value)
				path = path[:len(path)-1]
				i++
				return !full()
			})
		}
	}
	walk(gjson.ParseBytes(body))
	return visits
}

// walkRecorder records the visits of a jsonWalker, with the exclusions
// and early stop of walkWithGJSON.
type walkRecorder struct {
	visits    []jsonVisit
	excluded  func(string) bool
	stopAfter int
}

func (r *walkRecorder) visitJSON(w *jsonWalker, text string, kind LocationKind) {
	r.visits = append(r.visits, jsonVisit{kind, formatJSONPath(w.path), text})
}

func (r *walkRecorder) skipJSON(w *jsonWalker) bool { return r.excluded(formatJSONPath(w.path)) }

func (r *walkRecorder) stopJSON() bool { return len(r.visits) >= r.stopAfter }

func walkWithWalker(body []byte, excluded func(string) bool, stopAfter int) []jsonVisit {
	r := walkRecorder{excluded: excluded, stopAfter: stopAfter}
	w := jsonWalker{data: string(body), visitor: &r}
	w.value(0)
	return r.visits
}

// randomJSON returns a random JSON document with escapes, numbers,
// literals, empty containers, odd spacing and deep nesting.
func randomJSON(r *rand.Rand, depth int) string {
	space := []string{"", " ", "\n\t", "\r\n  "}[r.IntN(4)]
	if depth > MaxJSONDepth+3 || depth > 0 && r.IntN(3) == 0 {
		leaves := []string{`"a"`, `"x\"y"`, `"\u0041\ud83d\ude00\n"`, `"a\\b"`, `""`, `-12.5e+3`, `0`, `true`, `false`, `null`, `"<b>é</b>"`, `"a,b]}"`}
		return leaves[r.IntN(len(leaves))]
	}
	n := r.IntN(4)
	if depth > 2 && r.IntN(2) == 0 {
		n = 1 // keep a chain going towards MaxJSONDepth
	}
	parts := make([]string, n)
	object := r.IntN(2) == 0
	for i := range parts {
		parts[i] = randomJSON(r, depth+1)
		if object {
			keys := []string{`"k"`, `"$ne"`, `"a\"b"`, `"x` + strconv.Itoa(i) + `"`, `""`, `"\u0024where"`}
			parts[i] = keys[r.IntN(len(keys))] + space + ":" + space + parts[i]
		}
	}
	body := strings.Join(parts, space+","+space)
	if object {
		return "{" + space + body + space + "}"
	}
	return "[" + space + body + space + "]"
}

// TestJSONWalkerMatchesGJSON requires jsonWalker to hand the detectors the
// same keys and leaves, with the same paths, as the gjson walk it
// replaced, with and without exclusions and an early stop.
func TestJSONWalkerMatchesGJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	none := func(string) bool { return false }
	someKeys := func(p string) bool { return strings.HasSuffix(p, ".k") || strings.HasSuffix(p, "[1]") }
	docs := []string{
		`{}`, `[]`, ` [ ] `, `{"a":"b"}`, `{"items": [{"note": "ok"}, {"note": "1' OR '1'='1"}]}`,
		strings.Repeat(`{"a":`, MaxJSONDepth+5) + `"<script>"` + strings.Repeat("}", MaxJSONDepth+5),
		strings.Repeat(`[`, MaxJSONDepth+2) + `"x"` + strings.Repeat("]", MaxJSONDepth+2),
	}
	for range 3000 {
		docs = append(docs, randomJSON(r, 0))
	}

	for _, doc := range docs {
		require.True(t, validJSON([]byte(doc)), "%s", doc)
		for _, stopAfter := range []int{1 << 30, 3} {
			for _, excluded := range []func(string) bool{none, someKeys} {
				want := walkWithGJSON([]byte(doc), excluded, stopAfter)
				got := walkWithWalker([]byte(doc), excluded, stopAfter)
				require.Equal(t, want, got, "%s", doc)
			}
		}
	}
}

// TestJSONFindingsOutliveBody checks that findings keep no memory of the
// body, which the walk reads without a copy: overwriting the body after
// the scan leaves them unchanged.
func TestJSONFindingsOutliveBody(t *testing.T) {
	body := []byte(`{"items": [{"note": "1' OR '1'='1"}], "$where": "x"}`)
	findings := DefaultPolicy().ScanBody("application/json", body)
	require.NotEmpty(t, findings)
	var locations []string
	for _, f := range findings {
		locations = append(locations, strings.Clone(f.Location.String()))
	}

	for i := range body {
		body[i] = 'x'
	}
	for i, f := range findings {
		require.Equal(t, locations[i], f.Location.String())
	}
}

// invalidJSON are bodies that open an object or array but are not valid
// JSON, one for each check of the walker's syntax.
var invalidJSON = []string{
	`{`, `[`, `{"a"}`, `{"a" 1}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{1:2}`, `{"a":1 "b":2}`,
	`[01]`, `[-]`, `[-a]`, `[1.]`, `[1.e5]`, `[1e]`, `[1e+]`, `[.5]`, `[+1]`, `[tru]`, `[nul]`, `[falsy]`,
	`["a` + "\n" + `b"]`, `["\x"]`, `["\u12"]`, `["\u12g4"]`, `["abc`, `["\`, `{} {}`, `[] x`, `[1]]`,
	`{"a":[1,2}`, `[{"a":1]`, `["a":1]`, `{"a":"b",,"c":1}`, `[1 2]`, `[nulll]`, `[trueee]`, `{"a":1}}`,
}

// TestJSONWalkerValidatesLikeGJSON requires the walk to accept exactly
// the bodies that gjson.ValidBytes accepts: the random documents of
// TestJSONWalkerMatchesGJSON, each also cut, with a byte removed,
// replaced or added, and hand-written invalid bodies. Scans with every
// value excluded, which check the syntax without visiting, must agree
// too.
func TestJSONWalkerValidatesLikeGJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	docs := append([]string{`{}`, ` [ 1, -0.5e-3, 1E+2, true, false, null, "\u00e9\"\\\/\b\f\n\r\t", "` + "\xff\x7f" + `"] `}, invalidJSON...)
	const mutations = `{}[]":,.-+eE0123456789tfnu\ x` + "\x00\n\t"
	for range 3000 {
		doc := randomJSON(r, 0)
		docs = append(docs, doc)
		i := r.IntN(len(doc))
		docs = append(docs,
			doc[:i],
			doc[:i]+doc[i+1:],
			doc[:i]+string(mutations[r.IntN(len(mutations))])+doc[i+1:],
			doc[:i]+string(mutations[r.IntN(len(mutations))])+doc[i:],
		)
	}

	excludeAll := DefaultPolicy()
	for _, path := range []string{"$.*", "$[*]"} {
		p, err := ParseJSONPath(path)
		require.NoError(t, err)
		excludeAll.Exclusions.JSONPaths = append(excludeAll.Exclusions.JSONPaths, p)
	}
	valid := 0
	for _, doc := range docs {
		if !mayBeJSON([]byte(doc)) {
			continue
		}
		want := gjson.ValidBytes([]byte(doc))
		if want {
			valid++
		}
		recorder := walkRecorder{excluded: func(string) bool { return false }, stopAfter: 1 << 30}
		walker := jsonWalker{data: doc, visitor: &recorder}
		require.Equal(t, want, walker.document(), "visitor walk of %q", doc)
		for _, policy := range []*Policy{DefaultPolicy(), excludeAll} {
			s := scan{policy: policy}
			require.Equal(t, want, s.json([]byte(doc)), "scan of %q", doc)
		}
	}
	require.Greater(t, valid, 3000, "too few valid documents")
	require.Less(t, valid, len(docs)-3000, "too few invalid documents")
}

// TestScanBodyDropsFindingsOfInvalidJSON checks that a body that looks
// like JSON, holds findings, and turns out invalid after them is scanned
// as text. Its findings are those of the text scan, not of the walk, also
// when the walk stopped visiting at MaxFindings.
func TestScanBodyDropsFindingsOfInvalidJSON(t *testing.T) {
	attacks := `"1' OR '1'='1", "<script>alert(1)</script>", "; cat /etc/passwd"`
	for _, body := range []string{
		`{"a": [` + attacks + `], "b": 01}`,
		`{"a": [` + strings.Repeat(attacks+", ", 4) + `"x"], "b": tru}`,
	} {
		findings := DefaultPolicy().ScanBody("application/json", []byte(body))
		require.NotEmpty(t, findings, "%s", body)
		for _, f := range findings {
			require.Equal(t, InText, f.Location.Kind, "%s: %v", body, f)
		}
	}
}

// TestJSONStringClassesMatchClassify checks that the classes the walker
// finds while it reads a string, which checkValue then trusts, are those
// that classifyValue finds in the unescaped text.
func TestJSONStringClassesMatchClassify(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for range 20_000 {
		v := randomValue(r)
		if r.IntN(4) == 0 {
			// Classes past maxValueBytes do not count.
			v = strings.Repeat("a", maxValueBytes-r.IntN(3)) + v
		}
		encoded, err := json.Marshal(v)
		require.NoError(t, err)
		w := jsonWalker{data: string(encoded)}
		text, c, end, ok := w.str(0)
		require.True(t, ok, "%s", encoded)
		require.Equal(t, len(encoded), end)
		require.Equal(t, v, text)
		require.Equal(t, classifyValue(text), c, "%q", v)
	}
}

// TestStringStopClassesCoverStops checks that every byte that ends or
// breaks a JSON string, '"', '\\' and the bytes below ' ', has a class of
// stringStopClasses, so that str's fast path never skips one.
func TestStringStopClassesCoverStops(t *testing.T) {
	for b := 0; b < 256; b++ {
		if b == '"' || b == '\\' || b < ' ' {
			require.NotZero(t, byteClass[b]&stringStopClasses, "byte %#x", b)
		}
	}
}
