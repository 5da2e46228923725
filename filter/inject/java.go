package inject

import (
	"encoding/base64"
	"strings"
)

// This file contains the Java checks. They find gadget class names as
// written or base64-encoded at any alignment, the base64 form of a Java
// serialization stream, and qualified names of JDK classes that reach
// files, processes, reflection, naming or scripting.

// javaGadgets are class and method names of Java deserialization gadget
// chains and of the classes they reach, lower-cased. The shortest has
// minGadgetBytes bytes.
var javaGadgets = keywords(
	"clonetransformer", "forclosure", "instantiatefactory", "instantiatetransformer",
	"invokertransformer", "prototypeclonefactory", "prototypeserializationfactory",
	"whileclosure", "chainedtransformer", "constanttransformer", "processbuilder",
	"java.lang.runtime", "java.io.fileoutputstream", "com.opensymphony.xwork2",
	"org.apache.commons.collections", "javax.script.scriptenginemanager",
)

// newJavaGadgetIndex returns the index that finds the keywords of
// javaGadgets in one pass.
func newJavaGadgetIndex() *keywordIndex {
	words := make([]string, len(javaGadgets))
	for i, k := range javaGadgets {
		words[i] = k.text
	}
	return newKeywordIndex([][]string{words})
}

// javaGadgetClasses are the gadget names of javaGadgets and a few
// shorter ones, as Java spells them, that base64-encoded payloads carry.
var javaGadgetClasses = []string{
	"Runtime", "Closure", "Transformer", "CloneTransformer", "ForClosure", "InstantiateFactory",
	"InstantiateTransformer", "InvokerTransformer", "PrototypeCloneFactory", "PrototypeSerializationFactory",
	"WhileClosure", "ChainedTransformer", "ConstantTransformer", "ProcessBuilder", "java.lang.Runtime",
	"java.io.FileOutputStream", "com.opensymphony.xwork2", "org.apache.commons.collections",
	"javax.script.ScriptEngineManager",
}

// javaGadgetsBase64 are the base64 forms of javaGadgetClasses, as spelled
// and in lower case, at each of the three byte alignments of base64.
var javaGadgetsBase64 = func() []keyword {
	var texts []string
	for _, name := range javaGadgetClasses {
		for _, spelling := range []string{name, strings.ToLower(name)} {
			texts = append(texts, base64Cores(spelling)...)
		}
	}
	return keywords(texts...)
}()

// javaStreamBase64 are the base64 forms of javaStreamMagic at each
// alignment.
var javaStreamBase64 = keywords(base64Cores(string(javaStreamMagic))...)

// minBase64Core is the length of the shortest text of javaGadgetsBase64
// and javaStreamBase64; shorter tokens hold none.
var minBase64Core = func() int {
	shortest := maxTokenBytes
	for _, list := range [][]keyword{javaGadgetsBase64, javaStreamBase64} {
		for _, k := range list {
			shortest = min(shortest, len(k.text))
		}
	}
	return shortest
}()

// base64Cores returns the base64 characters of s at each of the three
// alignments; see base64Core.
func base64Cores(s string) []string {
	return []string{base64Core(s, 0), base64Core(s, 1), base64Core(s, 2)}
}

// base64Core returns the base64 characters that encode only bytes of s
// when s follows align other bytes, so that they appear whatever bytes
// surround s.
func base64Core(s string, align int) string {
	stream := make([]byte, align+len(s))
	copy(stream[align:], s)
	encoded := base64.RawStdEncoding.EncodeToString(stream)

	first := (8*align + 5) / 6       // the first character whose bits all belong to s
	last := 8 * (align + len(s)) / 6 // one past the last such character
	return encoded[first:last]
}

const minGadgetBytes = 10

// nodeSignature is the code-node signature, which also matches tokens.
var nodeSignature = func() *Signature {
	for i := range builtinSignatures {
		if builtinSignatures[i].ID == "code-node" {
			return &builtinSignatures[i]
		}
	}
	panic("BUG: no code-node signature")
}()

// javaStreamMagic starts every Java serialization stream: STREAM_MAGIC
// 0xACED and STREAM_VERSION 5 (Java Object Serialization Specification
// §6.4.2).
var javaStreamMagic = []byte{0xac, 0xed, 0x00, 0x05}

// checkToken checks a plain token, whose classes are c: dunder names such
// as __proto__ against the signatures, and the Java checks of this file.
func (s *scan) checkToken(token string, c class, loc Location) {
	if !s.quietToken(token, c) {
		s.scanToken(token, c, loc)
	}
}

