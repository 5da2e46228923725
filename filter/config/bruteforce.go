package config

import (
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/bruteforce"
)

// Defaults and bounds of the brute_force section.
const (
	DefaultBruteForceWindow      = 5 * time.Minute
	DefaultBruteForceBanDuration = 15 * time.Minute
	DefaultMaxFailuresPerIP      = 10
	DefaultBruteForceStatus      = 429
	DefaultBruteForceMaxKeys     = 10_000

	MaxBruteForceFailures = 100_000
	MaxBruteForceKeys     = 1_000_000
	MaxExemptNetworks     = 64
)

// bruteForce reads the brute_force section; nil when it is absent.
func (p *parser) bruteForce(path string, v gjson.Result) *bruteforce.Config {
	if !v.Exists() {
		return nil
	}
	members, ok := p.fields(path, v, "window", "max_failures_per_ip", "max_identities_per_ip",
		"max_failures_per_identity", "ban_duration", "status", "count_upstream", "max_keys", "exempt")
	if !ok {
		return nil
	}

	cfg := &bruteforce.Config{
		Window:           DefaultBruteForceWindow,
		MaxFailuresPerIP: DefaultMaxFailuresPerIP,
		BanDuration:      DefaultBruteForceBanDuration,
		Status:           DefaultBruteForceStatus,
		MaxKeys:          DefaultBruteForceMaxKeys,
	}
	readInt := func(name string, low, high int, dst *int) {
		if m, ok := members[name]; ok {
			if n, ok := p.integer(child(path, name), m, low, high); ok {
				*dst = n
			}
		}
	}
	readInt("max_failures_per_ip", 1, MaxBruteForceFailures, &cfg.MaxFailuresPerIP)
	readInt("max_identities_per_ip", 2, bruteforce.MaxIdentitiesThreshold, &cfg.MaxIdentitiesPerIP)
	readInt("max_failures_per_identity", 1, MaxBruteForceFailures, &cfg.MaxFailuresPerIdentity)
	readInt("max_keys", bruteforce.Ways, MaxBruteForceKeys, &cfg.MaxKeys)

	if m, ok := members["window"]; ok {
		if d := p.window(child(path, "window"), m); d > 0 {
			cfg.Window = d
		}
	}
	if m, ok := members["ban_duration"]; ok {
		if d := p.window(child(path, "ban_duration"), m); d > 0 {
			cfg.BanDuration = d
		}
	}
	if m, ok := members["status"]; ok {
		p.banStatus(child(path, "status"), m, &cfg.Status)
	}
	if m, ok := members["count_upstream"]; ok {
		cfg.CountUpstream = p.upstreamStatuses(child(path, "count_upstream"), m)
	}
	if m, ok := members["exempt"]; ok {
		cfg.Exempt = p.exemptNetworks(child(path, "exempt"), m)
	}
	return cfg
}

// banStatus reads the status of the reply to a banned client: 403 or 429.
func (p *parser) banStatus(path string, v gjson.Result, dst *int) {
	if v.Raw != "403" && v.Raw != "429" {
		p.fail(path, "must be 403 or 429", v)
		return
	}
	*dst, _ = strconv.Atoi(v.Raw)
}

// upstreamStatuses reads the upstream statuses that count as failures:
// distinct integers from 400 to 499.
func (p *parser) upstreamStatuses(path string, v gjson.Result) []int {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	statuses := make([]int, 0, len(items))
	for i, item := range items {
		n, ok := p.integer(index(path, i), item, 400, 499)
		if !ok {
			continue
		}
		if slices.Contains(statuses, n) {
			p.fail(index(path, i), "duplicate status; list each status once", item)
			continue
		}
		statuses = append(statuses, n)
	}
	return statuses
}

// exemptNetworks reads the client networks that are never counted: CIDR
// prefixes in canonical form.
func (p *parser) exemptNetworks(path string, v gjson.Result) []netip.Prefix {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}
	if len(items) > MaxExemptNetworks {
		p.fail(path, "must list at most "+strconv.Itoa(MaxExemptNetworks)+" CIDR prefixes", v)
		return nil
	}

	return p.prefixes(path, items)
}
