package inject

import (
	"fmt"
	"regexp"
	"strings"
)

// Signature is a regular expression that flags a value. Built-in and custom
// signatures match the normalised, lower-cased value, so their patterns are
// written in lower case.
type Signature struct {
	ID       string
	Category Category
	Severity Severity

	re *regexp.Regexp

	// anyOf lists substrings of which the value must contain at least one
	// before the expression runs; empty means always run. It keeps the
	// common benign value away from the regular expression engine; each
	// keyword's pair set is tested first (see pairSet).
	anyOf []keyword

	// guard, when set, must accept the value before the expression runs.
	guard func(string) bool

	// precheck, when set, is a cheap test that accepts every value the
	// expression matches, and so only saves work. It receives the value
	// and the classes of its bytes, or a superset of them.
	precheck func(string, class) bool

	// needs lists sets of byte classes; the value must contain a class of
	// each non-empty set, or the signature cannot match.
	needs [2]class

	// classMeaning marks needs that are part of what the signature means
	// rather than a pre-check, so that the exhaustive scan keeps them.
	classMeaning bool

	// separatorGuard marks a guard that is commandAfterSeparator, which
	// checkSignatures runs once per value for all such signatures.
	separatorGuard bool
}

// NewSignature compiles a custom RE2 signature. It returns an error when
// the pattern does not compile.
func NewSignature(id string, category Category, severity Severity, pattern string) (Signature, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return Signature{}, fmt.Errorf("inject: compiling signature %q failed: %w", id, err)
	}
	return Signature{ID: id, Category: category, Severity: severity, re: re}, nil
}

// matches reports whether the folded value, whose traits are t, matches.
func (s *Signature) matches(folded string, t *traits) bool {
	if !exhaustive && !s.admits(folded, t) || exhaustive && s.classMeaning && !s.hasNeeds(t.classes) {
		return false
	}
	if s.guard != nil && !s.guard(folded) {
		return false
	}
	return s.re.MatchString(folded)
}

// admits runs the pre-checks of the signature: the byte classes, the
// keywords and the precheck function.
func (s *Signature) admits(folded string, t *traits) bool {
	if !s.hasNeeds(t.classes) {
		return false
	}
	if len(s.anyOf) > 0 && !containsKeyword(folded, &t.pairs, s.anyOf) {
		return false
	}
	return s.precheck == nil || s.precheck(folded, t.classes)
}

// hasNeeds reports whether c holds a class of each set of s.needs.
func (s *Signature) hasNeeds(c class) bool {
	return (s.needs[0] == 0 || c.has(s.needs[0])) && (s.needs[1] == 0 || c.has(s.needs[1]))
}

// sig builds a built-in signature; its pattern must compile.
func sig(id string, c Category, sev Severity, anyOf string, pattern string) Signature {
	s := Signature{ID: id, Category: c, Severity: sev, re: regexp.MustCompile(pattern)}
	if anyOf != "" {
		s.anyOf = keywords(strings.Split(anyOf, " ")...)
	}
	return s
}

func withGuard(s Signature, guard func(string) bool) Signature {
	s.guard = guard
	return s
}

// withSeparatorGuard returns s guarded by commandAfterSeparator.
func withSeparatorGuard(s Signature) Signature {
	s = withGuard(s, commandAfterSeparator)
	s.separatorGuard = true
	return s
}

// meaningClasses returns s, whose regular expression also matches values
// without the classes it needs, as a signature that counts only in values
// with one of first.
func meaningClasses(s Signature, first, second class) Signature {
	s = needing(s, first, second)
	s.classMeaning = true
	return s
}

func withPrecheck(s Signature, precheck func(string, class) bool) Signature {
	s.precheck = precheck
	return s
}

// needing returns s with the byte classes it needs: one of first, and one
// of second unless it is 0.
func needing(s Signature, first, second class) Signature {
	s.needs = [2]class{first, second}
	return s
}

// shortValue accepts values of at most 200 bytes and three lines.
func shortValue(s string) bool {
	return len(s) <= 200 && strings.Count(s, "\n") <= 3
}

// drivePrefix reports whether s starts, after spaces, with a Windows
// drive such as "c:\\" or "c:/".
func drivePrefix(s string) bool {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	return len(s) >= 3 && 'a' <= s[0] && s[0] <= 'z' && s[1] == ':' && (s[2] == '/' || s[2] == '\\')
}

