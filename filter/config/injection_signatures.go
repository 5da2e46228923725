package config

import (
	"errors"
	"regexp/syntax"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/inject"
)

// signatures reads the custom signatures: each an id, a category, a
// severity (default "high") and an RE2 pattern matched against the
// normalised, lower-cased value.
func (p *parser) signatures(path string, v gjson.Result) []inject.Signature {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) > maxSignatures {
		p.fail(path, "must list at most 256 signatures", v)
		return nil
	}

	var out []inject.Signature
	ids := map[string]int{}
	for i, item := range items {
		itemPath := index(path, i)
		sig, ok := p.signature(itemPath, item)
		if !ok {
			continue
		}
		if first, dup := ids[sig.ID]; dup {
			p.fail(child(itemPath, "id"), "duplicate signature id; "+index(path, first)+" has the same id", item.Get("id"))
			continue
		}
		ids[sig.ID] = i
		out = append(out, sig)
	}
	return out
}

func (p *parser) signature(path string, v gjson.Result) (inject.Signature, bool) {
	members, ok := p.fields(path, v, "id", "category", "severity", "pattern")
	if !ok {
		return inject.Signature{}, false
	}
	before := len(p.errs)

	id := p.injectionString(path, members, "id")
	if id != "" && !isName(id) {
		p.fail(child(path, "id"), "must be 1 to 64 letters, digits, '-' or '_'", members["id"])
	}

	var category inject.Category
	if m, ok := members["category"]; !ok {
		p.failNoValue(child(path, "category"), "missing required field")
	} else if s, ok := p.enum(child(path, "category"), m, inject.CategoryNames...); ok {
		category = inject.ParseCategory(s)
	}

	severity := inject.High
	if m, ok := members["severity"]; ok {
		if s, ok := p.enum(child(path, "severity"), m, inject.SeverityNames...); ok {
			severity = inject.ParseSeverity(s)
		}
	}

	pattern := p.injectionString(path, members, "pattern")
	if len(p.errs) != before || pattern == "" {
		return inject.Signature{}, false
	}
	sig, err := inject.NewSignature(id, category, severity, pattern)
	if err != nil {
		problem := err.Error()
		var syntaxErr *syntax.Error
		if errors.As(err, &syntaxErr) {
			problem = syntaxErr.Code.String()
		}
		p.fail(child(path, "pattern"), "invalid RE2 regular expression: "+strings.TrimPrefix(problem, "inject: "), members["pattern"])
		return inject.Signature{}, false
	}
	return sig, true
}

// injectionString reads a non-empty string member, reporting it missing.
func (p *parser) injectionString(path string, members map[string]gjson.Result, name string) string {
	m, ok := members[name]
	if !ok {
		p.failNoValue(child(path, name), "missing required field")
		return ""
	}
	s, ok := p.str(child(path, name), m)
	if ok && s == "" {
		p.fail(child(path, name), "must not be empty", m)
		return ""
	}
	return s
}
