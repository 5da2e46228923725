package config

import (
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// keyKinds maps the string parts of a rule's key to their kinds.
var keyKinds = map[string]ratelimit.KeyKind{
	"global":    ratelimit.KeyGlobal,
	"identity":  ratelimit.KeyIdentity,
	"caller":    ratelimit.KeyCaller,
	"client_ip": ratelimit.KeyClientIP,
	"route":     ratelimit.KeyRoute,
}

const keyPartProblem = `must be one of "global", "identity", "caller", "client_ip", "route", {"header": name} or {"query": name}`

// ruleKey reads a rule's key: a non-empty list of distinct parts, with
// "global" only alone.
func (p *parser) ruleKey(path string, v gjson.Result) []ratelimit.KeyPart {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) == 0 || len(items) > 4 {
		p.fail(path, `must list 1 to 4 key parts, such as ["client_ip"] or ["global"]`, v)
		return nil
	}

	parts := make([]ratelimit.KeyPart, 0, len(items))
	positions := make([]int, 0, len(items)) // the index in items of each part
	for i, item := range items {
		itemPath := index(path, i)
		part, ok := p.keyPart(itemPath, item)
		if !ok {
			continue
		}
		if part.Kind == ratelimit.KeyGlobal && len(items) > 1 {
			p.fail(itemPath, "must be the only key part, since it counts every request together", item)
			ok = false
		}
		for j, seen := range parts {
			if seen == part {
				p.fail(itemPath, "duplicate key part; "+index(path, positions[j])+" is the same", item)
				ok = false
			}
		}
		if ok {
			parts = append(parts, part)
			positions = append(positions, i)
		}
	}

	return parts
}

func (p *parser) keyPart(path string, v gjson.Result) (ratelimit.KeyPart, bool) {
	if v.Type == gjson.String {
		if kind, ok := keyKinds[v.Str]; ok {
			return ratelimit.KeyPart{Kind: kind}, true
		}
		p.fail(path, keyPartProblem, v)
		return ratelimit.KeyPart{}, false
	}
	if !v.IsObject() {
		p.fail(path, keyPartProblem, v)
		return ratelimit.KeyPart{}, false
	}

	members, _ := p.fields(path, v, "header", "query")
	if len(members) != 1 {
		p.failNoValue(path, "must set exactly one of header, query; sets "+strconv.Itoa(len(members)))
		return ratelimit.KeyPart{}, false
	}
	if m, ok := members["header"]; ok {
		name, ok := p.headerName(child(path, "header"), m)
		return ratelimit.KeyPart{Kind: ratelimit.KeyHeader, Name: name}, ok
	}
	m := members["query"]
	name, ok := p.str(child(path, "query"), m)
	if ok && !isQueryName(name) {
		p.fail(child(path, "query"), "must be a query parameter name made of letters, digits, '-', '.', '_' and '~'", m)
		ok = false
	}
	return ratelimit.KeyPart{Kind: ratelimit.KeyQuery, Name: name}, ok
}

// ruleRoutes reads the route names a rule applies to; each must name a
// route of the routes section.
func (p *parser) ruleRoutes(path string, v gjson.Result, routeNames []string) []string {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		p.fail(path, "must list at least one route name; omit the field to apply the rule to every request", v)
		return nil
	}

	names := make([]string, 0, len(items))
	for i, item := range items {
		itemPath := index(path, i)
		name, ok := p.str(itemPath, item)
		switch {
		case !ok:
		case !contains(routeNames, name):
			p.fail(itemPath, "must name a route of the routes section", item)
		case contains(names, name):
			p.fail(itemPath, "duplicate route name", item)
		default:
			names = append(names, name)
		}
	}
	return names
}
