package config

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/inject"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// Bounds of the injection section.
const (
	MaxInjectionBodyBytes = 16 << 20
	maxSignatures         = 256
)

// Injection is the compiled injection section.
type Injection struct {
	// Default is the policy of every route without an override.
	Default *inject.Policy

	// Routes maps route names to their policies.
	Routes map[string]*inject.Policy
}

// Policy returns the policy of the named route, or nil when the section
// is absent.
func (in *Injection) Policy(routeName string) *inject.Policy {
	if in == nil {
		return nil
	}
	if p, ok := in.Routes[routeName]; ok {
		return p
	}
	return in.Default
}

// sensitivities maps the configuration names to the lowest severity that
// counts.
var sensitivities = map[string]inject.Severity{"low": inject.High, "medium": inject.Medium, "high": inject.Low}

// injection reads the injection section; an absent section disables
// injection detection.
func (p *parser) injection(path string, v gjson.Result, routes []route.Route) *Injection {
	if !v.Exists() {
		return nil
	}
	members, ok := p.fields(path, v, "mode", "sensitivity", "decode_depth", "headers", "custom_headers", "cookies",
		"max_body_bytes", "oversize", "exclusions", "signatures", "routes")
	if !ok {
		return nil
	}

	base := inject.DefaultPolicy()
	if m, ok := members["signatures"]; ok {
		base.Custom = p.signatures(child(path, "signatures"), m)
	}
	p.policyFields(path, members, base)
	in := &Injection{Default: base, Routes: map[string]*inject.Policy{}}

	m, ok := members["routes"]
	if !ok {
		return in
	}
	p.routeOverrides(child(path, "routes"), m, injectionRouteNames(routes), in)
	return in
}

// routeOverrides reads the per-route policies, in document order. Each
// starts from the section's policy; its exclusions add to the section's.
func (p *parser) routeOverrides(path string, v gjson.Result, names []string, in *Injection) {
	if !v.IsObject() {
		p.fail(path, "must be an object", v)
		return
	}
	v.ForEach(func(key, override gjson.Result) bool {
		name := key.Str
		overridePath := child(path, name)
		_, seen := in.Routes[name]
		switch {
		case !contains(names, name):
			p.failNoValue(overridePath, "no route has this name; expected one of the names in routes: "+strings.Join(names, ", "))
			return true
		case seen:
			p.failNoValue(overridePath, "duplicate route; give each route once")
			return true
		}

		fields, ok := p.fields(overridePath, override, "enabled", "mode", "sensitivity", "decode_depth",
			"headers", "custom_headers", "cookies", "max_body_bytes", "oversize", "exclusions")
		if !ok {
			return true
		}
		policy := *in.Default
		p.policyFields(overridePath, fields, &policy)
		if e, ok := fields["enabled"]; ok {
			if b, ok := p.boolean(child(overridePath, "enabled"), e); ok {
				policy.Disabled = !b
			}
		}
		in.Routes[name] = &policy
		return true
	})
}

func injectionRouteNames(routes []route.Route) []string {
	names := make([]string, 0, len(routes))
	for _, r := range routes {
		names = append(names, r.Name)
	}
	return names
}

// policyFields reads the fields shared by the section and its route
// overrides into policy, which holds the inherited values. Exclusions add
// to the inherited ones.
func (p *parser) policyFields(path string, members map[string]gjson.Result, policy *inject.Policy) {
	if m, ok := members["mode"]; ok {
		if s, _ := p.enum(child(path, "mode"), m, "block", "detect"); s == "detect" {
			policy.Mode = inject.Detect
		} else if s == "block" {
			policy.Mode = inject.Block
		}
	}
	if m, ok := members["sensitivity"]; ok {
		if s, ok := p.enum(child(path, "sensitivity"), m, "low", "medium", "high"); ok {
			policy.Sensitivity = sensitivities[s]
		}
	}
	if m, ok := members["decode_depth"]; ok {
		if n, ok := p.integer(child(path, "decode_depth"), m, 1, inject.MaxDecodeDepth); ok {
			policy.DecodeDepth = n
		}
	}
	if m, ok := members["headers"]; ok {
		policy.Headers = p.injectionHeaderNames(child(path, "headers"), m)
	}
	if m, ok := members["custom_headers"]; ok {
		if b, ok := p.boolean(child(path, "custom_headers"), m); ok {
			policy.CustomHeaders = b
		}
	}
	if m, ok := members["cookies"]; ok {
		if b, ok := p.boolean(child(path, "cookies"), m); ok {
			policy.ScanCookies = b
		}
	}
	if m, ok := members["max_body_bytes"]; ok {
		if n, ok := p.integer(child(path, "max_body_bytes"), m, 0, MaxInjectionBodyBytes); ok {
			policy.MaxBodyBytes = n
		}
	}
	if m, ok := members["oversize"]; ok {
		if s, _ := p.enum(child(path, "oversize"), m, "check_first", "reject"); s == "reject" {
			policy.Oversize = inject.Reject
		} else if s == "check_first" {
			policy.Oversize = inject.CheckFirst
		}
	}
	if m, ok := members["exclusions"]; ok {
		p.exclusions(child(path, "exclusions"), m, policy)
	}
}

