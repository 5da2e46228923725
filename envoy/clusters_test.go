package envoy

import (
	"fmt"
	"regexp"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	upstreamhttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"

	"github.com/bulwark-dev/bulwark/filter/config"
)

// checkCalloutClusters checks that each cluster the plugin calls is a
// static cluster. An identity provider's cluster must speak TLS, verify
// the provider's certificate and name, and use the authority that the
// plugin sends as SNI. The rate limit service's cluster must speak plain
// HTTP/1.1, the only protocol of the service's HTTP port.
func checkCalloutClusters(boot *bootstrapv3.Bootstrap, cfg *config.Config) []string {
	providers := identityProviderAuthorities(cfg)
	var problems []string
	for _, name := range cfg.CalloutClusters() {
		cluster := findCluster(boot, name)
		if cluster == nil {
			problems = append(problems, fmt.Sprintf("the plugin configuration calls cluster %q, which static_resources.clusters does not define; add that cluster or change the name in the configuration", name))
			continue
		}

		if authority, isProvider := providers[name]; isProvider {
			problems = append(problems, checkProviderCluster(cluster, authority)...)
		}
		if name == cfg.ClusterRateLimits.Service.Cluster {
			problems = append(problems, checkRateLimitCluster(cluster)...)
		}
	}
	return problems
}

// findCluster returns the static cluster called name, or nil.
func findCluster(boot *bootstrapv3.Bootstrap, name string) *clusterv3.Cluster {
	for _, cluster := range boot.GetStaticResources().GetClusters() {
		if cluster.GetName() == name {
			return cluster
		}
	}
	return nil
}

// checkProviderCluster checks the TLS of an identity provider's cluster.
// The plugin trusts the keys that it fetches there, so a cluster that
// accepts any certificate would let a network attacker sign tokens.
func checkProviderCluster(cluster *clusterv3.Cluster, authority string) []string {
	name := cluster.GetName()
	var tls tlsv3.UpstreamTlsContext
	if cluster.GetTransportSocket().GetTypedConfig().UnmarshalTo(&tls) != nil {
		return []string{fmt.Sprintf("cluster %q: the plugin fetches keys from this identity provider, so the cluster needs an envoy.transport_sockets.tls transport socket with an UpstreamTlsContext whose sni is %q", name, authority)}
	}

	var problems []string
	switch {
	case tls.GetSni() == authority:
	case authority == name:
		problems = append(problems, fmt.Sprintf("cluster %q: the identity provider's authority is not set in the plugin configuration, so the plugin sends the cluster name as :authority; set remote_jwks.authority (or revocation.authority) to the provider's host name, the sni %q", name, tls.GetSni()))
	default:
		problems = append(problems, fmt.Sprintf("cluster %q: the sni %q and the authority %q that the plugin sends differ; set both to the provider's host name", name, tls.GetSni(), authority))
	}

	// The certificate must carry the name that the cluster sends as SNI.
	// A differing authority is reported above.
	host := tls.GetSni()
	if host == "" {
		host = authority
	}
	return append(problems, checkVerification(name, &tls, host, autoSANValidation(cluster))...)
}

// checkVerification checks that an UpstreamTlsContext verifies the
// server's certificate chain against a CA and its name against host. A CA
// comes from trusted_ca, system_root_certs, a certificate provider or SDS.
// The name check comes from a subject alternative name matcher, a pinned
// key or certificate, or auto_san_validation.
func checkVerification(name string, tls *tlsv3.UpstreamTlsContext, host string, autoSAN bool) []string {
	common := tls.GetCommonTlsContext()
	static := common.GetValidationContext()
	dynamic := common.GetValidationContextSdsSecretConfig() != nil ||
		common.GetValidationContextCertificateProvider() != nil ||
		common.GetValidationContextCertificateProviderInstance() != nil
	if combined := common.GetCombinedValidationContext(); combined != nil {
		static = combined.GetDefaultValidationContext()
		dynamic = combined.GetValidationContextSdsSecretConfig() != nil ||
			combined.GetValidationContextCertificateProvider() != nil ||
			combined.GetValidationContextCertificateProviderInstance() != nil
	}

	hasCA := dynamic || static.GetTrustedCa() != nil || static.GetSystemRootCerts() != nil || static.GetCaCertificateProviderInstance() != nil
	if !hasCA {
		return []string{fmt.Sprintf("cluster %q: the UpstreamTlsContext does not verify the provider's certificate; set common_tls_context.validation_context.trusted_ca (for example {filename: /etc/ssl/certs/ca-certificates.crt}), system_root_certs, or a validation_context_sds_secret_config", name)}
	}

	var problems []string
	if static.GetTrustChainVerification() == tlsv3.CertificateValidationContext_ACCEPT_UNTRUSTED {
		problems = append(problems, fmt.Sprintf("cluster %q: trust_chain_verification: must not be ACCEPT_UNTRUSTED, which accepts a certificate that no trusted CA signed; remove it", name))
	}
	if static.GetAllowExpiredCertificate() {
		problems = append(problems, fmt.Sprintf("cluster %q: allow_expired_certificate: must not be true, which accepts an expired certificate; remove it", name))
	}

	// NOTE: a validation context from SDS may hold subject alternative
	// name matchers that this file does not show, so none is required then.
	pinned := len(static.GetVerifyCertificateSpki()) > 0 || len(static.GetVerifyCertificateHash()) > 0
	matchers := nameMatchers(static)
	switch {
	case autoSAN || pinned || (dynamic && len(matchers) == 0):
	case len(matchers) == 0:
		problems = append(problems, fmt.Sprintf("cluster %q: the UpstreamTlsContext accepts a certificate for any host name; add validation_context.match_typed_subject_alt_names: [{san_type: DNS, matcher: {exact: %s}}]", name, host))
	case !anyMatches(matchers, host):
		problems = append(problems, fmt.Sprintf("cluster %q: no entry of match_typed_subject_alt_names matches the provider's host name %q; add a DNS matcher for that name", name, host))
	}
	return problems
}

