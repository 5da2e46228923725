package inject

import (
	"unsafe"

	"github.com/tidwall/gjson"
)

// MaxJSONDepth bounds the nesting the JSON walker descends into. Deeper
// containers are scanned as one text value, so nesting cannot hide a
// payload.
const MaxJSONDepth = 32

func validJSON(data []byte) bool { return gjson.ValidBytes(data) }

// jsonWalker visits every key and string leaf of a JSON document, and
// checks that the document is valid as validJSON does, in one pass over
// its bytes. It reads numbers and literals only to check their syntax,
// where a walk with gjson's ForEach reads each container once per level
// of nesting and parses every number.
type jsonWalker struct {
	data string
	path []pathStep

	// scan receives the keys and leaves, or visitor when scan is nil. The
	// walk reads the scan's findings and exclusions itself, twice per key
	// and value, because in wasm a call costs more than that check.
	scan    *scan
	visitor jsonVisitor

	// unexcluded is set when scan is set and its policy excludes no JSON
	// path, so that skip only counts findings.
	unexcluded bool
}

// jsonVisitor receives what a jsonWalker without a scan finds, in tests.
type jsonVisitor interface {
	// visitJSON receives each key (InJSONKey) and each string leaf or
	// too-deep container (InJSONValue), with the path of the value in
	// w.path.
	visitJSON(w *jsonWalker, text string, kind LocationKind)

	// skipJSON reports whether the value at w.path is not scanned, and
	// stopJSON whether the walk ends.
	skipJSON(w *jsonWalker) bool
	stopJSON() bool
}

// json scans body as JSON and reports whether it is valid JSON, as
// validJSON would. When it is not, the findings are those of the part
// before the error, and the caller drops them. The walk reads body
// through a string that shares its memory, without a copy, because no
// finding keeps text of the body: JSON locations are paths formatted into
// new strings (see scan.add), so nothing refers to body after the scan.
func (s *scan) json(body []byte) bool {
	data := unsafe.String(unsafe.SliceData(body), len(body))
	w := &s.walker
	*w = jsonWalker{data: data, path: w.path[:0], scan: s, unexcluded: len(s.policy.Exclusions.JSONPaths) == 0}
	s.jsonPath = &w.path
	valid := w.document()
	s.jsonPath = nil
	return valid
}

// document walks the whole of w.data, one value between spaces, and
// reports whether it is valid JSON.
func (w *jsonWalker) document() bool {
	end, ok := w.value(0)
	return ok && w.skipSpace(end) == len(w.data)
}

func (w *jsonWalker) visit(text string, c class, kind LocationKind) {
	if w.scan != nil {
		w.scan.visitJSON(text, c, kind)
		return
	}
	w.visitor.visitJSON(w, text, kind)
}

// skip reports whether the walk ends or leaves out the value at w.path.
// A scan without JSON exclusions needs one comparison, which the
// compiler inlines, because in wasm a call costs more than that.
func (w *jsonWalker) skip() bool {
	if w.unexcluded {
		return len(w.scan.findings) >= MaxFindings
	}
	return w.skipOrStop()
}

func (w *jsonWalker) skipOrStop() bool {
	if s := w.scan; s != nil {
		return len(s.findings) >= MaxFindings ||
			len(s.policy.Exclusions.JSONPaths) > 0 && s.policy.Exclusions.jsonPath(w.path)
	}
	return w.visitor.stopJSON() || w.visitor.skipJSON(w)
}

// visitJSON scans a key as a NoSQL operator and as a value, and a leaf as a
// value. c contains the classes of text. The path is formatted only for a
// finding; see scan.add.
func (s *scan) visitJSON(text string, c class, kind LocationKind) {
	if kind == InJSONKey {
		loc := Location{Kind: InJSONKey}
		s.checkOperatorKey(text, loc)
		s.checkClassified(text, c, false, loc)
		return
	}
	if len(text) < minBase64Core && c.only(cToken) {
		return
	}
	s.checkClassified(text, c, false, Location{Kind: kind})
}

// quietJSON reports whether visitJSON would find nothing in text, whose
// classes are c, without calling it: a leaf or key that is a plain token
// which no detector reads (see scan.quietToken).
func (w *jsonWalker) quietJSON(text string, c class, kind LocationKind) bool {
	if w.scan == nil || !c.only(cToken) || len(text) > maxTokenBytes {
		return false
	}
	return kind == InJSONValue && len(text) < minBase64Core || w.scan.quietToken(text, c)
}