// scanToken runs checkToken's detectors on a token that quietToken does
// not rule out.
func (s *scan) scanToken(token string, c class, loc Location) {
	// Folding keeps "__" and turns "0X2" into "0x2", so both tests read
	// the token as written, before any copy is made.
	dunder := c.has(cUnderscore) && strings.Contains(token, "__")
	// Hex literals such as 0x2e0x2e0x2f spell a traversal in a token.
	hexPath := hasHexTwo(token)
	folded, steps := token, Transform(0)
	if c.has(cUpper) {
		folded, steps = strings.ToLower(token), CaseFold
	}
	t := traits{classes: c &^ cUpper}
	if dunder || hexPath {
		s.checkSignatures(builtinSignatures, builtinIndex, folded, &t, steps, loc)
	} else if c.has(cDot) {
		// Node.js objects such as process.env are tokens too.
		t.pairs = pairsOf(folded)
		s.checkSignature(nodeSignature, folded, &t, steps, loc)
	}
	s.checkSignatures(s.policy.Custom, nil, folded, &t, steps, loc)

	switch {
	case len(token) >= minGadgetBytes && javaGadgetIndex.match(folded) != 0:
		s.add(Finding{Category: CodeInjection, Rule: "code-java-class", Severity: High, Location: loc, Transforms: steps})
	case c.has(cDot) && javaClassName(folded):
		s.add(Finding{Category: CodeInjection, Rule: "code-java-class-name", Severity: High, Location: loc, Transforms: steps})
	case c.only(cUpper) && c.has(cUpper):
		// The base64 texts have no '-', '_' or '.', and each has an
		// upper-case letter (TestBase64CoresHaveUpperCase).
		s.checkBase64Token(token, loc, steps)
	}
}

// quietToken reports whether checkToken can find nothing in token, whose
// classes are c, before it folds the token. Without custom signatures,
// "__" or "0x2", only a token with a '.' or upper-case letters, or of at
// least minGadgetBytes, may hold a name that checkToken flags. Only one
// of at least minBase64Core bytes may hold a base64 text.
// TestQuietTokenHidesNoFinding compares it with scanToken.
func (s *scan) quietToken(token string, c class) bool {
	if exhaustive || len(s.policy.Custom) > 0 || c.has(cUnderscore) && strings.Contains(token, "__") || hasHexTwo(token) {
		return false
	}
	return len(token) < minBase64Core || !c.has(cDot|cUpper) && len(token) < minGadgetBytes
}

// hasHexTwo reports whether s contains "0x2" in any case.
func hasHexTwo(s string) bool {
	for i := 2; i < len(s); i++ {
		if s[i] == '2' && s[i-2] == '0' && s[i-1]|0x20 == 'x' {
			return true
		}
	}
	return false
}

// checkBase64Token flags a token that holds a Java serialization stream
// or a gadget name in base64, at any alignment: an encoder that starts
// the payload one or two bytes into its input shifts every character.
// Base64 is case-sensitive, so the token is searched as written.
func (s *scan) checkBase64Token(token string, loc Location, steps Transform) {
	if len(token) < minBase64Core {
		return
	}
	pairs := pairsOf(token)
	switch {
	case containsKeyword(token, &pairs, javaStreamBase64):
		s.add(Finding{Category: CodeInjection, Rule: "code-java-serialized", Severity: High, Location: loc, Transforms: steps})
	case containsKeyword(token, &pairs, javaGadgetsBase64):
		s.add(Finding{Category: CodeInjection, Rule: "code-java-class-base64", Severity: Medium, Location: loc, Transforms: steps})
	}
}

// javaPackages are the packages, lower-cased and followed by '.', whose
// classes give a payload files and streams, processes, reflection,
// class loading (java.lang), naming (JNDI), remote objects, CORBA or
// script engines, and the JDK-internal and gadget-library packages that
// deserialization attacks name.
var javaPackages = []string{
	"java.io.", "java.nio.file.", "java.net.", "java.rmi.", "java.beans.", "java.lang.",
	"javax.script.", "javax.naming.", "javax.management.", "org.omg.",
	"com.sun.", "sun.misc.", "sun.reflect.", "jdk.internal.", "jdk.jshell.", "jdk.nashorn.",
	"org.apache.commons.collections", "org.codehaus.groovy.runtime.", "groovy.lang.",
}

// javaClassName reports whether the lower-cased s contains the qualified
// name of a class of javaPackages, starting at a word
// boundary. Exception and error classes and the frames of a stack trace
// ("at java.lang.Thread.run(…)"), which bug reports paste, do not count.
func javaClassName(s string) bool {
	for i := 0; i < len(s); i++ {
		if i > 0 && (isNameByte(s[i-1]) || s[i-1] == '.') || strings.HasSuffix(s[:i], "at ") {
			continue
		}
		rest := s[i:]
		for _, pkg := range javaPackages {
			if strings.HasPrefix(rest, pkg) && !throwableName(rest[len(pkg):]) {
				return true
			}
		}
	}
	return false
}

// throwableName reports whether the qualified name that starts s names
// an exception or error class, or nothing.
func throwableName(s string) bool {
	end := 0
	for end < len(s) && (isNameByte(s[end]) || s[end] == '.' || s[end] == '$') {
		end++
	}
	name := strings.TrimRight(s[:end], ".")
	return name == "" || strings.HasSuffix(name, "exception") || strings.HasSuffix(name, "error")
}
