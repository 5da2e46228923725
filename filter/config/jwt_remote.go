package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// Bounds of a provider's remote_jwks and revocation_list.
const (
	MinRefreshInterval   = 30 * time.Second
	MaxRefreshInterval   = 24 * time.Hour
	MinFetchTimeout      = 100 * time.Millisecond
	MaxFetchTimeout      = 60 * time.Second
	MaxWaitForFirstFetch = 60 * time.Second
	MinRevocationRefresh = 10 * time.Second
	MaxRevokedIDs        = 100_000
)

// remoteJWKS reads a provider's remote_jwks: where the key set is fetched
// and how often. It returns nil when the provider has none. A remote JWKS
// publishes public keys only, so it cannot serve the HMAC algorithms.
func (p *parser) remoteJWKS(path string, members map[string]gjson.Result, issuer string, algorithms []string) *jwt.RemoteJWKS {
	v, ok := members["remote_jwks"]
	if !ok {
		return nil
	}
	for _, alg := range algorithms {
		if strings.HasPrefix(alg, "HS") {
			p.fail(child(path, "algorithms"), "algorithm "+strconv.Quote(alg)+" needs hmac_secrets; a remote JWKS publishes public keys only", members["algorithms"])
		}
	}
	path = child(path, "remote_jwks")
	fields, ok := p.fields(path, v, "cluster", "path", "discovery", "authority", "refresh_interval", "fetch_timeout", "wait_for_first_fetch")
	if !ok {
		return nil
	}

	r := &jwt.RemoteJWKS{
		RefreshInterval:   jwt.DefaultRefreshInterval,
		FetchTimeout:      jwt.DefaultFetchTimeout,
		WaitForFirstFetch: jwt.DefaultWaitForFirstFetch,
	}
	r.Cluster, r.Authority = p.calloutCluster(path, fields)
	r.Path, r.DiscoveryPath = p.jwksLocation(path, fields, issuer)
	if m, ok := fields["refresh_interval"]; ok {
		r.RefreshInterval = p.boundedDuration(child(path, "refresh_interval"), m, MinRefreshInterval, MaxRefreshInterval)
	}
	if m, ok := fields["fetch_timeout"]; ok {
		r.FetchTimeout = p.boundedDuration(child(path, "fetch_timeout"), m, MinFetchTimeout, MaxFetchTimeout)
	}
	if m, ok := fields["wait_for_first_fetch"]; ok {
		r.WaitForFirstFetch = p.boundedDuration(child(path, "wait_for_first_fetch"), m, 0, MaxWaitForFirstFetch)
	}
	return r
}

// calloutCluster reads the required cluster and the optional authority of
// a callout; the authority defaults to the cluster name.
func (p *parser) calloutCluster(path string, fields map[string]gjson.Result) (cluster, authority string) {
	cluster, _ = p.calloutTarget(path, fields, "cluster")
	authority = cluster
	if _, ok := fields["authority"]; ok {
		authority, _ = p.calloutTarget(path, fields, "authority")
	}
	return cluster, authority
}

// jwksLocation reads exactly one of path and "discovery": true. Discovery
// derives the discovery document's path from the issuer.
func (p *parser) jwksLocation(path string, fields map[string]gjson.Result, issuer string) (jwksPath, discoveryPath string) {
	discovery := false
	if m, ok := fields["discovery"]; ok {
		discovery, _ = p.boolean(child(path, "discovery"), m)
	}
	_, hasPath := fields["path"]
	switch {
	case discovery && hasPath:
		p.fail(child(path, "path"), "must not be set with \"discovery\": true, which reads the path from jwks_uri", fields["path"])
		return "", ""
	case discovery:
		discoveryPath, err := jwt.DiscoveryPath(issuer)
		if err != nil && issuer != "" {
			p.fail(child(path, "discovery"), "needs an issuer URL, but "+strings.TrimPrefix(err.Error(), "jwt: ")+"; set path instead", fields["discovery"])
		}
		return "", discoveryPath
	case !hasPath:
		p.failNoValue(child(path, "path"), "missing required field; give the JWKS path, or \"discovery\": true to read it from the issuer's /.well-known/openid-configuration")
		return "", ""
	}
	return p.calloutPath(child(path, "path"), fields["path"], "/.well-known/jwks.json"), ""
}

// calloutPath reads the :path of a callout.
func (p *parser) calloutPath(path string, v gjson.Result, example string) string {
	s, ok := p.str(path, v)
	if ok && !jwt.IsCalloutPath(s) {
		p.fail(path, "must start with '/' and hold only visible ASCII characters, such as "+strconv.Quote(example), v)
		return ""
	}
	return s
}

// revocationList reads a provider's revocation_list, or returns nil when
// the provider has none.
func (p *parser) revocationList(path string, members map[string]gjson.Result) *jwt.RevocationList {
	v, ok := members["revocation_list"]
	if !ok {
		return nil
	}
	path = child(path, "revocation_list")
	fields, ok := p.fields(path, v, "cluster", "path", "authority", "refresh_interval", "fetch_timeout", "max_entries")
	if !ok {
		return nil
	}

	r := &jwt.RevocationList{
		RefreshInterval: jwt.DefaultRevocationRefresh,
		FetchTimeout:    jwt.DefaultFetchTimeout,
		MaxEntries:      jwt.DefaultMaxRevokedIDs,
	}
	r.Cluster, r.Authority = p.calloutCluster(path, fields)
	if m, ok := fields["path"]; ok {
		r.Path = p.calloutPath(child(path, "path"), m, "/revoked.json")
	} else {
		p.failNoValue(child(path, "path"), "missing required field")
	}
	if m, ok := fields["refresh_interval"]; ok {
		r.RefreshInterval = p.boundedDuration(child(path, "refresh_interval"), m, MinRevocationRefresh, MaxRefreshInterval)
	}
	if m, ok := fields["fetch_timeout"]; ok {
		r.FetchTimeout = p.boundedDuration(child(path, "fetch_timeout"), m, MinFetchTimeout, MaxFetchTimeout)
	}
	if m, ok := fields["max_entries"]; ok {
		r.MaxEntries, _ = p.integer(child(path, "max_entries"), m, 1, MaxRevokedIDs)
	}
	return r
}

// boundedDuration reads a Go duration string such as "10m" between low and
// high.
func (p *parser) boundedDuration(path string, v gjson.Result, low, high time.Duration) time.Duration {
	s, ok := p.str(path, v)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < low || d > high {
		p.fail(path, "must be a duration between "+strconv.Quote(formatDuration(low))+" and "+
			strconv.Quote(formatDuration(high))+", such as "+durationExamples(low, high), v)
		return 0
	}
	return d
}

// durationSamples are the durations that error messages suggest.
var durationSamples = []time.Duration{
	10 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 5 * time.Second, 30 * time.Second, time.Minute, 10 * time.Minute, time.Hour, 24 * time.Hour,
}

// durationExamples suggests up to three durations between low and high,
// such as "100ms", "5s" or "1m".
func durationExamples(low, high time.Duration) string {
	var fit []string
	for _, d := range durationSamples {
		if d >= low && d <= high {
			fit = append(fit, strconv.Quote(formatDuration(d)))
		}
	}
	switch len(fit) {
	case 0:
		return strconv.Quote(formatDuration(low))
	case 1:
		return fit[0]
	case 2:
		return fit[0] + " or " + fit[1]
	}
	return fit[0] + ", " + fit[len(fit)/2] + " or " + fit[len(fit)-1]
}

// formatDuration writes d without the zero units that time.Duration.String
// adds, such as "24h" instead of "24h0m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
