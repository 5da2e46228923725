package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/clusterlimit"
	"github.com/bulwark-dev/bulwark/filter/jwt"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Bounds of the cluster_rate_limits section.
const (
	MinClusterTimeout      = time.Millisecond
	MaxClusterTimeout      = 10 * time.Second
	MinSyncInterval        = 10 * time.Millisecond
	MaxSyncInterval        = time.Minute
	MaxBreakerFailures     = 1000
	MinBreakerCoolDown     = 100 * time.Millisecond
	MaxBreakerCoolDown     = time.Hour
	MaxDescriptorEntries   = 8
	MaxDescriptorKeyLength = 64
	MaxDescriptorValue     = 128
	MaxDomainLength        = 128
)

// descriptorSources maps the names of an entry's "from" to sources.
var descriptorSources = map[string]clusterlimit.Source{
	"client_ip": clusterlimit.FromClientIP,
	"identity":  clusterlimit.FromIdentity,
	"caller":    clusterlimit.FromCaller,
	"route":     clusterlimit.FromRoute,
	"tier":      clusterlimit.FromTier,
	"method":    clusterlimit.FromMethod,
}

// clusterRateLimits reads the cluster_rate_limits section. The client
// address and the headers follow the rate_limits section, local, whose
// rule names the cluster rules must not reuse.
func (p *parser) clusterRateLimits(path string, v gjson.Result, routeNames []string, local ratelimit.Config) clusterlimit.Config {
	cfg := clusterlimit.Config{
		Service:      clusterlimit.Service{Path: clusterlimit.DefaultPath, Timeout: clusterlimit.DefaultTimeout},
		SyncInterval: clusterlimit.DefaultSyncInterval,
		Breaker:      clusterlimit.Breaker{Failures: clusterlimit.DefaultBreakerFailures, CoolDown: clusterlimit.DefaultBreakerCoolDown},
		ClientIP:     local.ClientIP,
		Headers:      local.Headers,
	}
	if !v.Exists() {
		return cfg
	}
	members, ok := p.fields(path, v, "service", "domain", "sync_interval", "circuit_breaker", "rules")
	if !ok {
		return cfg
	}

	if m, ok := members["service"]; ok {
		p.clusterService(child(path, "service"), m, &cfg.Service)
	} else {
		p.failNoValue(child(path, "service"), `missing required field; set {"cluster": NAME} to the Envoy cluster of the rate limit service`)
	}
	if m, ok := members["domain"]; ok {
		domain, ok := p.str(child(path, "domain"), m)
		if ok && (domain == "" || len(domain) > MaxDomainLength || !isVisibleASCII(domain)) {
			p.fail(child(path, "domain"), "must be 1 to "+strconv.Itoa(MaxDomainLength)+" visible ASCII characters, the domain of the service's limits file", m)
		}
		cfg.Domain = domain
	} else {
		p.failNoValue(child(path, "domain"), "missing required field; set it to the domain of the service's limits file")
	}
	if m, ok := members["sync_interval"]; ok {
		cfg.SyncInterval = p.boundedDuration(child(path, "sync_interval"), m, MinSyncInterval, MaxSyncInterval)
	}
	if m, ok := members["circuit_breaker"]; ok {
		p.clusterBreaker(child(path, "circuit_breaker"), m, &cfg.Breaker)
	}

	m, ok := members["rules"]
	if !ok {
		p.failNoValue(child(path, "rules"), "missing required field; list at least one rule")
		return cfg
	}
	cfg.Rules = p.clusterRules(child(path, "rules"), m, routeNames, local.Rules)
	return cfg
}

