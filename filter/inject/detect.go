package inject

import (
	"math/bits"
	"strings"

	"github.com/corazawaf/libinjection-go"
)

// checkValue runs every detector on one value and appends what it finds
// to s.findings. plus selects '+' as space, for query and form values.
//
// One pass finds the byte classes of the value (see class). Each step
// below runs only when the value contains the classes its detector needs,
// so an ordinary value costs that pass and a few tests.
func (s *scan) checkValue(raw string, plus bool, loc Location) {
	s.checkClassified(raw, classifyValue(raw), plus, loc)
}

// classifyValue returns the classes of the bytes of raw that checkValue
// reads: the first maxValueBytes.
func classifyValue(raw string) class {
	return classify(raw[:min(len(raw), maxValueBytes)])
}

// checkClassified is checkValue for a value whose classes c
// classifyValue returned.
func (s *scan) checkClassified(raw string, c class, plus bool, loc Location) {
	if len(raw) == 0 {
		return
	}
	if len(raw) > maxValueBytes {
		raw = raw[:maxValueBytes]
	}
	if c.only(cToken) && len(raw) <= maxTokenBytes {
		s.checkToken(raw, c, loc)
		return
	}

	value, steps := raw, Transform(0)
	if c.has(cPercent|cNUL|cNonASCII) || plus && c.has(cPlus) || exhaustive {
		value, steps = Normalize(raw, plus, s.policy.DecodeDepth)
		if steps != 0 {
			c = classify(value)
		}
	}
	// The class tests before the calls below repeat the first tests of
	// the functions they call, because in wasm a call costs more than the
	// test.
	folded, foldSteps := value, steps
	if c.has(cUpper | cNonASCII) {
		if lower, changed := s.fold(value, c); changed {
			folded, foldSteps = lower, steps|CaseFold
			if c.has(cNonASCII) {
				c = classify(folded)
			} else {
				c &^= cUpper // ASCII folding only turns A-Z into letters of no class
			}
		}
	}

	// A value of name characters and spaces can still be SQL, such as
	// "1 union select 1", so libinjection checks every value that is not a
	// plain token.
	if s.want(SQLi) {
		s.checkSQLi(value, folded, c, steps, loc)
	}
	if s.want(XSS) && (c.has(cLT|cEquals|cAmp) || exhaustive) {
		s.checkXSS(value, c, steps, loc)
	}
	if s.want(PathTraversal) && (c.has(cDot) && c.has(cSlash|cBackslash|cNonASCII) || exhaustive) {
		s.checkTraversal(folded, foldSteps, loc)
	}
	// The index finds the built-in signatures' keywords itself, and
	// custom signatures have none, so the pair set is not needed.
	t := traits{classes: c}
	s.checkSignatures(builtinSignatures, builtinIndex, folded, &t, foldSteps, loc)
	if len(s.policy.Custom) > 0 {
		s.checkSignatures(s.policy.Custom, nil, folded, &t, foldSteps, loc)
	}

	if s.want(CommandInjection) && (c.has(cQuoting|cBacktick|cLParen) && c.has(shellTriggers) || exhaustive) {
		var plain string
		plain, s.shellBuffer = deobfuscateShell(folded, s.shellBuffer)
		if plain != "" {
			pt := traits{classes: classify(plain)}
			s.checkSignatures(shellSignatures, shellIndex, plain, &pt, foldSteps, loc)
		}
	}
}

// checkSQLi runs libinjection's SQL check on value, alone and, when it
// looks like the continuation of a literal, after a quote. A value that
// starts with two plain barewords is SQL in neither form, because
// barewordStart with two tokens implies it with one
// (TestBarewordStartImpliesOneToken), so it is tested once for both. A
// value that starts with '-' or '/' and a word that operatorStart accepts
// can be SQL only after a quote, so only that form is checked.
func (s *scan) checkSQLi(value, folded string, c class, steps Transform, loc Location) {
	plain := !exhaustive && plainClasses(value, c)
	if plain && barewordStart(value, 2) {
		return
	}
	if !(plain && operatorStart(value)) && s.isSQLi(value, folded, c, false) {
		s.add(Finding{Category: SQLi, Rule: "libinjection-sqli", Severity: High, Location: loc, Transforms: steps})
	} else if sqlContinuation(value, c) && s.isSQLi(value, folded, c, true) {
		s.add(Finding{Category: SQLi, Rule: "libinjection-sqli-context", Severity: Medium, Location: loc, Transforms: steps})
	}
}

// exhaustive turns off the pre-checks that only save work: the byte-class
// gates of checkValue, the upper-case form that isSQLi passes to
// libinjection, and the class, keyword and precheck tests of the
// signatures. Tests set it to compare the results with and without them.
// Plain tokens still go to checkToken alone: that is a rule of what
// counts, not a pre-check.
var exhaustive = false

