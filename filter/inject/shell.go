package inject

import (
	"strings"
	"unsafe"
)

// This file contains the guards of the command signatures that are easier
// to state in Go than as regular expressions. They find a command at the
// start of a value, globbed system paths, and functions that call
// themselves in a pipe or in the background. It also undoes the shell
// quoting tricks that hide a command (deobfuscateShell).

// commandPrefixes run the command that follows them, so a command name
// after one counts as if it started the value.
var commandPrefixes = map[string]bool{
	"time": true, "which": true, "strace": true, "ltrace": true, "nohup": true, "sudo": true,
	"env": true, "xargs": true, "exec": true, "command": true, "nice": true, "builtin": true,
}

// leadingCommand reports whether the value starts with a command name
// followed by a shell-like argument. Spaces, a "{" or a prefix such as
// "time" or "which" may come first. The argument is an option, a path, a
// URL, a variable, a quote or a redirection. An unambiguous command name
// alone counts too. A word command needs the argument, so that prose such as
// "cat videos" or "date night" passes.
func leadingCommand(s string) bool {
	start := 0
	for start < len(s) && (s[start] == ' ' || s[start] == '\t' || s[start] == '{') {
		start++
	}
	word, rest := leadingWord(s[start:])
	if !mayBeCommand(word) {
		return false
	}
	for range 2 {
		if !commandPrefixes[word] {
			break
		}
		next, after := leadingWord(strings.TrimLeft(rest, " \t"))
		if commandNames[next] {
			return true
		}
		word, rest = next, after
	}
	if !commandNames[word] {
		return false
	}
	unambiguous := unambiguousNames[word]
	if rest == "" || rest[0] == ';' || rest[0] == '|' || rest[0] == '&' {
		return unambiguous
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return false
	}
	return shellArgument(strings.TrimLeft(rest, " \t"))
}

// commandShapes holds the shapes of the names of commandNames and
// commandPrefixes.
var commandShapes = func() *wordShapes {
	var w wordShapes
	for _, set := range []map[string]bool{commandNames, commandPrefixes} {
		for name := range set {
			if name == "" || len(name) > 32 {
				panic("BUG: a command name is empty or longer than 32 bytes: " + name)
			}
			w.add(name)
		}
	}
	return &w
}()

// mayBeCommand reports whether word may be a name of commandNames or
// commandPrefixes; false means it is neither.
func mayBeCommand(word string) bool {
	return len(word) > 0 && len(word) <= 32 && commandShapes.has(len(word), word[0], word[len(word)-1])
}

// leadingWord splits s into its first word, without a leading path such
// as /usr/bin/, and the rest.
func leadingWord(s string) (word, rest string) {
	end := 0
	for end < len(s) && (isNameByte(s[end]) || s[end] == '/' || s[end] == '.') {
		end++
	}
	word = s[:end]
	if k := strings.LastIndexByte(word, '/'); k >= 0 {
		word = word[k+1:]
	}
	return word, s[end:]
}

// shellArgument reports whether arg starts like an argument of a shell
// command rather than a word of prose.
func shellArgument(arg string) bool {
	if arg == "" {
		return false
	}
	switch c := arg[0]; {
	case c == '-' && len(arg) > 1 && arg[1] != ' ', c == '/', c == '~', c == '$', c == '\'', c == '"',
		c == '<', c == '>', c == '|', c == '%', c == '\\', c == '`':
		return true
	case 'a' <= c && c <= 'z' && len(arg) > 2 && arg[1] == ':' && (arg[2] == '\\' || arg[2] == '/'):
		return true // a Windows drive
	case '0' <= c && c <= '9':
		return strings.Count(arg, ".") == 3 // an IP address
	}
	i := strings.Index(arg, "://")
	return i > 0 && i < 8
}

// unambiguousNames holds the names of unambiguousCommands.
var unambiguousNames = func() map[string]bool {
	names := map[string]bool{"python2": true, "python3": true, "cmd.exe": true}
	for _, name := range strings.Split(unambiguousCommands, "|") {
		names[strings.NewReplacer("[23]?", "", "(?:\\.exe)?", "", "\\", "").Replace(name)] = true
	}
	return names
}()