// clusterService reads where the service is.
func (p *parser) clusterService(path string, v gjson.Result, s *clusterlimit.Service) {
	members, ok := p.fields(path, v, "cluster", "authority", "path", "timeout")
	if !ok {
		return
	}
	s.Cluster, _ = p.calloutTarget(path, members, "cluster")
	s.Authority = s.Cluster
	if _, ok := members["authority"]; ok {
		s.Authority, _ = p.calloutTarget(path, members, "authority")
	}
	if m, ok := members["path"]; ok {
		if s.Path, ok = p.str(child(path, "path"), m); ok && !jwt.IsCalloutPath(s.Path) {
			p.fail(child(path, "path"), "must start with '/' and hold only visible ASCII characters, such as \"/json\"", m)
		}
	}
	if m, ok := members["timeout"]; ok {
		s.Timeout = p.boundedDuration(child(path, "timeout"), m, MinClusterTimeout, MaxClusterTimeout)
	}
}

// clusterBreaker reads the circuit breaker.
func (p *parser) clusterBreaker(path string, v gjson.Result, b *clusterlimit.Breaker) {
	members, ok := p.fields(path, v, "failures", "cool_down")
	if !ok {
		return
	}
	if m, ok := members["failures"]; ok {
		b.Failures, _ = p.integer(child(path, "failures"), m, 1, MaxBreakerFailures)
	}
	if m, ok := members["cool_down"]; ok {
		b.CoolDown = p.boundedDuration(child(path, "cool_down"), m, MinBreakerCoolDown, MaxBreakerCoolDown)
	}
}

// clusterRules reads the rule list and rejects duplicate names, also
// against the local rules, since replies and logs name rules alone.
func (p *parser) clusterRules(path string, v gjson.Result, routeNames []string, local []ratelimit.Rule) []clusterlimit.Rule {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) == 0 || len(items) > MaxRateRules {
		p.fail(path, "must list 1 to "+strconv.Itoa(MaxRateRules)+" rules", v)
		return nil
	}

	return readNamed(p, path, items, "rule",
		func(itemPath string, item gjson.Result) (clusterlimit.Rule, string, bool) {
			r, ok := p.clusterRule(itemPath, item, routeNames)
			for i := range local {
				if r.Name != "" && local[i].Name == r.Name {
					p.fail(child(itemPath, "name"), "must differ from the name of rate_limits.rules["+strconv.Itoa(i)+"], since replies and logs name rules alone", item.Get("name"))
					ok = false
				}
			}
			return r, r.Name, ok
		})
}

// clusterRule reads one rule.
func (p *parser) clusterRule(path string, v gjson.Result, routeNames []string) (clusterlimit.Rule, bool) {
	r := clusterlimit.Rule{MaxKeys: clusterlimit.DefaultMaxKeys}
	members, ok := p.fields(path, v, "name", "mode", "descriptor", "routes", "failure_mode", "max_keys")
	if !ok {
		return r, false
	}
	before := len(p.errs)

	r.Name = p.requiredName(child(path, "name"), members)
	if m, ok := members["mode"]; ok {
		s, _ := p.enum(child(path, "mode"), m, "sync", "async")
		r.Mode = map[string]clusterlimit.Mode{"sync": clusterlimit.Sync, "async": clusterlimit.Async}[s]
	} else {
		p.failNoValue(child(path, "mode"), `missing required field; set "sync" (ask the service on every request) or "async" (report hits every sync_interval)`)
	}
	if m, ok := members["descriptor"]; ok {
		r.Entries = p.descriptor(child(path, "descriptor"), m)
	} else {
		p.failNoValue(child(path, "descriptor"), `missing required field; list the entries, such as [{"key": "client_ip", "from": "client_ip"}]`)
	}
	if m, ok := members["routes"]; ok {
		r.Routes = p.ruleRoutes(child(path, "routes"), m, routeNames)
	}
	if m, ok := members["failure_mode"]; ok {
		s, _ := p.enum(child(path, "failure_mode"), m, "allow", "deny")
		r.FailureMode = map[string]ratelimit.FailureMode{"deny": ratelimit.FailDeny}[s]
	}
	if m, ok := members["max_keys"]; ok {
		r.MaxKeys, _ = p.integer(child(path, "max_keys"), m, 1, MaxMaxKeys)
	}
	return r, len(p.errs) == before
}

