package inject

import "strings"

// This file finds where a shell command may start after a separator. The
// guards call strings.IndexByte for each separator byte that the value's
// classes show, instead of testing the class of every byte. Under wazero
// that search took about a third of the time of a Go loop over the bytes.

// separatorByte is a byte that ends a shell command, with its class.
type separatorByte struct {
	b     byte
	class class
}

// commandSeparators are the bytes after which commandAfterSeparator looks
// for a command: ';', '|', '&', and '(' when "$(" opens a command
// substitution.
var commandSeparators = [...]separatorByte{{';', cSemicolon}, {'|', cPipe}, {'&', cAmp}, {'(', cLParen}}

// batchSeparators are the bytes after which a batch file's "for" or "if"
// starts a command.
var batchSeparators = [...]separatorByte{{'&', cAmp}, {'|', cPipe}, {'(', cLParen}}

// commandAfterSeparator reports whether a shell separator (; | & or $( )
// is followed, after spaces and an optional path, by a command name. It
// is a cheap pre-check for the separator signatures.
func commandAfterSeparator(s string) bool {
	return commandAfterSeparatorIn(s, classify(s))
}

// commandAfterSeparatorIn is commandAfterSeparator for a value s whose
// byte classes are all in c, as checkSignatures has them at hand.
func commandAfterSeparatorIn(s string, c class) bool {
	for _, sep := range commandSeparators {
		if !c.has(sep.class) {
			continue
		}
		for i := strings.IndexByte(s, sep.b); i >= 0; i = indexByteFrom(s, sep.b, i+1) {
			if (sep.b != '(' || i > 0 && s[i-1] == '$') && commandNameAt(s, i+1) {
				return true
			}
		}
	}
	return false
}

// commandNameAt reports whether s[j:] starts with a command name, after
// spaces, '{', '|', '&' or '`' and an optional path.
func commandNameAt(s string, j int) bool {
	for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '{' || s[j] == '|' || s[j] == '&' || s[j] == '`') {
		j++
	}
	start := j
	for j < len(s) && (isNameByte(s[j]) || s[j] == '/' || s[j] == '.') {
		j++
	}
	word := s[start:j]
	if k := strings.LastIndexByte(word, '/'); k >= 0 {
		word = word[k+1:]
	}

	// ";base64," is the syntax of a data: URL, not a command.
	return mayBeCommand(word) && commandNames[word] && (word != "base64" || j >= len(s) || s[j] != ',')
}

// indexByteFrom returns the index of the first b in s at or after from,
// which is at most len(s), or -1.
func indexByteFrom(s string, b byte, from int) int {
	if i := strings.IndexByte(s[from:], b); i >= 0 {
		return from + i
	}
	return -1
}
