package inject

import (
	"encoding/base64"
	"strings"

	"github.com/corazawaf/libinjection-go"
)

// checkValue runs every detector on one value and appends what it finds
// to s.findings. plus selects '+' as space, for query and form values.
func (s *scan) checkValue(raw string, plus bool, loc Location) {
	if len(raw) == 0 {
		return
	}
	if isPlainToken(raw) {
		s.checkToken(raw, loc)
		if len(s.policy.Custom) > 0 {
			folded, changed := Fold(raw)
			steps := Transform(0)
			if changed {
				steps = CaseFold
			}
			s.checkSignatures(s.policy.Custom, folded, steps, loc)
		}
		return
	}
	if len(raw) > maxValueBytes {
		raw = raw[:maxValueBytes]
	}

	value, steps := Normalize(raw, plus, s.policy.DecodeDepth)
	folded, foldChanged := Fold(value)
	foldSteps := steps
	if foldChanged {
		foldSteps |= CaseFold
	}

	if s.want(SQLi) {
		if ok, _ := libinjection.IsSQLi(value); ok {
			s.add(Finding{Category: SQLi, Rule: "libinjection-sqli", Severity: High, Location: loc, Transforms: steps})
		}
	}
	if s.want(XSS) {
		s.checkXSS(value, steps, loc)
	}
	if s.want(PathTraversal) {
		s.checkTraversal(folded, foldSteps, loc)
	}
	s.checkSignatures(builtinSignatures, folded, foldSteps, loc)
	s.checkSignatures(s.policy.Custom, folded, foldSteps, loc)

	if s.want(CommandInjection) {
		if plain := deobfuscateShell(folded); plain != "" {
			s.checkSignatures(shellSignatures, plain, foldSteps, loc)
		}
	}
}

// checkXSS runs libinjection's XSS check on the value and, when it holds
// character references, on the HTML-decoded value.
func (s *scan) checkXSS(value string, steps Transform, loc Location) {
	if strings.IndexByte(value, '<') < 0 && strings.IndexByte(value, '&') < 0 &&
		strings.IndexByte(value, '"') < 0 && strings.IndexByte(value, '\'') < 0 &&
		strings.IndexByte(value, '`') < 0 && !strings.Contains(value, "=") {
		return
	}
	if libinjection.IsXSS(value) {
		s.add(Finding{Category: XSS, Rule: "libinjection-xss", Severity: High, Location: loc, Transforms: steps})
		return
	}

	decoded, changed := DecodeHTML(value)
	if !changed {
		return
	}
	if libinjection.IsXSS(decoded) {
		s.add(Finding{Category: XSS, Rule: "libinjection-xss", Severity: High, Location: loc, Transforms: steps | HTMLEntities})
		return
	}
	folded, _ := Fold(decoded)
	for i := range builtinSignatures {
		sig := &builtinSignatures[i]
		if sig.Category == XSS && s.counts(sig) && sig.matches(folded) {
			s.add(Finding{Category: XSS, Rule: sig.ID, Severity: sig.Severity, Location: loc, Transforms: steps | HTMLEntities | CaseFold})
		}
	}
}

// checkTraversal flags parent-directory sequences: two or more leave a
// web root, one at the start of a value is a relative path escape.
func (s *scan) checkTraversal(folded string, steps Transform, loc Location) {
	if !strings.Contains(folded, "..") {
		return
	}
	path := unicodeSlashes.Replace(folded)
	count := strings.Count(path, "../") + strings.Count(path, `..\`) + strings.Count(path, "..;/")

	switch {
	case count >= 2:
		s.add(Finding{Category: PathTraversal, Rule: "traversal-parent-directories", Severity: High, Location: loc, Transforms: steps})
	case count == 1 && (strings.HasPrefix(path, "../") || strings.HasPrefix(path, `..\`)):
		s.add(Finding{Category: PathTraversal, Rule: "traversal-relative-escape", Severity: Low, Location: loc, Transforms: steps})
	}
}

// checkSignatures appends a finding for each matching signature that the
// policy counts.
func (s *scan) checkSignatures(set []Signature, folded string, steps Transform, loc Location) {
	for i := range set {
		sig := &set[i]
		if !s.counts(sig) {
			continue
		}
		if sig.matches(folded) {
			s.add(Finding{Category: sig.Category, Rule: sig.ID, Severity: sig.Severity, Location: loc, Transforms: steps})
		}
	}
}

// shellSignatures are the command signatures checked again on a value
// whose shell quoting tricks were removed.
var shellSignatures = func() []Signature {
	var set []Signature
	for _, sig := range builtinSignatures {
		if sig.Category == CommandInjection {
			sig.ID += "-unquoted"
			set = append(set, sig)
		}
	}
	return set
}()

// checkOperatorKey flags a JSON object key that is a NoSQL operator.
func (s *scan) checkOperatorKey(key string, loc Location) {
	if len(key) < 3 || key[0] != '$' || !s.want(NoSQL) {
		return
	}
	folded, changed := Fold(key)
	if !nosqlOperatorName.MatchString(folded) {
		return
	}
	var steps Transform
	if changed {
		steps = CaseFold
	}
	s.add(Finding{Category: NoSQL, Rule: "nosqli-operator-key", Severity: High, Location: loc, Transforms: steps})
}

// isPlainToken reports whether v holds only letters, digits and "-_.",
// which no detector flags, so that the common value costs one pass.
func isPlainToken(v string) bool {
	if len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// javaGadgets are class and method names of Java deserialization gadget
// chains and of the classes they reach, lower-cased.
var javaGadgets = []string{
	"clonetransformer", "forclosure", "instantiatefactory", "instantiatetransformer",
	"invokertransformer", "prototypeclonefactory", "prototypeserializationfactory",
	"whileclosure", "chainedtransformer", "constanttransformer", "processbuilder",
	"java.lang.runtime", "java.io.fileoutputstream", "com.opensymphony.xwork2",
	"org.apache.commons.collections", "javax.script.scriptenginemanager",
}

// javaGadgetWords are gadget names short enough to appear alone, checked
// only in base64-decoded tokens, where CRS looks for them too.
var javaGadgetWords = append([]string{"runtime", "closure", "transformer"}, javaGadgets...)

// checkToken checks a value made only of name characters for Java gadget
// names, as written or base64-encoded.
func (s *scan) checkToken(token string, loc Location) {
	if len(token) < 7 {
		return
	}
	folded, changed := Fold(token)
	var steps Transform
	if changed {
		steps = CaseFold
	}
	if strings.Contains(folded, "__") {
		// Dunder names such as __proto__ are plain tokens too.
		s.checkSignatures(builtinSignatures, folded, steps, loc)
	}
	if containsAny(folded, javaGadgets) {
		s.add(Finding{Category: CodeInjection, Rule: "code-java-class", Severity: High, Location: loc, Transforms: steps})
		return
	}

	decoded, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(token, "="))
	if err != nil || len(decoded) < 5 {
		return
	}
	if text, _ := Fold(string(decoded)); containsAny(text, javaGadgetWords) {
		s.add(Finding{Category: CodeInjection, Rule: "code-java-class-base64", Severity: Medium, Location: loc, Transforms: steps})
	}
}
