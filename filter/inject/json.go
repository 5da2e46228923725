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

// jsonWalker visits every key and string leaf of a JSON document that
// validJSON accepted, in one pass over its bytes. It reads numbers and
// literals only to skip them, where a walk with gjson's ForEach reads each
// container once per level of nesting and parses every number.
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

// json scans a body that validJSON accepted. The walk reads body through
// a string that shares its memory, without a copy, because no finding
// keeps text of the body: JSON locations are paths formatted into new
// strings (see scan.add), so nothing refers to body after the scan.
func (s *scan) json(body []byte) {
	data := unsafe.String(unsafe.SliceData(body), len(body))
	w := jsonWalker{data: data, path: make([]pathStep, 0, 8), scan: s, unexcluded: len(s.policy.Exclusions.JSONPaths) == 0}
	s.jsonPath = &w.path
	w.value(0)
	s.jsonPath = nil
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
// and returns the index just past it.
func (w *jsonWalker) value(i int) int {
	i = w.skipSpace(i)
	if w.skip() {
		return w.skipValue(i)
	}

	switch w.data[i] {
	case '"':
		text, c, end := w.str(i)
		if !w.quietJSON(text, c, InJSONValue) {
			w.visit(text, c, InJSONValue)
		}
		return end
	case '{', '[':
		if len(w.path) >= MaxJSONDepth {
			end := w.skipValue(i)
			w.visit(w.data[i:end], classifyValue(w.data[i:end]), InJSONValue)
			return end
		}
		return w.container(i)
	}
	return w.skipValue(i)
}

// container walks the object or array at data[i] and returns the index
// just past it.
func (w *jsonWalker) container(i int) int {
	isObject := w.data[i] == '{'
	i = w.skipSpace(i + 1)
	for index := 0; w.data[i] != '}' && w.data[i] != ']'; index++ {
		step := pathStep{index: index, isIndex: true}
		var key string
		var keyClasses class
		if isObject {
			key, keyClasses, i = w.str(i)
			i = w.skipSpace(i) + 1 // the colon
			step = pathStep{key: key}
		}
		w.path = append(w.path, step)

		if isObject && !w.skip() && !w.quietJSON(key, keyClasses, InJSONKey) {
			w.visit(key, keyClasses, InJSONKey)
		}
		i = w.skipSpace(w.value(i))

		w.path = w.path[:len(w.path)-1]
		if w.data[i] == ',' {
			i = w.skipSpace(i + 1)
		}
	}
	return i + 1
}

// str returns the text of the string at data[i], unescaped as gjson
// unescapes it, the classes of the text as classifyValue finds them, and
// the index just past its closing quote. It classifies the bytes as it
// looks for the quote, so that a string is read once.
func (w *jsonWalker) str(i int) (string, class, int) {
	var c class
	for j := i + 1; j < len(w.data); j++ {
		b := w.data[j]
		switch b {
		case '\\':
			end := w.skipString(j)
			text := gjson.Parse(w.data[i:end]).Str
			return text, classifyValue(text), end
		case '"':
			text := w.data[i+1 : j]
			if len(text) > maxValueBytes {
				c = classifyValue(text)
			}
			return text, c, j + 1
		}
		c |= byteClass[b]
	}
	return w.data[i+1:], classifyValue(w.data[i+1:]), len(w.data) // not reached in valid JSON
}

// skipString returns the index just past the closing quote of the string
// that contains data[j].
func (w *jsonWalker) skipString(j int) int {
	for ; j < len(w.data); j++ {
		switch w.data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(w.data)
}

// skipValue returns the index just past the value at data[i].
func (w *jsonWalker) skipValue(i int) int {
	switch w.data[i] {
	case '"':
		return w.skipString(i + 1)
	case '{', '[':
		depth := 0
		for j := i; j < len(w.data); j++ {
			switch w.data[j] {
			case '"':
				j = w.skipString(j+1) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(w.data)
	}
	j := i
	for j < len(w.data) && !jsonValueEnd(w.data[j]) {
		j++
	}
	return j
}

// jsonValueEnd reports whether c ends a number or a literal.
func jsonValueEnd(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func (w *jsonWalker) skipSpace(i int) int {
	for i < len(w.data) && (w.data[i] == ' ' || w.data[i] == '\t' || w.data[i] == '\n' || w.data[i] == '\r') {
		i++
	}
	return i
}