// ipOrQueryURL reports whether the first "://" of s is followed by a
// digit, or s ends with '?' after spaces: the shapes of rfi-ip-url.
func ipOrQueryURL(s string) bool {
	i := strings.Index(s, "://")
	if i >= 0 && i+3 < len(s) && '0' <= s[i+3] && s[i+3] <= '9' {
		return true
	}
	return strings.HasSuffix(strings.TrimRight(s, " \t\n\r\v\f"), "?")
}

// commandNames holds every name of unambiguousCommands and wordCommands
// without regular expression syntax.
var commandNames = func() map[string]bool {
	names := map[string]bool{"python2": true, "python3": true, "cmd.exe": true}
	for _, list := range []string{unambiguousCommands, wordCommands} {
		for _, name := range strings.Split(list, "|") {
			names[strings.NewReplacer("[23]?", "", "(?:\\.exe)?", "", "\\", "").Replace(name)] = true
		}
	}
	return names
}()

// Command names. unambiguousCommands rarely appear as English words, so a
// separator before them is enough; wordCommands need an argument that
// looks like a shell argument too.
const (
	unambiguousCommands = `whoami|uname|wget|curl|ifconfig|ipconfig|netstat|nslookup|netsh|regedit|bcdboot|sysinfo|visudo|strace|ltrace|htop|lastlog|aptitude|apt-get|usermod|groupadd|iptables|traceroute|tracert|bash|zsh|ksh|csh|tcsh|sh|nc|ncat|netcat|telnet|python[23]?|perl|ruby|php|powershell|pwsh|cmd(?:\.exe)?|systeminfo|tasklist|taskkill|chmod|chown|passwd|useradd|nmap|xterm|base64|certutil|bitsadmin|wmic|crontab|nohup|mkfifo|socat|hostname|pwd|printenv|gcc|sudo|xxd|busybox|lsof|uptime|getent|tftp|awk|sed|unzip|iwr|iex|invoke-expression|invoke-webrequest|iwmi|start-process`
	wordCommands        = `type|find|head|tail|more|less|touch|kill|set|who|last|host|file|sort|cut|mail|time|date|wc|expr|ssh|ftp|su|od|tee|strings|stat|at|w|users|groups|ifup|route|arp|java|node|eval|exec|net|ping|id|ls|rm|cp|mv|ps|env|dig|sleep|echo|cat|dir|nl|tac|timeout|reg|ver|vol|tar`
)

// operators are the MongoDB query and aggregation operators that an
// injected object or parameter uses.
const operators = `ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|expr|or|and|not|nor|elemmatch|all|size|type|mod|text|function|accumulator|jsonschema|options|lookup|comment`

var nosqlOperatorName = regexp.MustCompile(`^\$(?:` + operators + `)$`)

