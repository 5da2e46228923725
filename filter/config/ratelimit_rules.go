package config

import (
	"math"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Defaults and bounds of rate limit rules.
const (
	MaxRateRules       = 32
	DefaultMaxKeys     = 10_000
	MaxMaxKeys         = 100_000
	MaxQuota           = 1_000_000
	MaxRefillPerSecond = 1_000_000
	MaxWindow          = 24 * time.Hour
)

var ruleFields = []string{
	"name", "algorithm", "capacity", "refill_per_second", "limit", "window",
	"key", "routes", "tiers", "mode", "failure_mode", "max_keys",
}

// rateRules reads the rule list and rejects duplicate names.
func (p *parser) rateRules(path string, v gjson.Result, routeNames []string) []ratelimit.Rule {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) > MaxRateRules {
		p.fail(path, "must list at most "+strconv.Itoa(MaxRateRules)+" rules", v)
		return nil
	}

	return readNamed(p, path, items, "rule",
		func(itemPath string, item gjson.Result) (ratelimit.Rule, string, bool) {
			r, ok := p.rateRule(itemPath, item, routeNames)
			return r, r.Name, ok
		})
}

// rateRule reads one rule. The rule carries its name whenever the name is
// valid, even when ok is false, for the duplicate check.
func (p *parser) rateRule(path string, v gjson.Result, routeNames []string) (ratelimit.Rule, bool) {
	r := ratelimit.Rule{MaxKeys: DefaultMaxKeys, Key: []ratelimit.KeyPart{{Kind: ratelimit.KeyClientIP}}}
	members, ok := p.fields(path, v, ruleFields...)
	if !ok {
		return r, false
	}
	before := len(p.errs)

	r.Name = p.requiredName(child(path, "name"), members)
	r.Algorithm = p.algorithm(child(path, "algorithm"), members)
	if r.Algorithm != 0 {
		r.Default, _ = p.limit(path, members, r.Algorithm)
	}

	if m, ok := members["key"]; ok {
		r.Key = p.ruleKey(child(path, "key"), m)
	}
	if m, ok := members["routes"]; ok {
		r.Routes = p.ruleRoutes(child(path, "routes"), m, routeNames)
	}
	if m, ok := members["tiers"]; ok && r.Algorithm != 0 {
		r.Tiers = p.tiers(child(path, "tiers"), m, r.Algorithm)
	}
	if m, ok := members["mode"]; ok {
		s, _ := p.enum(child(path, "mode"), m, "enforce", "shadow")
		r.Shadow = s == "shadow"
	}
	if m, ok := members["failure_mode"]; ok {
		s, _ := p.enum(child(path, "failure_mode"), m, "allow", "deny")
		r.FailureMode = map[string]ratelimit.FailureMode{"deny": ratelimit.FailDeny}[s]
	}
	maxKeys, hasMaxKeys := members["max_keys"]
	switch {
	case isGlobalKey(r.Key):
		// Every request has the same key, so one slot is enough. With the
		// default, 9,999 more would be created at start-up and never used.
		if hasMaxKeys && maxKeys.Raw != "1" {
			p.fail(child(path, "max_keys"), `must be 1 for a rule keyed by "global", which has one counter; remove the field or set it to 1`, maxKeys)
		}
		r.MaxKeys = 1
	case hasMaxKeys:
		r.MaxKeys, _ = p.integer(child(path, "max_keys"), maxKeys, 1, MaxMaxKeys)
	}
	return r, len(p.errs) == before
}

// isGlobalKey reports whether key is ["global"], which counts every request
// in one slot.
func isGlobalKey(key []ratelimit.KeyPart) bool {
	return len(key) == 1 && key[0].Kind == ratelimit.KeyGlobal
}

func (p *parser) requiredName(path string, members map[string]gjson.Result) string {
	m, ok := members["name"]
	if !ok {
		p.failNoValue(path, "missing required field")
		return ""
	}
	name, ok := p.str(path, m)
	if ok && !isName(name) {
		p.fail(path, "must be 1 to 64 letters, digits, '-' or '_'", m)
		return ""
	}
	return name
}

