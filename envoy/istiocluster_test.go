package envoy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	extensionsv1alpha1 "istio.io/api/extensions/v1alpha1"
	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
)

// outboundCluster matches the name that Istio gives the cluster of a
// service port: outbound|PORT|SUBSET|HOST, without a subset here.
var outboundCluster = regexp.MustCompile(`^outbound\|([0-9]+)\|\|(.+)$`)

// kubernetesService matches the host name of a Kubernetes Service in the
// default cluster domain: NAME.NAMESPACE.svc.cluster.local.
var kubernetesService = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?\.svc\.cluster\.local$`)

// isKubernetesService reports whether host names a Kubernetes Service,
// whose outbound clusters Istio creates without a ServiceEntry.
func isKubernetesService(host string) bool {
	return kubernetesService.MatchString(host)
}

// calloutRole is what the plugin calls a cluster for.
type calloutRole struct {
	// provider is set for an identity provider's JWKS or revocation list,
	// fetched with authority as :authority.
	provider  bool
	authority string

	// rateLimit is set for the rate limit service's HTTP port.
	rateLimit bool
}

// checkIstioCluster checks that a callout cluster is the outbound cluster
// of an HTTP port of a ServiceEntry in the file, or of a Kubernetes
// Service, and that the TLS settings that apply to it suit its role.
func checkIstioCluster(where, cluster string, role calloutRole, objects istioManifests) []string {
	match := outboundCluster.FindStringSubmatch(cluster)
	if match == nil {
		return []string{fmt.Sprintf("%s: cluster %q: must be the Istio outbound cluster of a ServiceEntry port in this file or of a Kubernetes Service, outbound|PORT||HOST", where, cluster)}
	}
	number, _ := strconv.ParseUint(match[1], 10, 32)
	host := match[2]
	prefix := fmt.Sprintf("%s: cluster %q: ", where, cluster)

	// A Service of the mesh has no ServiceEntry here, and Istio's mutual
	// TLS protects it, so it needs no DestinationRule either.
	if entry := findServiceEntry(objects.entries, host); entry != nil || !isKubernetesService(host) {
		var port *networkingv1alpha3.ServicePort
		for _, p := range entry.GetPorts() {
			if uint64(p.GetNumber()) == number {
				port = p
			}
		}
		if port == nil {
			return []string{fmt.Sprintf("%sno ServiceEntry of this file has host %q with port %d; add one or fix the cluster name", prefix, host, number)}
		}
		if port.GetProtocol() != "HTTP" {
			return []string{fmt.Sprintf("%sthe ServiceEntry port must have protocol HTTP, because the plugin's callouts are plain HTTP; got %q", prefix, port.GetProtocol())}
		}
	}

	tls := originatedTLS(objects.rules, host, uint32(number))
	var problems []string
	if tls.GetInsecureSkipVerify().GetValue() {
		problems = append(problems, prefix+"the DestinationRule's tls.insecureSkipVerify must not be true, which accepts any certificate; remove it")
	}
	switch {
	case role.provider:
		problems = append(problems, checkProviderTLS(prefix, cluster, host, uint32(number), role.authority, tls)...)
	case role.rateLimit:
		problems = append(problems, checkRateLimitTLS(prefix, host, uint32(number), tls, objects.rules)...)
	}
	return problems
}

// checkProviderTLS checks that the proxy originates TLS to an external
// identity provider, with the SNI of the authority that the plugin sends.
// Istio's ClientTLSSettings documentation (istio.io/api v1.32.0,
// networking/v1alpha3) states that the proxy verifies the server certificate
// with the OS CA certificates when caCertificates is omitted, and checks
// its name against the request's authority when subjectAltNames is, so
// neither is required here. insecureSkipVerify turns both checks off.
func checkProviderTLS(prefix, cluster, host string, port uint32, authority string, tls *networkingv1alpha3.ClientTLSSettings) []string {
	if authority == cluster {
		return []string{prefix + "the identity provider's authority is not set in the plugin configuration, so the plugin sends the cluster name as :authority; set remote_jwks.authority (or revocation.authority) to the provider's host name, such as " + strconv.Quote(host)}
	}
	if isKubernetesService(host) && (tls == nil || tls.GetMode() == networkingv1alpha3.ClientTLSSettings_ISTIO_MUTUAL) {
		return nil
	}

	if tls == nil {
		return []string{fmt.Sprintf("%sthe plugin fetches keys from this identity provider, but no TLS settings of a DestinationRule for host %q apply to port %d; add a DestinationRule whose tls, or portLevelSettings for port %d, has mode SIMPLE", prefix, host, port, port)}
	}
	mode := tls.GetMode()
	if mode != networkingv1alpha3.ClientTLSSettings_SIMPLE && mode != networkingv1alpha3.ClientTLSSettings_MUTUAL {
		return []string{fmt.Sprintf("%sthe plugin fetches keys from this identity provider, so the DestinationRule for host %q must originate TLS (mode SIMPLE) on port %d; got mode %s", prefix, host, port, mode)}
	}
	if tls.GetSni() != authority {
		return []string{fmt.Sprintf("%sthe DestinationRule's sni %q and the authority %q that the plugin sends differ; set both to the provider's host name", prefix, tls.GetSni(), authority)}
	}
	return nil
}

// checkRateLimitTLS checks that the proxy speaks plain HTTP/1.1 to the rate
// limit service's HTTP port: no TLS origination (ISTIO_MUTUAL, which the
// service's sidecar terminates, is fine) and no upgrade to HTTP/2.
func checkRateLimitTLS(prefix, host string, port uint32, tls *networkingv1alpha3.ClientTLSSettings, rules []*networkingv1alpha3.DestinationRule) []string {
	var problems []string
	if mode := tls.GetMode(); mode == networkingv1alpha3.ClientTLSSettings_SIMPLE || mode == networkingv1alpha3.ClientTLSSettings_MUTUAL {
		problems = append(problems, fmt.Sprintf("%sthe DestinationRule for host %q originates TLS (mode %s) on port %d, but the rate limit service's HTTP port speaks plain HTTP; use mode DISABLE, or ISTIO_MUTUAL for a service in the mesh", prefix, host, mode, port))
	}
	for _, rule := range rules {
		if rule.GetHost() != host {
			continue
		}
		if rule.GetTrafficPolicy().GetConnectionPool().GetHttp().GetH2UpgradePolicy() == networkingv1alpha3.ConnectionPoolSettings_HTTPSettings_UPGRADE {
			problems = append(problems, fmt.Sprintf("%sthe DestinationRule for host %q upgrades to HTTP/2 (h2UpgradePolicy UPGRADE), but the rate limit service's HTTP port speaks HTTP/1.1 only; remove h2UpgradePolicy", prefix, host))
		}
	}
	return problems
}

// sha256Hex is the format of the WasmPlugin's sha256 field: the CRD's
// validation pattern in istio.io/api v1.32.0 (extensions/v1alpha1) is
// (^$|^[a-f0-9]{64}$), so without a "sha256:" prefix.
var sha256Hex = regexp.MustCompile(`^[a-f0-9]{64}$`)

// checkPluginDigest checks the WasmPlugin's sha256, which Istio compares
// with the pulled image's manifest digest, and that it agrees with a
// digest in the url.
func checkPluginDigest(where string, plugin *extensionsv1alpha1.WasmPlugin) []string {
	sum := plugin.GetSha256()
	if sum == "" {
		return nil
	}
	if !sha256Hex.MatchString(sum) {
		return []string{fmt.Sprintf("%s: spec.sha256: must be 64 lower-case hexadecimal digits without a \"sha256:\" prefix, the image digest that bulwark oci push prints; got %q", where, sum)}
	}
	if _, urlDigest, found := strings.Cut(plugin.GetUrl(), "@sha256:"); found && urlDigest != sum {
		return []string{fmt.Sprintf("%s: spec.sha256: must equal the digest of spec.url, %q; got %q", where, urlDigest, sum)}
	}
	return nil
}