// builtinSignatures are the signature sets, checked in order. Each states
// what the category means, not a particular payload.
var builtinSignatures = []Signature{
	// OS command injection: a shell separator or substitution followed by
	// a command, the $IFS space trick, system binaries by path, and the
	// Windows shells.
	needing(withSeparatorGuard(sig("cmdi-separator-command", CommandInjection, High, "",
		"(?:^|[;|&]|\\$\\()[\\s\x60]*(?:\\{\\s*)?(?:[\\w./-]*/)?(?:"+unambiguousCommands+")(?:$|[\\s;|&<>`)'\",}]|\\$\\{?ifs)")), cSemicolon|cPipe|cAmp|cDollar, 0),
	needing(withSeparatorGuard(sig("cmdi-separator-word-command", CommandInjection, Medium, "",
		"(?:[;|&]|\\$\\()[\\s\x60]*(?:(?:"+wordCommands+")(?:$|\\s+(?:[-/.$~%\\\\]|[a-z]:[\\\\/])|\\s*[;|&`)<>])|(?:sleep|timeout|ping)\\s+\\d|reg\\s+(?:add|query|delete|copy|save|load|export|import)\\b)")), cSemicolon|cPipe|cAmp|cDollar, 0),
	// Backticks quote code in Markdown, so only a backtick glued to the
	// text before it, or a value that is a backticked command, counts.
	needing(sig("cmdi-backtick-command", CommandInjection, Medium, "",
		"(?:^|[\\w'\"=;|&])`\\s*(?:(?:[\\w./-]*/)?(?:"+unambiguousCommands+")(?:$|[\\s;|&<>`)'\"])|(?:"+wordCommands+")(?:\\s+(?:[-/.$~%\\\\\\d]|[a-z]:[\\\\/])|\\s*[<>;|&]))"), cBacktick, 0),
	// A line break separates commands too, but also lines of prose and
	// code, so it counts only in short values.
	meaningClasses(withGuard(sig("cmdi-newline-command", CommandInjection, Medium, "",
		"(?:^|[\\n\\r])\\s*(?:(?:[\\w./-]*/)?(?:"+unambiguousCommands+")(?:$|[\\s;|&<>`)'\"])|(?:"+wordCommands+")(?:[ \\t]*(?:$|[\\n\\r])|[ \\t]+(?:[-/.$~%\\\\]|[a-z]:[\\\\/])|[ \\t]*[;|&`)<>]))"), shortValue), cNewline, 0),
	needing(sig("cmdi-ifs", CommandInjection, High, "ifs", `\$\{?ifs\b`), cDollar, 0),
	needing(sig("cmdi-system-binary", CommandInjection, High, "bin/",
		"(?:^|[\\s;|&`'\"=(])/(?:usr/)?s?bin/(?:"+unambiguousCommands+"|"+wordCommands+")\\b"), cSlash, 0),
	needing(sig("cmdi-windows-shell", CommandInjection, High, "cmd powershell comspec",
		`cmd(?:\.exe)?\s*/[ck]\b|powershell(?:\.exe)?\s+-|%comspec%|\bcmd\.exe\b`), cSlash|cDash|cPercent|cDot, 0),
	// A value that is a command line: a command name first, with an
	// argument as a shell takes it (see leadingCommand).
	withGuard(sig("cmdi-leading-command", CommandInjection, Medium, "", ""), leadingCommand),
	// Shell wildcards that stand for a system directory or binary.
	needing(withGuard(sig("cmdi-globbed-path", CommandInjection, High, "", ""), globbedSystemPath), cSlash, cOtherPunct|cStar|cLBracket),
	// A function that calls itself in a pipe or in the background.
	needing(withGuard(sig("cmdi-fork-bomb", CommandInjection, High, "", ""), selfCallingFunction), cLParen, cLBrace),
	// Windows batch control flow: FOR over a %variable, IF with a batch
	// comparison or test.
	needing(withPrecheck(sig("cmdi-batch-control", CommandInjection, Medium, "for if",
		`(?:^|[&|(])\s*(?:for\s+(?:/[dflr]\b[^%]*)?%%?[^\s%]\s+in\s*\(|if\s+(?:/i\s+)?(?:not\s+)?(?:(?:defined|exist|errorlevel)\s+\S|\S*%\S*\s*(?:==|\s(?:equ|neq|lss|leq|gtr|geq)\s)|\S+\s*(?:==|\s(?:equ|neq|lss|leq|gtr|geq)\s)\s*\S+\s+(?:\(|echo\b|goto\b|exit\b|set\b|call\b|cd\b|del\b|copy\b|start\b|cmd\b)))`), batchCondition), cSpace, 0),
	// An interpreter given code to run on its command line.
	needing(sig("cmdi-interpreter-code", CommandInjection, High, "sh perl python ruby php node busybox",
		`(?:^|[\s;|&(\x60'"/])(?:(?:ba|da|z|k|c|tc)?sh|perl|python[\d.]*|ruby|php|node|busybox|\$\{?shell\}?)\s+-[a-z]*[cer]\s+\S`), cDash, 0),
	// Process substitution, and a variable in command position.
	needing(sig("cmdi-process-substitution", CommandInjection, High, "",
		"(?:^|[\\s;|&=(])[<>]\\(\\s*(?:[\\w./-]*/)?(?:"+unambiguousCommands+"|"+wordCommands+")\\b"), cLParen, cLT|cGT),
	needing(sig("cmdi-variable-command", CommandInjection, Medium, "",
		`(?:[;|&]|\$\()\s*\$\{?[a-z_]\w*\}?(?:\s+[^\s&|;]|\$)`), cDollar, 0),
	needing(sig("cmdi-brace-expansion", CommandInjection, High, "",
		"\\{\\s*,?\\s*(?:[\\w./-]*/)?(?:"+unambiguousCommands+"|"+wordCommands+")\\s*,"), cLBrace, cComma),
	needing(sig("cmdi-windows-net", CommandInjection, Medium, "net",
		`(?:^|[;|&]|\$\()\s*net\s+(?:user|localgroup|view|share|use|group|accounts|start|stop|session|config)\b`), cSpace, 0),
	// A line break smuggled in before a mail protocol command.
	needing(withGuard(sig("protocol-mail-command", Protocol, Medium, "", ""), mailCommand), cNewline, 0),
	needing(sig("cmdi-redirect-device", CommandInjection, Medium, "/dev/",
		`[<>]\s*/dev/(?:tcp|udp|null)/?`), cLT|cGT, cSlash),

	// Path traversal: parent-directory sequences deep enough to leave a
	// web root, or aimed at a system file, and absolute system paths.
	needing(sig("traversal-system-file", PathTraversal, High, "etc/ etc\\ boot.ini win.ini system.ini system32 winnt proc/ proc\\ .ssh .htaccess .htpasswd web.config windows var/log var\\log",
		`(?:^|[/\\:])(?:etc[/\\](?:passwd|shadow|group|hosts|issue|hostname|crontab|sudoers|motd|profile|fstab|mysql|httpd|apache2|nginx|ssh)|boot\.ini|win\.ini|system\.ini|windows[/\\](?:system32|win\.ini|repair)|winnt[/\\]|system32[/\\]|proc[/\\](?:self|version|\d+)[/\\]?|\.ssh[/\\]|\.htaccess|\.htpasswd|web\.config|var[/\\]log[/\\])`), cSlash|cBackslash|cDot, 0),

	// A system file behind a separator that is encoded beyond recognition,
	// and the Windows boot and system files anywhere.
	needing(sig("traversal-obfuscated-system-file", PathTraversal, High, "etc boot.ini win.ini system32",
		`etc[^\s]{1,12}?(?:passwd|shadow|issue|hosts)\b|boot\.ini|win\.ini|windows[^\s]{1,12}?system32`), 0, 0),
	needing(withGuard(sig("traversal-escaped-steps", PathTraversal, High, "0x2e 0x2f 0x5c \\/ \\.", ""), escapedParentSteps), 0, 0),
	needing(withGuard(sig("traversal-repeated-steps", PathTraversal, High, "..", ""), repeatedParentSteps), cDot, 0),
	needing(sig("traversal-absolute-path", PathTraversal, High, "etc proc sys var usr root boot dev opt srv bin windows winnt inetpub xampp wamp apache httpd nginx program documents home",
		`(?:^|[\s'"=:/])(?:/|[a-z]:[/\\]|\\\\)(?:etc|proc|sys|var|usr|root|boot|dev|opt|srv|bin|sbin|windows|winnt|inetpub|xampp|wamp|apache2?|httpd|nginx|program files|documents and settings|home/[^/]+/\.)[/\\]`), cSlash|cBackslash, 0),
	needing(withGuard(sig("traversal-drive-path", PathTraversal, Medium, "",
		`^\s*[a-z]:[/\\][^\s]*[/\\]`), drivePrefix), cColon, cSlash|cBackslash),
	needing(sig("traversal-sensitive-file", PathTraversal, Medium, ".env .git .svn .aws .docker .kube id_rsa id_dsa id_ed25519 authorized_keys wp-config php.ini httpd.conf my.cnf history access_log access.log error_log error.log master.passwd",
		`(?:^|[/\\])(?:\.env|\.git[/\\]|\.svn[/\\]|\.aws[/\\]|\.docker[/\\]|\.kube[/\\]|id_rsa|id_dsa|id_ed25519|authorized_keys|wp-config\.php|php\.ini|httpd\.conf|my\.cnf|\.bash_history|\.history|\.mysql_history|access[._]log|error[._]log|master\.passwd)\b`), cDot|cUnderscore, 0),

	// NoSQL operator injection in parameter syntax and inside values.
	needing(sig("nosqli-operator-parameter", NoSQL, High, "[$",
		`\[\s*\$(?:`+operators+`)\s*\]`), cLBracket, cDollar),
	needing(sig("nosqli-operator-object", NoSQL, Medium, "",
		`[{,]\s*['"]?\$(?:`+operators+`)['"]?\s*:|\$where\s*:`), cDollar, cColon),
	needing(sig("nosqli-javascript", NoSQL, Medium, "return sleep while this. db. var let date ==",
		`['"]\s*(?:;|\|\||&&)\s*(?:return\b|sleep\s*\(|while\s*\(|this\.|db\.|var\s|let\s|\w+\s*=\s*new\s+date|['"]\w*['"]?\s*==)`), cSQuote|cDQuote, cSemicolon|cPipe|cAmp),

	// Header injection and response splitting: a line break followed by a
	// header or a status line.
	needing(sig("protocol-crlf-header", Protocol, High, "\n \r",
		`[\r\n]\s*(?:set-cookie|location|content-(?:type|length|disposition)|transfer-encoding|refresh|x-xss-protection|http/\d)\s*[:/]`), cNewline, cColon|cSlash),

	// Server-side code and template injection.
	needing(sig("code-php", CodeInjection, High, "<? php $_ phar://",
		`<\?(?:php|=)|\bphp://(?:filter|input|expect|fd)|\bphar://|\$_(?:get|post|request|cookie|server|files|env|session)\b`), cLT|cColon|cDollar, 0),
	needing(sig("code-php-function", CodeInjection, Medium, "system shell_exec passthru popen proc_open pcntl_exec assert base64_decode file_get_contents file_put_contents fopen readfile include require call_user_func create_function preg_replace phpinfo str_rot13 gzinflate",
		`\b(?:system|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|base64_decode|file_get_contents|file_put_contents|fopen|readfile|include|require|include_once|require_once|call_user_func|create_function|preg_replace|phpinfo|str_rot13|gzinflate)\s*\(`), cLParen, 0),
	needing(sig("code-java", CodeInjection, High, "java jndi runtime processbuilder xwork ognl classloader",
		`java\.lang\.(?:runtime|processbuilder|system|class|reflect)|\$\{\s*jndi\s*:|runtime\.getruntime|new\s+processbuilder|com\.opensymphony\.xwork2|ognlcontext|class\.module\.classloader|javax\.script|java\.io\.file|java\.beans|java\.net\.url`), 0, 0),
	needing(withGuard(sig("code-java-class-name", CodeInjection, High, strings.Join(javaPackages, " "), ""), javaClassName), cDot, 0),
	// Perl runs the code of an array reference interpolated into a
	// string: "@{[ system 'id' ]}".
	needing(sig("code-perl-interpolation", CodeInjection, High, "@{", `@\{\s*\[`), cAt, cLBrace),
	// PHP calls the function that a variable names: $f(1), ${'a'}(1),
	// $_[0](1), with spaces or comments before the parenthesis.
	needing(sig("code-php-variable-call", CodeInjection, Medium, "",
		`\$+\s*(?:\{[^}]*\}|[a-z_\x{80}-\x{10ffff}][\w\x{80}-\x{10ffff}]*)(?:\s|/\*.*?\*/|(?://|#)[^\n]*\n|\[[^\]]*\]|\{[^}]*\}|->\w+)*\(`), cDollar, cLParen),
	needing(sig("code-node", CodeInjection, High, "child_process mainmodule process. _$$nd_func$$_ constructor",
		`child_process|process\.mainmodule|_\$\$nd_func\$\$_|process\.binding|process\.env|global\.process|constructor\s*\(\s*['"]return|\.constructor\.constructor`), cUnderscore|cDot|cDollar|cLParen, 0),
	needing(sig("code-template", CodeInjection, High, "{{ ${ #{ <% {%",
		`\{\{[^}]*(?:\d\s*[*+]\s*\d|__|config|self|request|lipsum|cycler|joiner|namespace|range|constructor|\.class|getclass|exec|popen|system)|\$\{[^}]*(?:\d\s*[*+]\s*\d|getclass|runtime|class\.|t\(java|__)|#\{[^}]*(?:\d\s*[*+]\s*\d|runtime|system|exec|`+"`"+`)|<%=?[^%]*(?:system|exec|runtime|7\s*\*\s*7|`+"`"+`)|\{%[^%]*(?:import|include|exec|system|popen)`), cLBrace|cPercent, 0),
	needing(sig("code-python", CodeInjection, High, "__",
		`__(?:class|mro|subclasses|globals|builtins|import|init)__`), cUnderscore, 0),
	needing(sig("code-prototype-pollution", CodeInjection, High, "__proto__ prototype",
		`__proto__|constructor\s*(?:\.|\[\s*['"]?)\s*prototype`), cUnderscore|cDot|cLBracket, 0),

	// Remote file inclusion and request forgery: URLs with a dangerous
	// scheme or an internal or raw-IP host.
	needing(sig("rfi-scheme", RemoteInclusion, High, "gopher:// dict:// ldap:// ldaps:// jar:// netdoc:// expect:// tftp:// file://",
		`\b(?:gopher|dict|ldap|ldaps|jar|netdoc|expect|tftp)://|\bfile://`), cColon, cSlash),
	needing(sig("rfi-internal-host", RemoteInclusion, High, "localhost 127. 0.0.0.0 [:: 169.254.169.254 metadata.google.internal 0x7f 2130706433 0177.",
		`\b(?:https?|ftps?)://(?:[^/@\s]*@)?(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\]|169\.254\.169\.254|metadata\.google\.internal|0x7f|2130706433|0177\.)`), cColon, cSlash),
	// Request forgery to an internal host through any URL scheme. The
	// address is written as one decimal, hex or octal number, as an
	// IPv4-mapped or loopback IPv6 address, or as the link-local metadata
	// address. Or it follows a space or '#' and an '@', which a lenient
	// parser takes for the end of the user part. Plain "localhost" is left
	// to rfi-internal-host, because connection strings in code samples
	// use it.
	needing(sig("ssrf-internal-address", RemoteInclusion, High, "://",
		`[a-z][a-z0-9+.-]*://(?:[^/?#\s]*@)?(?:\[[0-9a-f:.]*(?:ffff:|::1\]|127\.|169\.254\.)|\d{8,10}(?:[:/?#]|$)|0x[0-9a-f]{1,8}(?:[.:/?#]|$)|0[0-7]{1,11}\.\d|169\.254\.\d|metadata\.google\.internal)|://[^\s/]*[\s#&][^/]*@\s*(?:127\.\d|169\.254\.|0\.0\.0\.0|localhost\b|\[::)`), cColon, cSlash),
	needing(withGuard(sig("rfi-ip-url", RemoteInclusion, Medium, "://",
		`^\s*(?:https?|ftps?)://\d{1,3}(?:\.\d{1,3}){3}|^\s*(?:https?|ftps?)://[^?#\s]+\?\s*$`), ipOrQueryURL), cColon, cSlash),

	// Cross-site scripting beyond what libinjection finds: script URIs,
	// event handlers in markup, and script-only sinks.
	needing(sig("xss-script-uri", XSS, High, "script text/html image/svg",
		`(?:java|vb|live)script\s*:|data\s*:\s*(?:text/html|image/svg|application/(?:x-)?javascript)`), cColon, 0),
	needing(sig("xss-event-handler", XSS, High, "on",
		`(?:<[a-z!][^>]*|['"\s/])\bon[a-z]{4,}\s*=`), cEquals, 0),
	needing(sig("xss-script-sink", XSS, Medium, "alert prompt confirm eval settimeout setinterval document. window.location fromcharcode innerhtml",
		`\b(?:alert|prompt|confirm|eval|settimeout|setinterval)\s*(?:\(|`+"`"+`)|document\.(?:cookie|domain|write|location)|window\.location|fromcharcode|\.innerhtml\s*=`), 0, 0),
	// '<' written as a numeric character reference or a script escape:
	// text has "&lt;" for it, so the other spellings only evade filters.
	needing(sig("xss-encoded-angle", XSS, Medium, "&# \\x3c \\u003c",
		`&#(?:0*60|x0*3c)(?:;|[^0-9a-f]|$)|\\x3c|\\u003c`), cAmp|cBackslash, 0),
	needing(sig("xss-dangerous-tag", XSS, High, "",
		`<\s*/?\s*(?:script|iframe|frame|frameset|object|embed|applet|svg|math|base|meta|link|style|xss|isindex|marquee|layer|bgsound|template)\b`), cLT, 0),
}

// unicodeSlashes maps look-alike slashes that NFKC keeps to '/'.
var unicodeSlashes = strings.NewReplacer("\u2215", "/", "\u2044", "/", "\u29f8", "/", "\u29f9", `\`, "\u2216", `\`)
