package config

import (
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/bruteforce"
	"github.com/bulwark-dev/bulwark/filter/clusterlimit"
	"github.com/bulwark-dev/bulwark/filter/jwt"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// Defaults of the optional fields.
const (
	DefaultIdentityHeader = "x-bulwark-client-id"
	DefaultMaxKeyLength   = 256
	DefaultKeyHeader      = "x-api-key"

	// DefaultKeyCacheEntries is the default size of the per-VM cache of
	// credentials that matched a key (about 100 bytes each).
	DefaultKeyCacheEntries = 1024
)

// Bounds checked by Parse.
const (
	MinMaxKeyLength = 16
	MaxMaxKeyLength = 4096
	MinPepperBytes  = 16

	MaxKeyCacheEntries = 100_000

	// MaxRoutes, MaxRegexBytes and MaxRegexInstructions bound the work of
	// route matching on each request.
	MaxRoutes            = 1000
	MaxRegexBytes        = 1024
	MaxRegexInstructions = 5000

	// MaxHeaderNameBytes bounds every configured header name.
	MaxHeaderNameBytes = 256

	// MaxErrors bounds the errors that Parse reports for one document.
	MaxErrors = 100
)

// FailurePolicy selects how the plugin handles a request when the filter
// itself fails, such as on a recovered panic.
type FailurePolicy uint8

const (
	// FailClosed responds with 500 and the internal_error body. It is the
	// zero value and the default.
	FailClosed FailurePolicy = iota

	// FailOpen lets the request through unchanged.
	FailOpen
)

// String returns the configuration name of the policy: "fail_closed" or
// "fail_open".
func (f FailurePolicy) String() string {
	switch f {
	case FailClosed:
		return "fail_closed"
	case FailOpen:
		return "fail_open"
	}
	return "unknown"
}

// Config is the compiled configuration. Parse builds it; nothing may change
// it afterwards, so one Config can be shared by every request.
type Config struct {
	// FailurePolicy applies when the filter fails internally.
	FailurePolicy FailurePolicy

	// IdentityHeader is the lower-case name of the header that carries the
	// authenticated key id upstream. Copies sent by the client are always
	// removed.
	IdentityHeader string

	// PathNormalization holds the path normalisation and matching options.
	PathNormalization route.Normalization

	// APIKeys holds the API key sources and store.
	APIKeys APIKeys

	// Routes holds the routes in matching order and the default route.
	Routes *route.Table

	// RateLimits holds the local rate limit rules; it has none when the
	// section is absent.
	RateLimits ratelimit.Config

	// ClusterRateLimits holds the cluster-wide rules counted by the rate
	// limit service; it has none when the section is absent.
	ClusterRateLimits clusterlimit.Config

	// Injection holds the injection detection policies; nil when the
	// section is absent, which disables detection.
	Injection *Injection

	// JWT holds the JWT providers; nil when the section is absent, and
	// then no route may require a JWT.
	JWT *jwt.Config

	// Events selects the sinks of security events and metrics.
	Events Events

	// BruteForce holds the brute-force protection; nil when the section is
	// absent, which turns it off.
	BruteForce *bruteforce.Config
}

// APIKeys is the compiled api_keys section.
type APIKeys struct {
	// Sources lists where credentials are read, in order.
	Sources []apikey.Source

	// Hash is the digest function of the stored keys.
	Hash apikey.Hash

	// StripCredential removes every credential from the request before it
	// goes upstream.
	StripCredential bool

	// MaxKeyLength is the maximum length in bytes of a credential.
	MaxKeyLength int

	// CacheEntries bounds the cache of credentials that matched a key; 0
	// disables it.
	CacheEntries int

	// Store maps digests to keys. It holds the pepper but never prints it.
	Store *apikey.Store
}

// Default returns the configuration of the empty document "{}": every
// request needs an API key, and no key exists.
func Default() *Config {
	cfg, err := Parse([]byte("{}"))
	if err != nil {
		panic("BUG: the empty configuration is invalid: " + err.Error())
	}
	return cfg
}

// Parse parses and validates the whole plugin configuration strictly and
// compiles it into an immutable value. On failure the error is an *Errors
// listing every problem, each as "<json.path>: <problem>; got <value>".
// Invalid JSON yields a single error with its byte offset.
func Parse(data []byte) (*Config, error) {
	if err := checkSyntax(data); err != nil {
		return nil, &Errors{List: []FieldError{err.fieldError(data)}}
	}
	if !gjson.ValidBytes(data) {
		// Unreachable while checkSyntax is at least as strict as gjson,
		// which FuzzParseConfig checks.
		return nil, &Errors{List: []FieldError{{Path: "$", Problem: "invalid JSON; check the document with a JSON validator"}}}
	}

	var p parser
	cfg := p.document(gjson.ParseBytes(data))
	if len(p.errs) > MaxErrors {
		// A huge broken document must not flood the log: report the
		// first problems and how many more there are.
		omitted := len(p.errs) - MaxErrors
		p.errs = append(p.errs[:MaxErrors], FieldError{
			Path:    "$",
			Problem: strconv.Itoa(omitted) + " more errors not shown; fix the ones above first",
		})
	}
	if len(p.errs) > 0 {
		return nil, &Errors{List: p.errs}
	}
	return cfg, nil
}

// document reads every top-level section. Sections are read in dependency
// order: routes need the normalisation options, and the identity header is
// checked against the credential sources.
func (p *parser) document(root gjson.Result) *Config {
	if !root.IsObject() {
		p.fail("$", "must be a JSON object", root)
		return nil
	}

	members, _ := p.fields("", root,
		"failure_policy", "identity_header", "path_normalization", "api_keys", "routes", "default_route", "rate_limits", "cluster_rate_limits", "injection", "jwt", "events", "brute_force")

	cfg := &Config{
		IdentityHeader: DefaultIdentityHeader,
		PathNormalization: route.Normalization{
			MergeSlashes:      true,
			EncodedSlash:      route.EncodedSlashReject,
			CaseSensitive:     true,
			ForwardNormalized: true,
		},
	}

	if v, ok := members["failure_policy"]; ok {
		if s, ok := p.enum("failure_policy", v, "fail_closed", "fail_open"); ok && s == "fail_open" {
			cfg.FailurePolicy = FailOpen
		}
	}
	if v, ok := members["path_normalization"]; ok {
		p.normalization("path_normalization", v, &cfg.PathNormalization)
	}

	identity, hasIdentity := members["identity_header"]
	if hasIdentity {
		cfg.IdentityHeader = p.identityHeader("identity_header", identity)
	}
	cfg.APIKeys = p.apiKeys("api_keys", members["api_keys"])
	if hasIdentity {
		p.checkIdentityConflict("identity_header", identity, cfg.IdentityHeader, cfg.APIKeys.Sources)
	} else {
		p.checkDefaultIdentityConflict("api_keys.sources", cfg.APIKeys.Sources)
	}

	routes := p.routes("routes", members["routes"], cfg.PathNormalization)
	fallback := p.defaultRoute("default_route", members["default_route"])
	cfg.Routes = route.NewTable(routes, fallback, cfg.PathNormalization.CaseSensitive)
	cfg.RateLimits = p.rateLimits("rate_limits", members["rate_limits"], rateRouteNames(routes))
	cfg.ClusterRateLimits = p.clusterRateLimits("cluster_rate_limits", members["cluster_rate_limits"], rateRouteNames(routes), cfg.RateLimits)
	cfg.Injection = p.injection("injection", members["injection"], routes)
	cfg.Events = p.events("events", members["events"])
	cfg.BruteForce = p.bruteForce("brute_force", members["brute_force"])
	cfg.JWT = p.jwtSection("jwt", members["jwt"], routes, fallback)
	p.checkJWTHeaders("jwt", members["jwt"], cfg)
	return cfg
}

// normalization reads the path_normalization section into n, which holds
// the defaults.
func (p *parser) normalization(path string, v gjson.Result, n *route.Normalization) {
	members, ok := p.fields(path, v, "merge_slashes", "encoded_slash", "case_sensitive", "forward_normalized")
	if !ok {
		return
	}

	readBool := func(name string, dst *bool) {
		if m, ok := members[name]; ok {
			if b, ok := p.boolean(child(path, name), m); ok {
				*dst = b
			}
		}
	}
	readBool("merge_slashes", &n.MergeSlashes)
	readBool("case_sensitive", &n.CaseSensitive)
	readBool("forward_normalized", &n.ForwardNormalized)

	if m, ok := members["encoded_slash"]; ok {
		switch s, _ := p.enum(child(path, "encoded_slash"), m, "keep", "decode", "reject"); s {
		case "keep":
			n.EncodedSlash = route.EncodedSlashKeep
		case "decode":
			n.EncodedSlash = route.EncodedSlashDecode
		case "reject":
			n.EncodedSlash = route.EncodedSlashReject
		}
	}
}