// checkXSS runs libinjection's XSS check on the value and, when it holds
// character references, on the HTML-decoded value. libinjection flags a
// tag, a comment, a doctype or an attribute value, and each needs '<' or
// '=' (TestXSSGateKeepsLibinjectionFindings). A character reference may
// decode to either.
func (s *scan) checkXSS(value string, c class, steps Transform, loc Location) {
	if (c.has(cLT|cEquals) && mayBeXSS(value) || exhaustive) && libinjection.IsXSS(value) {
		s.add(Finding{Category: XSS, Rule: "libinjection-xss", Severity: High, Location: loc, Transforms: steps})
		return
	}
	if !exhaustive && (!c.has(cAmp) || !hasCharacterReference(value)) {
		return
	}

	decoded, changed := DecodeHTML(value)
	if !changed {
		return
	}
	if (exhaustive || mayBeXSS(decoded)) && libinjection.IsXSS(decoded) {
		s.add(Finding{Category: XSS, Rule: "libinjection-xss", Severity: High, Location: loc, Transforms: steps | HTMLEntities})
		return
	}
	folded, _ := Fold(decoded)
	t := traitsOf(folded)
	for i := range builtinSignatures {
		sig := &builtinSignatures[i]
		if sig.Category == XSS && s.counts(sig) && sig.matches(folded, &t) {
			s.add(Finding{Category: XSS, Rule: sig.ID, Severity: sig.Severity, Location: loc, Transforms: steps | HTMLEntities | CaseFold})
		}
	}
}

// hasCharacterReference reports whether s holds '&' followed by '#' or a
// letter, the start of every HTML character reference.
func hasCharacterReference(s string) bool {
	for i := strings.IndexByte(s, '&'); i >= 0 && i+1 < len(s); {
		c := s[i+1] | 0x20
		if s[i+1] == '#' || 'a' <= c && c <= 'z' {
			return true
		}
		next := strings.IndexByte(s[i+1:], '&')
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// checkTraversal flags parent-directory sequences: two or more leave a
// web root, one at the start of a value is a relative path escape.
func (s *scan) checkTraversal(folded string, steps Transform, loc Location) {
	if !strings.Contains(folded, "..") {
		return
	}
	path := folded
	if !isASCII(path) {
		path = unicodeSlashes.Replace(path)
	}
	count := strings.Count(path, "../") + strings.Count(path, `..\`) + strings.Count(path, "..;/")

	switch {
	case count >= 2:
		s.add(Finding{Category: PathTraversal, Rule: "traversal-parent-directories", Severity: High, Location: loc, Transforms: steps})
	case count == 1 && (strings.HasPrefix(path, "../") || strings.HasPrefix(path, `..\`)):
		s.add(Finding{Category: PathTraversal, Rule: "traversal-relative-escape", Severity: Low, Location: loc, Transforms: steps})
	}
}

// checkSignatures appends a finding for each matching signature that the
// policy counts. t holds the traits of folded. index, when not nil, is
// the classIndex of set, which skips the signatures whose byte classes
// the value lacks.
func (s *scan) checkSignatures(set []Signature, index *classIndex, folded string, t *traits, steps Transform, loc Location) {
	if index == nil || exhaustive {
		for i := range set {
			s.checkSignature(&set[i], folded, t, steps, loc)
		}
		return
	}

	// The steps of checkSignature and Signature.matches, written out in
	// one loop, because in wasm each function call costs more than a
	// pre-check. The index already met every signature's needs and
	// keywords, in one pass over the value for all of them.
	next := index.candidates(t.classes)
	if next != 0 {
		next &= index.keywords.match(folded)
	}
	separatorCommand := 0 // commandAfterSeparator's result: 0 not run yet, 1 false, 2 true
	for ; next != 0 && !s.full(); next &= next - 1 {
		sig := &set[bits.TrailingZeros64(next)]
		if sig.Severity < s.policy.Sensitivity || sig.precheck != nil && !sig.precheck(folded, t.classes) {
			continue
		}
		if sig.separatorGuard {
			if separatorCommand == 0 {
				separatorCommand = 1
				if commandAfterSeparatorIn(folded, t.classes) {
					separatorCommand = 2
				}
			}
			if separatorCommand == 1 {
				continue
			}
		} else if sig.guard != nil && !sig.guard(folded) {
			continue
		}
		if sig.re.MatchString(folded) {
			s.add(Finding{Category: sig.Category, Rule: sig.ID, Severity: sig.Severity, Location: loc, Transforms: steps})
		}
	}
}

func (s *scan) checkSignature(sig *Signature, folded string, t *traits, steps Transform, loc Location) {
	if s.counts(sig) && sig.matches(folded, t) {
		s.add(Finding{Category: sig.Category, Rule: sig.ID, Severity: sig.Severity, Location: loc, Transforms: steps})
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

// shellTriggers are the classes of which a value needs one for any of
// shellSignatures to match once its quoting is removed.
var shellTriggers = func() class {
	var c class
	for _, sig := range shellSignatures {
		if sig.needs[0] == 0 {
			return ^class(0)
		}
		c |= sig.needs[0]
	}
	return c
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

// maxTokenBytes bounds the values that checkToken handles alone.
const maxTokenBytes = 64

// sqlContinuation reports whether the value, whose classes are c, is worth
// checking as SQL that follows the end of a string or number literal. A
// value such as " or 1=1--" continues the query it is pasted into, and
// libinjection reads it as SQL only with that context, which isSQLi with
// prefix true gives it. Only short one-line values without braces, with a
// space and a character that such a continuation needs, are tried, as
// probes are. Prose and code that merely mention SQL are longer or
// contain braces.
func sqlContinuation(value string, c class) bool {
	return len(value) <= maxContinuationBytes && !c.has(cNewline|cLBrace|cRBrace) && c.has(cSpace) &&
		c.has(cSQuote|cDQuote|cHash|cDash|cLParen|cRParen|cEquals|cSemicolon|cComma|cStar)
}

const maxContinuationBytes = 160