func (p *parser) algorithm(path string, members map[string]gjson.Result) ratelimit.Algorithm {
	m, ok := members["algorithm"]
	if !ok {
		p.failNoValue(path, `missing required field; set "token_bucket" or "sliding_window"`)
		return 0
	}
	switch s, _ := p.enum(path, m, "token_bucket", "sliding_window"); s {
	case "token_bucket":
		return ratelimit.TokenBucket
	case "sliding_window":
		return ratelimit.SlidingWindow
	}
	return 0
}

// limit reads the quota fields of the algorithm from members, a rule or a
// tier at path, and rejects the fields of the other algorithm.
func (p *parser) limit(path string, members map[string]gjson.Result, alg ratelimit.Algorithm) (ratelimit.Limit, bool) {
	var limit ratelimit.Limit
	before := len(p.errs)

	quotaField, rateField, other := "capacity", "refill_per_second", []string{"limit", "window"}
	if alg == ratelimit.SlidingWindow {
		quotaField, rateField, other = "limit", "window", []string{"capacity", "refill_per_second"}
	}
	for _, name := range other {
		if _, ok := members[name]; ok {
			p.failNoValue(child(path, name), "is not a field of algorithm "+strconv.Quote(alg.String())+"; use "+quotaField+" and "+rateField)
		}
	}

	quota, hasQuota := members[quotaField]
	rate, hasRate := members[rateField]
	if !hasQuota {
		p.failNoValue(child(path, quotaField), "missing required field")
	} else if n, ok := p.integer(child(path, quotaField), quota, 1, MaxQuota); ok {
		limit.Quota = int64(n)
	}

	switch {
	case !hasRate:
		p.failNoValue(child(path, rateField), "missing required field")
	case alg == ratelimit.SlidingWindow:
		limit.Window = p.window(child(path, rateField), rate)
	default:
		limit.RefillMilli = p.refillMilli(child(path, rateField), rate)
	}
	return limit, len(p.errs) == before
}

// refillMilli reads tokens per second, a positive multiple of 0.001, as
// thousandths of a token per second.
func (p *parser) refillMilli(path string, v gjson.Result) int64 {
	f, err := strconv.ParseFloat(v.Raw, 64)
	milli := math.Round(f * 1000)
	if v.Type != gjson.Number || err != nil || milli < 1 || f > MaxRefillPerSecond || math.Abs(f*1000-milli) > 1e-6 {
		p.fail(path, "must be a number of tokens per second between 0.001 and "+strconv.Itoa(MaxRefillPerSecond)+", with at most 3 decimals", v)
		return 0
	}
	return int64(milli)
}

// window reads a Go duration string of whole seconds, such as "1m".
func (p *parser) window(path string, v gjson.Result) time.Duration {
	s, ok := p.str(path, v)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second || d > MaxWindow || d%time.Second != 0 {
		p.fail(path, `must be a whole number of seconds between "1s" and "24h", written as a duration such as "30s", "1m" or "1h"`, v)
		return 0
	}
	return d
}

// tiers reads the per-tier limits: an object from tier name to the
// algorithm's quota fields.
func (p *parser) tiers(path string, v gjson.Result, alg ratelimit.Algorithm) map[string]ratelimit.Limit {
	if !v.IsObject() {
		p.fail(path, "must be an object", v)
		return nil
	}

	tiers := map[string]ratelimit.Limit{}
	allowed := []string{"capacity", "refill_per_second"}
	if alg == ratelimit.SlidingWindow {
		allowed = []string{"limit", "window"}
	}
	v.ForEach(func(key, value gjson.Result) bool {
		tierPath := child(path, key.Str)
		if !isName(key.Str) {
			p.failNoValue(tierPath, "tier names must be 1 to 64 letters, digits, '-' or '_', as in api_keys.keys[].tier")
			return true
		}
		if _, dup := tiers[key.Str]; dup {
			p.failNoValue(tierPath, "duplicate field; give each field once")
			return true
		}
		if members, ok := p.fields(tierPath, value, allowed...); ok {
			if limit, ok := p.limit(tierPath, members, alg); ok {
				tiers[key.Str] = limit
			}
		}
		return true
	})
	return tiers
}
