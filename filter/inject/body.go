package inject

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"unicode/utf8"
)

// BodyKind is the format a body was scanned as.
type BodyKind uint8

// The body kinds, found by Sniff.
const (
	BodyText BodyKind = iota
	BodyJSON
	BodyForm
	BodyMultipart

	// BodyBinary is a body that is not text, such as an image or a
	// protobuf message; it is not scanned.
	BodyBinary
)

// Sniff returns what the body is, whatever its declared content type:
// valid JSON is JSON, a body that splits into name=value pairs is a form,
// and a multipart type with a boundary that the body uses is multipart.
// The boundary is returned for multipart bodies.
func Sniff(contentType string, body []byte) (BodyKind, string) {
	if mayBeJSON(body) && validJSON(body) {
		return BodyJSON, ""
	}
	return sniffNotJSON(contentType, body)
}

// mayBeJSON reports whether the first byte of body after spaces opens an
// object or an array, the JSON bodies that Sniff accepts.
func mayBeJSON(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

// sniffNotJSON is Sniff for a body that is not valid JSON.
func sniffNotJSON(contentType string, body []byte) (BodyKind, string) {
	mediaType, params, _ := mime.ParseMediaType(contentType)
	if strings.HasPrefix(mediaType, "multipart/") {
		boundary := params["boundary"]
		if boundary != "" && bytes.Contains(body, []byte("--"+boundary)) {
			return BodyMultipart, boundary
		}
	}
	if mediaType == "application/x-www-form-urlencoded" || looksLikeForm(body) {
		return BodyForm, ""
	}
	if looksBinary(body) {
		return BodyBinary, ""
	}
	return BodyText, ""
}

// binarySampleBytes is how much of a body looksBinary reads.
const binarySampleBytes = 4096

// looksBinary reports whether more than a tenth of the first 4 KiB of b are
// control bytes or bytes of invalid UTF-8, as in images, archives and
// protobuf messages. A text payload with a few stray bytes stays text and is
// scanned, so a single invalid byte cannot hide an attack. A payload padded
// with enough binary to count as binary is no longer text that an upstream
// would parse as such.
func looksBinary(b []byte) bool {
	sample := b[:min(len(b), binarySampleBytes)]
	odd := 0
	for i := 0; i < len(sample); {
		c := sample[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				odd++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(sample[i:])
		if r == utf8.RuneError && size == 1 {
			// A rune cut by the end of the sample is not evidence.
			if len(sample)-i >= utf8.UTFMax || len(sample) == len(b) {
				odd++
			}
		}
		i += size
	}
	return odd*10 > len(sample)
}

// looksLikeForm reports whether body is one line of name=value pairs
// whose names are plain parameter names.
func looksLikeForm(body []byte) bool {
	if len(body) == 0 || bytes.ContainsAny(body, " \t\r\n<>{}\"") || bytes.IndexByte(body, '=') < 0 {
		return false
	}
	for pair := range bytes.SplitSeq(body, []byte("&")) {
		name, _, ok := bytes.Cut(pair, []byte("="))
		if !ok || len(name) == 0 {
			return false
		}
		for _, c := range name {
			if !(isNameByte(c) || c == '.' || c == '[' || c == ']' || c == '%') {
				return false
			}
		}
	}
	return true
}

// ScanBody scans a request body according to what Sniff finds it to be.
// The caller bounds its size with MaxBodyBytes. body must not change
// during the call, and nothing refers to it after the call.
func (p *Policy) ScanBody(contentType string, body []byte) []Finding {
	if p.Disabled || len(body) == 0 {
		return nil
	}
	s := newScan(p)
	s.body(contentType, body)
	return s.release()
}

func (s *scan) body(contentType string, body []byte) {
	// The JSON walk checks the syntax as it goes, so that a JSON body,
	// the common case, is read once. When the body turns out not to be
	// JSON, the findings of its walk are dropped.
	if mayBeJSON(body) {
		if s.json(body) {
			return
		}
		s.findings = s.findings[:0]
	}

	kind, boundary := sniffNotJSON(contentType, body)
	switch kind {
	case BodyForm:
		s.pairs(string(body), InFormName, InFormValue)
	case BodyMultipart:
		s.multipart(body, boundary)
	case BodyBinary:
		// Not text: nothing an injection detector can read.
	default:
		s.text(string(body))
	}
}

// text scans a body of unknown structure in windows of maxValueBytes, and
// the text between the tags of markup separately.
func (s *scan) text(body string) {
	const overlap = 256
	for start := 0; start < len(body) && !s.full(); start += maxValueBytes - overlap {
		end := min(start+maxValueBytes, len(body))
		s.checkValue(body[start:end], false, Location{Kind: InText, Name: "body"})
		if end == len(body) {
			break
		}
	}

	if !strings.HasPrefix(strings.TrimSpace(body), "<") {
		return
	}
	for part := range strings.SplitSeq(body, "<") {
		_, content, ok := strings.Cut(part, ">")
		if ok && strings.TrimSpace(content) != "" {
			s.checkValue(content, false, Location{Kind: InText, Name: "element"})
		}
		if s.full() {
			return
		}
	}
}

// maxMultipartParts bounds the parts read from one multipart body.
const maxMultipartParts = 256

// multipart scans the field names and values of a multipart/form-data
// body, the file names, and file contents that are UTF-8 text.
func (s *scan) multipart(body []byte, boundary string) {
	reader := multipart.NewReader(bytes.NewReader(body), boundary)
	for range maxMultipartParts {
		part, err := reader.NextRawPart()
		if err != nil {
			// A truncated or malformed body ends the walk; what was
			// read so far has been scanned.
			return
		}
		name := part.FormName()
		if s.policy.Exclusions.parameter(name) {
			continue
		}

		loc := Location{Kind: InMultipart, Name: shortName(name)}
		s.checkValue(part.FileName(), false, loc)
		content, err := io.ReadAll(io.LimitReader(part, int64(len(body))))
		if err == nil && !looksBinary(content) {
			s.checkValue(string(content), false, loc)
		}
		if s.full() {
			return
		}
	}
}
