package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// Bounds of a provider's remote_jwks.
const (
	MinRefreshInterval   = 30 * time.Second
	MaxRefreshInterval   = 24 * time.Hour
	MinFetchTimeout      = 100 * time.Millisecond
	MaxFetchTimeout      = 60 * time.Second
	MaxWaitForFirstFetch = 60 * time.Second
)

// remoteJWKS reads a provider's remote_jwks: where the key set is fetched
// and how often. It returns nil when the provider has none. A remote JWKS
// publishes public keys only, so it cannot serve the HMAC algorithms.
func (p *parser) remoteJWKS(path string, members map[string]gjson.Result, algorithms []string) *jwt.RemoteJWKS {
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
	fields, ok := p.fields(path, v, "cluster", "path", "authority", "refresh_interval", "fetch_timeout", "wait_for_first_fetch")
	if !ok {
		return nil
	}

	r := &jwt.RemoteJWKS{
		RefreshInterval:   jwt.DefaultRefreshInterval,
		FetchTimeout:      jwt.DefaultFetchTimeout,
		WaitForFirstFetch: jwt.DefaultWaitForFirstFetch,
	}
	r.Cluster, _ = p.requiredString(path, fields, "cluster")
	if r.Path, ok = p.requiredString(path, fields, "path"); ok && !isCalloutPath(r.Path) {
		p.fail(child(path, "path"), "must start with '/' and hold only visible ASCII characters, such as \"/.well-known/jwks.json\"", fields["path"])
	}
	r.Authority = r.Cluster
	if _, ok := fields["authority"]; ok {
		r.Authority, _ = p.requiredString(path, fields, "authority")
	}
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
			strconv.Quote(formatDuration(high))+", such as \"500ms\", \"30s\" or \"10m\"", v)
		return 0
	}
	return d
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

// isCalloutPath reports whether s can be the :path of a callout.
func isCalloutPath(s string) bool {
	if !strings.HasPrefix(s, "/") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