// globbedSystemPath reports whether s contains an absolute path whose first
// directory is written with shell wildcards, such as /???/c?t or
// /e*c/pa??wd, or a binary in a bin directory written so, such as
// /bin/c?t. The shell expands these to system files that a signature
// would catch by name. Bracket expressions count as one wildcard.
func globbedSystemPath(s string) bool {
	for i := strings.IndexByte(s, '/'); i >= 0; {
		if i == 0 || !isNameByte(s[i-1]) && s[i-1] != '/' && s[i-1] != '.' {
			if globbedPathAt(s[i:]) {
				return true
			}
		}
		next := strings.IndexByte(s[i+1:], '/')
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// globbedPathAt checks the path that starts at p[0] == '/'.
func globbedPathAt(p string) bool {
	var segments [3]string
	n := 0
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if n == len(segments) {
			break
		}
		end := 0
		for end < len(seg) && (isNameByte(seg[end]) || strings.IndexByte("?*[].", seg[end]) >= 0) {
			end++
		}
		if end == 0 {
			break
		}
		segments[n] = seg[:end]
		n++
		if end < len(seg) {
			break
		}
	}
	if n < 2 {
		return false
	}
	first, second := segments[0], segments[1]
	if hasGlob(first) && len(first) <= 8 && first != "*" && first != "**" {
		return true
	}
	return (first == "bin" || first == "sbin" || first == "usr") && hasGlob(second) && second != "*" && len(second) <= 8
}

func hasGlob(seg string) bool { return strings.ContainsAny(seg, "?*[") }

// selfCallingFunction reports whether s defines a shell function that
// calls itself in a pipe or in the background, such as f(){ f|f& };f, a
// fork bomb.
func selfCallingFunction(s string) bool {
	for i := strings.Index(s, "()"); i >= 0; {
		name := s[:i]
		name = strings.TrimRight(name, " \t")
		start := len(name)
		for start > 0 && (isNameByte(name[start-1]) || name[start-1] == ':') {
			start--
		}
		name = name[start:]
		body := strings.TrimLeft(s[i+2:], " \t")
		if name != "" && strings.HasPrefix(body, "{") {
			if end := strings.IndexByte(body, '}'); end > 0 {
				inner := body[1:end]
				if strings.Contains(inner, name) && strings.ContainsAny(inner, "|&") {
					return true
				}
			}
		}
		next := strings.Index(s[i+2:], "()")
		if next < 0 {
			return false
		}
		i += 2 + next
	}
	return false
}

// batchCondition reports whether s, whose byte classes are all in c,
// holds what the cmdi-batch-control expression needs: "for" or "if" and
// a space at the start of the value or after '&', '|' or '(', and then a
// '%' variable, an "==", a comparison word such as " equ ", or a test
// such as "exist". Prose with "for" and "if" rarely has them, so the
// expression seldom runs.
func batchCondition(s string, c class) bool {
	if !batchKeywordAtCommandStart(s, c) {
		return false
	}
	if strings.IndexByte(s, '%') >= 0 || strings.Contains(s, "==") ||
		strings.Contains(s, "exist") || strings.Contains(s, "defined") || strings.Contains(s, "errorlevel") {
		return true
	}
	for _, word := range batchComparisons {
		for i := strings.Index(s, word); i >= 0; {
			end := i + len(word)
			if i > 0 && isSpace(s[i-1]) && end < len(s) && isSpace(s[end]) {
				return true
			}
			next := strings.Index(s[end:], word)
			if next < 0 {
				break
			}
			i = end + next
		}
	}
	return false
}

// batchKeywordAtCommandStart reports whether "for" or "if" followed by a
// space starts s or follows '&', '|' or '(' after optional spaces. Every
// byte class of s is in c, so that only the separators whose class c
// contains are searched for.
func batchKeywordAtCommandStart(s string, c class) bool {
	if batchKeywordAt(s, 0) {
		return true
	}
	for _, sep := range batchSeparators {
		if !c.has(sep.class) {
			continue
		}
		for i := strings.IndexByte(s, sep.b); i >= 0; i = indexByteFrom(s, sep.b, i+1) {
			if batchKeywordAt(s, i+1) {
				return true
			}
		}
	}
	return false
}

// batchKeywordAt reports whether "for" or "if" followed by a space starts
// s[j:] after optional spaces.
func batchKeywordAt(s string, j int) bool {
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	rest := s[j:]
	return len(rest) > 3 && rest[:3] == "for" && isSpace(rest[3]) ||
		len(rest) > 2 && rest[:2] == "if" && isSpace(rest[2])
}

var batchComparisons = []string{"equ", "neq", "lss", "leq", "gtr", "geq"}

// isSpace reports whether RE2's \s matches c.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// mailCommand reports whether s starts with a line break followed by a
// short line that is an SMTP, POP3 or IMAP command: a line break smuggled
// into a value that a mail server receives.
func mailCommand(s string) bool {
	if s == "" || s[0] != '\r' && s[0] != '\n' {
		return false
	}
	line := strings.TrimLeft(s, "\r\n \t")
	if end := strings.IndexAny(line, "\r\n"); end >= 0 {
		line = line[:end]
	}
	if len(line) > 100 {
		return false
	}
	word, rest, _ := strings.Cut(line, " ")
	switch {
	case word == "data" || word == "quit" || word == "rset":
		return strings.TrimSpace(rest) == ""
	case word == "mail" || word == "rcpt":
		return strings.HasPrefix(rest, "from:") || strings.HasPrefix(rest, "to:")
	case mailVerbs[word]:
		// A command takes one or two arguments; prose has more words.
		n := len(strings.Fields(rest))
		return n >= 1 && n <= 2
	}
	// IMAP commands carry a tag such as a001 first.
	verb, _, _ := strings.Cut(rest, " ")
	return isIMAPTag(word) && imapVerbs[verb]
}

func isIMAPTag(w string) bool {
	if len(w) < 2 || len(w) > 6 || w[0] < 'a' || w[0] > 'z' {
		return false
	}
	for i := 1; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

var mailVerbs = setOf("helo", "ehlo", "vrfy", "expn", "apop", "user", "pass", "retr", "dele", "top", "list", "uidl", "help", "starttls", "auth")

var imapVerbs = setOf("login", "authenticate", "select", "examine", "list", "lsub", "search",
	"fetch", "store", "copy", "uid", "capability", "logout", "create", "delete", "rename", "append")

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// shellTricks are the quoting tricks that the shell ignores, such as
// w'h'o'am'i, c\at and $@ inside a word, with what each stands for. At a
// position where several match, the first in the list applies, as with
// strings.NewReplacer.
var shellTricks = [][2]string{
	{`\n`, "\n"}, {"'", ""}, {`"`, ""}, {`\`, ""},
	{"$@", ""}, {"$?", ""}, {"$$", ""}, {"$-", ""}, {"$_", ""}, {"$*", ""}, {"$!", ""},
	{"$()", ""}, {"<()", ""}, {">()", ""}, {"${ifs}", " "}, {"$ifs", " "},
}

// deobfuscateShell returns the value with the shellTricks undone, or ""
// when it has none. The result shares memory with buf, which it returns
// grown, so it is valid only until buf is used again.
func deobfuscateShell(folded string, buf []byte) (string, []byte) {
	buf = buf[:0]
	changed := false
	run := 0 // the start of the bytes not yet copied to buf
	for i := 0; i < len(folded); {
		if byteClass[folded[i]]&shellTrickStart == 0 {
			i++
			continue
		}
		trick := matchShellTrick(folded[i:])
		if trick == nil {
			i++
			continue
		}
		// Plain bytes are copied a run at a time, because in wasm an
		// append per byte costs more than the rest of the loop.
		buf = append(buf, folded[run:i]...)
		buf = append(buf, trick[1]...)
		i += len(trick[0])
		run = i
		changed = true
	}
	if !changed {
		return "", buf
	}
	buf = append(buf, folded[run:]...)
	return unsafe.String(unsafe.SliceData(buf), len(buf)), buf
}

// shellTrickStart contains the classes of the first bytes of shellTricks.
const shellTrickStart = cBackslash | cSQuote | cDQuote | cDollar | cLT | cGT

// matchShellTrick returns the first of shellTricks that s starts with, or
// nil. Only the tricks that start with s[0] are tried.
func matchShellTrick(s string) *[2]string {
	for _, i := range shellTricksByFirstByte[s[0]] {
		if strings.HasPrefix(s, shellTricks[i][0]) {
			return &shellTricks[i]
		}
	}
	return nil
}

// shellTricksByFirstByte lists, for each byte, the indexes in shellTricks
// of the tricks that start with it, in the order of shellTricks.
var shellTricksByFirstByte = func() (index [256][]uint8) {
	for i, trick := range shellTricks {
		first := trick[0][0]
		index[first] = append(index[first], uint8(i))
	}
	return index
}()
