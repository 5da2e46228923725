package inject

import (
	"github.com/tidwall/gjson"
)

// MaxJSONDepth bounds the nesting the JSON walker descends into. Deeper
// containers are scanned as one text value, so nesting cannot hide a
// payload.
const MaxJSONDepth = 32

func validJSON(data []byte) bool { return gjson.ValidBytes(data) }

// jsonWalker visits every key and string leaf of a JSON document.
type jsonWalker struct {
	s    *scan
	path []pathStep
}

// json scans a body that validJSON accepted.
func (s *scan) json(body []byte) {
	w := jsonWalker{s: s, path: make([]pathStep, 0, 8)}
	s.jsonPath = &w.path
	w.walk(gjson.ParseBytes(body))
	s.jsonPath = nil
}

func (w *jsonWalker) walk(v gjson.Result) {
	if w.s.full() || w.s.policy.Exclusions.jsonPath(w.path) {
		return
	}

	switch {
	case v.Type == gjson.String:
		w.leaf(v.Str, InJSONValue)
	case v.IsObject() || v.IsArray():
		if len(w.path) >= MaxJSONDepth {
			w.leaf(v.Raw, InJSONValue)
			return
		}
		w.container(v)
	}
}

func (w *jsonWalker) container(v gjson.Result) {
	isObject := v.IsObject()
	i := 0
	v.ForEach(func(key, value gjson.Result) bool {
		step := pathStep{index: i, isIndex: true}
		if isObject {
			step = pathStep{key: key.Str}
		}
		w.path = append(w.path, step)

		if isObject && !w.s.policy.Exclusions.jsonPath(w.path) {
			w.key(key.Str)
		}
		w.walk(value)

		w.path = w.path[:len(w.path)-1]
		i++
		return !w.s.full()
	})
}

// key scans an object key as a NoSQL operator and as a value.
func (w *jsonWalker) key(name string) {
	// The path is formatted only for a finding; see scan.add.
	loc := Location{Kind: InJSONKey}
	w.s.checkOperatorKey(name, loc)
	w.s.checkValue(name, false, loc)
}

func (w *jsonWalker) leaf(value string, kind LocationKind) {
	if len(value) < minBase64Core && isPlainToken(value) {
		return
	}
	w.s.checkValue(value, false, Location{Kind: kind})
}