// exclusions reads the exclusions object. Excluded headers leave the
// scanned header list; excluding "cookie" stops cookie scanning.
func (p *parser) exclusions(path string, v gjson.Result, policy *inject.Policy) {
	members, ok := p.fields(path, v, "parameters", "headers", "cookies", "json_paths")
	if !ok {
		return
	}
	ex := inject.Exclusions{
		Parameters: append([]string(nil), policy.Exclusions.Parameters...),
		Cookies:    append([]string(nil), policy.Exclusions.Cookies...),
		Headers:    append([]string(nil), policy.Exclusions.Headers...),
		JSONPaths:  append([]inject.JSONPath(nil), policy.Exclusions.JSONPaths...),
	}

	if m, ok := members["parameters"]; ok {
		ex.Parameters = append(ex.Parameters, p.injectionStrings(child(path, "parameters"), m)...)
	}
	if m, ok := members["cookies"]; ok {
		ex.Cookies = append(ex.Cookies, p.injectionCookieNames(child(path, "cookies"), m)...)
	}
	if m, ok := members["headers"]; ok {
		excluded := p.injectionHeaderNames(child(path, "headers"), m)
		var kept []string
		for _, name := range policy.Headers {
			if !contains(excluded, name) {
				kept = append(kept, name)
			}
		}
		policy.Headers = kept
		ex.Headers = append(ex.Headers, excluded...)
		if contains(excluded, "cookie") {
			policy.ScanCookies = false
		}
	}
	if m, ok := members["json_paths"]; ok {
		items, _ := p.array(child(path, "json_paths"), m)
		for i, item := range items {
			itemPath := index(child(path, "json_paths"), i)
			if s, ok := p.str(itemPath, item); ok {
				jp, err := inject.ParseJSONPath(s)
				if err != nil {
					p.fail(itemPath, "invalid JSON path: "+err.Error()+`; write it like "$.comment.body" or "$.items[*].note"`, item)
					continue
				}
				ex.JSONPaths = append(ex.JSONPaths, jp)
			}
		}
	}
	policy.Exclusions = ex
}

// injectionHeaderNames reads a list of distinct header names, lower-cased.
func (p *parser) injectionHeaderNames(path string, v gjson.Result) []string {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	names := make([]string, 0, len(items))
	seen := make(map[string]int, len(items))
	for i, item := range items {
		name, ok := p.headerName(index(path, i), item)
		if !ok {
			continue
		}
		if first, dup := seen[name]; dup {
			p.fail(index(path, i), "duplicate header name; "+index(path, first)+" is the same", item)
			continue
		}
		seen[name] = i
		names = append(names, name)
	}
	return names
}

// injectionCookieNames reads a list of cookie names, which are RFC 9110
// tokens (RFC 6265 §4.1.1).
func (p *parser) injectionCookieNames(path string, v gjson.Result) []string {
	names := p.injectionStrings(path, v)
	for i, item := range v.Array() {
		if s := item.String(); item.Type == gjson.String && s != "" && !isToken(s) {
			p.fail(index(path, i), "must be a cookie name made of RFC 9110 token characters", item)
		}
	}
	return names
}

// injectionStrings reads an array of non-empty strings.
func (p *parser) injectionStrings(path string, v gjson.Result) []string {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := p.str(index(path, i), item)
		if ok && s == "" {
			p.fail(index(path, i), "must not be empty", item)
			continue
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}