// nameMatchers returns the matchers that may check a DNS name: those of
// match_typed_subject_alt_names with san_type DNS, and the deprecated
// match_subject_alt_names, which apply to every name type.
func nameMatchers(validation *tlsv3.CertificateValidationContext) []*matcherv3.StringMatcher {
	var matchers []*matcherv3.StringMatcher
	for _, san := range validation.GetMatchTypedSubjectAltNames() {
		if san.GetSanType() == tlsv3.SubjectAltNameMatcher_DNS {
			matchers = append(matchers, san.GetMatcher())
		}
	}
	//nolint:staticcheck // The deprecated field still checks the name.
	return append(matchers, validation.GetMatchSubjectAltNames()...)
}

// anyMatches reports whether one of the matchers accepts host.
func anyMatches(matchers []*matcherv3.StringMatcher, host string) bool {
	for _, m := range matchers {
		fold := func(s string) string {
			if m.GetIgnoreCase() {
				return strings.ToLower(s)
			}
			return s
		}
		value := fold(host)

		var ok bool
		switch pattern := m.GetMatchPattern().(type) {
		case *matcherv3.StringMatcher_Exact:
			ok = value == fold(pattern.Exact)
		case *matcherv3.StringMatcher_Prefix:
			ok = strings.HasPrefix(value, fold(pattern.Prefix))
		case *matcherv3.StringMatcher_Suffix:
			ok = strings.HasSuffix(value, fold(pattern.Suffix))
		case *matcherv3.StringMatcher_Contains:
			ok = strings.Contains(value, fold(pattern.Contains))
		case *matcherv3.StringMatcher_SafeRegex:
			re, err := regexp.Compile("^(?:" + pattern.SafeRegex.GetRegex() + ")$")
			ok = err == nil && re.MatchString(host)
		}
		if ok {
			return true
		}
	}
	return false
}

// upstreamHTTPOptions returns the cluster's HttpProtocolOptions from
// typed_extension_protocol_options, or nil.
func upstreamHTTPOptions(cluster *clusterv3.Cluster) *upstreamhttpv3.HttpProtocolOptions {
	for _, packed := range cluster.GetTypedExtensionProtocolOptions() {
		var options upstreamhttpv3.HttpProtocolOptions
		if packed.UnmarshalTo(&options) == nil {
			return &options
		}
	}
	return nil
}

// autoSANValidation reports whether the cluster checks the server's name
// against the SNI with auto_san_validation.
func autoSANValidation(cluster *clusterv3.Cluster) bool {
	//nolint:staticcheck // The deprecated cluster field still applies.
	if cluster.GetUpstreamHttpProtocolOptions().GetAutoSanValidation() {
		return true
	}
	return upstreamHTTPOptions(cluster).GetUpstreamHttpProtocolOptions().GetAutoSanValidation()
}

// checkRateLimitCluster checks that the cluster of the rate limit service
// speaks plain HTTP/1.1: the service's HTTP port (POST /json) offers
// neither TLS nor HTTP/2, which only its gRPC port speaks.
func checkRateLimitCluster(cluster *clusterv3.Cluster) []string {
	name := cluster.GetName()
	var problems []string
	var tls tlsv3.UpstreamTlsContext
	if cluster.GetTransportSocket().GetTypedConfig().UnmarshalTo(&tls) == nil {
		problems = append(problems, fmt.Sprintf("cluster %q: transport_socket: the rate limit service's HTTP port speaks plain HTTP, so the cluster must not originate TLS; remove the transport socket", name))
	}

	var protocol string
	options := upstreamHTTPOptions(cluster)
	//nolint:staticcheck // The deprecated field is read to reject it.
	switch {
	case cluster.GetHttp2ProtocolOptions() != nil:
		protocol = "http2_protocol_options"
	case options.GetExplicitHttpConfig().GetHttp2ProtocolOptions() != nil:
		protocol = "explicit_http_config.http2_protocol_options"
	case options.GetExplicitHttpConfig().GetHttp3ProtocolOptions() != nil:
		protocol = "explicit_http_config.http3_protocol_options"
	case options.GetAutoConfig() != nil:
		protocol = "auto_config"
	case options.GetUseDownstreamProtocolConfig() != nil:
		protocol = "use_downstream_protocol_config"
	}
	if protocol != "" {
		problems = append(problems, fmt.Sprintf("cluster %q: %s: the rate limit service's HTTP port speaks HTTP/1.1 only (its gRPC port is for Envoy's own ratelimit filter); remove the setting, which leaves HTTP/1.1", name, protocol))
	}
	return problems
}