// value walks the value that starts at or after data[i], after spaces,
// and returns the index just past it and whether it is valid.
func (w *jsonWalker) value(i int) (int, bool) {
	i = w.skipSpace(i)
	if i >= len(w.data) {
		return i, false
	}
	if w.skip() {
		return w.validValue(i)
	}

	switch w.data[i] {
	case '"':
		text, c, end, ok := w.str(i)
		if ok && !w.quietJSON(text, c, InJSONValue) {
			w.visit(text, c, InJSONValue)
		}
		return end, ok
	case '{', '[':
		if len(w.path) >= MaxJSONDepth {
			end, ok := w.validValue(i)
			if ok {
				w.visit(w.data[i:end], classifyValue(w.data[i:end]), InJSONValue)
			}
			return end, ok
		}
		return w.container(i)
	}
	return w.validValue(i)
}

// container walks the object or array at data[i] and returns the index
// just past it and whether it is valid.
func (w *jsonWalker) container(i int) (int, bool) {
	isObject := w.data[i] == '{'
	closing := byte(']')
	if isObject {
		closing = '}'
	}
	i = w.skipSpace(i + 1)
	if i < len(w.data) && w.data[i] == closing {
		return i + 1, true
	}

	for index := 0; ; index++ {
		step := pathStep{index: index, isIndex: true}
		var key string
		var keyClasses class
		if isObject {
			var ok bool
			if key, keyClasses, i, ok = w.memberKey(i); !ok {
				return i, false
			}
			step = pathStep{key: key}
		}
		w.path = append(w.path, step)

		if isObject && !w.skip() && !w.quietJSON(key, keyClasses, InJSONKey) {
			w.visit(key, keyClasses, InJSONKey)
		}
		end, ok := w.value(i)
		w.path = w.path[:len(w.path)-1]
		if !ok {
			return end, false
		}

		i = w.skipSpace(end)
		switch {
		case i >= len(w.data):
			return i, false
		case w.data[i] == closing:
			return i + 1, true
		case w.data[i] != ',':
			return i, false
		}
		i = w.skipSpace(i + 1)
	}
}

// memberKey reads the key of an object member at data[i] and the colon
// after it, and returns the key, its classes, the index just past the
// colon and whether both are valid.
func (w *jsonWalker) memberKey(i int) (string, class, int, bool) {
	if i >= len(w.data) || w.data[i] != '"' {
		return "", 0, i, false
	}
	key, c, end, ok := w.str(i)
	if !ok {
		return "", 0, end, false
	}
	end = w.skipSpace(end)
	if end >= len(w.data) || w.data[end] != ':' {
		return "", 0, end, false
	}
	return key, c, end + 1, true
}

// str returns the text of the string at data[i], unescaped as gjson
// unescapes it, the classes of the text as classifyValue finds them, the
// index just past its closing quote, and whether the string is valid. It
// classifies the bytes as it looks for the quote, so that a string is
// read once.
func (w *jsonWalker) str(i int) (string, class, int, bool) {
	data := w.data // a local, which the loop does not reload from w
	var c class
	for j := i + 1; j < len(data); j++ {
		// The class of the byte rules out the three cases below for most
		// bytes with one test, where three comparisons cost more in wasm.
		b := data[j]
		bc := byteClass[b]
		if bc&stringStopClasses == 0 {
			c |= bc
			continue
		}
		switch {
		case b == '"':
			text := data[i+1 : j]
			if len(text) > maxValueBytes {
				c = classifyValue(text)
			}
			return text, c, j + 1, true
		case b == '\\':
			end, ok := w.validString(i + 1)
			if !ok {
				return "", 0, end, false
			}
			text := gjson.Parse(data[i:end]).Str
			return text, classifyValue(text), end, true
		case b < ' ':
			return "", 0, j, false
		}
		c |= bc
	}
	return "", 0, len(data), false
}

// stringStopClasses contains the classes of '"', '\' and the bytes below
// ' ', which end the fast path of str. Space and DEL share classes with
// them, so str compares the byte itself after this test.
const stringStopClasses = cDQuote | cBackslash | cSpace | cNewline | cControl | cNUL

func (w *jsonWalker) skipSpace(i int) int {
	data := w.data
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