// descriptor reads a rule's descriptor entries.
func (p *parser) descriptor(path string, v gjson.Result) []clusterlimit.Entry {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) == 0 || len(items) > MaxDescriptorEntries {
		p.fail(path, "must list 1 to "+strconv.Itoa(MaxDescriptorEntries)+" entries", v)
		return nil
	}

	entries := make([]clusterlimit.Entry, 0, len(items))
	keys := make(map[string]int, len(items))
	for i, item := range items {
		itemPath := index(path, i)
		e, ok := p.descriptorEntry(itemPath, item)
		if !ok {
			continue
		}
		if first, dup := keys[e.Key]; dup {
			p.fail(child(itemPath, "key"), "duplicate key; "+index(path, first)+" has the same key", item.Get("key"))
			continue
		}
		keys[e.Key] = i
		entries = append(entries, e)
	}
	return entries
}

const entryValueProblem = `must set exactly one of from, header, query, value`

// descriptorEntry reads one entry: a key and where its value comes from.
func (p *parser) descriptorEntry(path string, v gjson.Result) (clusterlimit.Entry, bool) {
	var e clusterlimit.Entry
	members, ok := p.fields(path, v, "key", "from", "header", "query", "value")
	if !ok {
		return e, false
	}
	before := len(p.errs)

	if m, ok := members["key"]; !ok {
		p.failNoValue(child(path, "key"), "missing required field; set the descriptor key of the service's limits file")
	} else if key, ok := p.str(child(path, "key"), m); ok {
		if key == "" || len(key) > MaxDescriptorKeyLength || !isVisibleASCII(key) {
			p.fail(child(path, "key"), "must be 1 to "+strconv.Itoa(MaxDescriptorKeyLength)+" visible ASCII characters, as in the service's limits file", m)
		}
		e.Key = key
	}

	var sources []string
	for _, name := range []string{"from", "header", "query", "value"} {
		if _, ok := members[name]; ok {
			sources = append(sources, name)
		}
	}
	switch len(sources) {
	case 0:
		p.failNoValue(path, entryValueProblem+"; sets none")
		return e, false
	case 1:
	default:
		p.failNoValue(path, entryValueProblem+"; sets "+strings.Join(sources, " and "))
		return e, false
	}

	switch {
	case members["from"].Exists():
		m := members["from"]
		if s, ok := p.enum(child(path, "from"), m, "client_ip", "identity", "caller", "route", "tier", "method"); ok {
			e.Source = descriptorSources[s]
		}
	case members["header"].Exists():
		e.Source = clusterlimit.FromHeader
		e.Name, _ = p.headerName(child(path, "header"), members["header"])
	case members["query"].Exists():
		m := members["query"]
		e.Source = clusterlimit.FromQuery
		if name, ok := p.str(child(path, "query"), m); ok && !isQueryName(name) {
			p.fail(child(path, "query"), "must be a query parameter name made of letters, digits, '-', '.', '_' and '~'", m)
		} else {
			e.Name = name
		}
	default:
		m := members["value"]
		e.Source = clusterlimit.FromValue
		if value, ok := p.str(child(path, "value"), m); ok {
			if value == "" || len(value) > MaxDescriptorValue {
				p.fail(child(path, "value"), "must be 1 to "+strconv.Itoa(MaxDescriptorValue)+" bytes", m)
			}
			e.Value = value
		}
	}
	return e, len(p.errs) == before
}

// calloutTarget reads the cluster or the authority of a callout: the name
// of an Envoy cluster, or a host, which hold no spaces or control
// characters.
func (p *parser) calloutTarget(path string, members map[string]gjson.Result, name string) (string, bool) {
	s, ok := p.requiredString(path, members, name)
	if ok && !isVisibleASCII(s) {
		p.fail(child(path, name), "must be visible ASCII characters without spaces, as Envoy names clusters and hosts", members[name])
		return s, false
	}
	return s, ok
}

// isVisibleASCII reports whether s holds only characters from '!' to '~'.
func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}
