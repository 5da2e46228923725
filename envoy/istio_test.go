package envoy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	//nolint:staticcheck // Istio's own decoding of specs uses jsonpb.
	"github.com/golang/protobuf/jsonpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	extensionsv1alpha1 "istio.io/api/extensions/v1alpha1"
	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
)

func TestIstioManifestsValidate(t *testing.T) {
	data, err := os.ReadFile("istio/wasmplugin.yaml")
	require.NoError(t, err)

	require.Empty(t, checkIstioManifests(data))
}

// TestIstioManifestsAcceptVariations checks the files of
// testdata/valid-istio, which vary istio/wasmplugin.yaml in ways that Istio
// accepts and that keep the plugin safe.
func TestIstioManifestsAcceptVariations(t *testing.T) {
	checkValidFixtures(t, "valid-istio", checkIstioManifests)
}

func TestIstioManifestsRejectBrokenFiles(t *testing.T) {
	checkInvalidFixtures(t, "invalid-istio", checkIstioManifests)
}

// istioObject is the Kubernetes envelope of an Istio object. Its spec is
// decoded apart, with jsonpb, into the istio.io/api message of its kind.
type istioObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec json.RawMessage `json:"spec"`
}

// istioKinds lists the kinds that the manifests may hold, with their API
// version and the message of their spec. networking.istio.io/v1 serves the
// v1alpha3 messages.
var istioKinds = map[string]struct {
	apiVersion string
	newSpec    func() proto.Message
}{
	"WasmPlugin":      {"extensions.istio.io/v1alpha1", func() proto.Message { return &extensionsv1alpha1.WasmPlugin{} }},
	"ServiceEntry":    {"networking.istio.io/v1", func() proto.Message { return &networkingv1alpha3.ServiceEntry{} }},
	"DestinationRule": {"networking.istio.io/v1", func() proto.Message { return &networkingv1alpha3.DestinationRule{} }},
}

// istioManifests holds the decoded objects of one file.
type istioManifests struct {
	plugins map[string]*extensionsv1alpha1.WasmPlugin
	entries []*networkingv1alpha3.ServiceEntry
	rules   []*networkingv1alpha3.DestinationRule

	// ruleWhere holds the place of each rule in the file.
	ruleWhere map[*networkingv1alpha3.DestinationRule]string
}

// checkIstioManifests returns every problem of a multi-document file of
// Istio objects. Each object must decode strictly into its istio.io/api
// type. The one WasmPlugin must load an OCI image in the AUTHN phase and
// fail closed. Its plugin configuration must validate, and each callout
// cluster must be the outbound cluster of a ServiceEntry of the file or of
// a Kubernetes Service.
// istio.io/api has no validation code, so the checks are written here.
func checkIstioManifests(data []byte) []string {
	docs, err := decodeYAML(data)
	if err != nil {
		return []string{err.Error()}
	}

	objects := istioManifests{
		plugins:   map[string]*extensionsv1alpha1.WasmPlugin{},
		ruleWhere: map[*networkingv1alpha3.DestinationRule]string{},
	}
	namespaces := map[string]bool{}
	var problems []string
	decoded := true
	for i, doc := range docs {
		where, namespace, spec, docProblems := decodeIstioObject(i+1, doc)
		problems = append(problems, docProblems...)
		if spec == nil {
			decoded = false
			continue
		}
		namespaces[namespace] = true

		switch spec := spec.(type) {
		case *extensionsv1alpha1.WasmPlugin:
			objects.plugins[where] = spec
		case *networkingv1alpha3.ServiceEntry:
			objects.entries = append(objects.entries, spec)
		case *networkingv1alpha3.DestinationRule:
			objects.rules = append(objects.rules, spec)
			objects.ruleWhere[spec] = where
		}
	}
	if len(namespaces) > 1 {
		problems = append(problems, "the objects are in different namespaces; put them all in the gateway's namespace, where the WasmPlugin applies and exportTo \".\" makes the others visible")
	}
	if !decoded {
		return problems
	}
	if len(objects.plugins) != 1 {
		return append(problems, fmt.Sprintf("found %d WasmPlugins; expected exactly one", len(objects.plugins)))
	}

	for where, plugin := range objects.plugins {
		problems = append(problems, checkWasmPlugin(where, plugin, objects)...)
	}
	for _, rule := range objects.rules {
		if findServiceEntry(objects.entries, rule.GetHost()) == nil && !isKubernetesService(rule.GetHost()) {
			problems = append(problems, fmt.Sprintf("%s: spec.host: no ServiceEntry of this file has host %q, and it is not a Kubernetes Service name (NAME.NAMESPACE.svc.cluster.local); add a ServiceEntry or fix the host", objects.ruleWhere[rule], rule.GetHost()))
		}
	}
	return problems
}

// decodeIstioObject decodes one document into its spec message and returns
// it with its namespace and its place, "document N (Kind namespace/name)".
// The spec is nil when the document does not decode.
func decodeIstioObject(number int, doc yamlDocument) (string, string, proto.Message, []string) {
	where := fmt.Sprintf("document %d", number)
	var object istioObject
	decoder := json.NewDecoder(bytes.NewReader(doc.json))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&object); err != nil {
		return where, "", nil, []string{fmt.Sprintf("%s: %v", where, err)}
	}

	kind, ok := istioKinds[object.Kind]
	if !ok {
		return where, "", nil, []string{fmt.Sprintf("%s: kind must be WasmPlugin, ServiceEntry or DestinationRule; got %q", where, object.Kind)}
	}
	where = fmt.Sprintf("document %d (%s %s/%s)", number, object.Kind, object.Metadata.Namespace, object.Metadata.Name)
	var problems []string
	if object.APIVersion != kind.apiVersion {
		problems = append(problems, fmt.Sprintf("%s: apiVersion must be %s; got %q", where, kind.apiVersion, object.APIVersion))
	}
	if object.Metadata.Name == "" || object.Metadata.Namespace == "" {
		problems = append(problems, where+": metadata.name and metadata.namespace must be set")
	}

	// Istio decodes specs with these jsonpb rules (in istio.io/api's
	// *_json.gen.go), which read a Duration as "250ms" where protojson
	// wants "0.250s". Unknown fields are rejected here, as kubectl's
	// default strict field validation does against Istio's CRD schemas.
	spec := kind.newSpec()
	unmarshaler := jsonpb.Unmarshaler{AllowUnknownFields: false}
	if err := unmarshaler.Unmarshal(bytes.NewReader(object.Spec), protoadapt.MessageV1Of(spec)); err != nil {
		return where, "", nil, append(problems, fmt.Sprintf("%s: spec: %s", where, explainProtoError(err, doc)))
	}
	return where, object.Metadata.Namespace, spec, problems
}

// checkWasmPlugin checks the fields that decide how the plugin loads and
// fails, then its plugin configuration and callout clusters.
func checkWasmPlugin(where string, plugin *extensionsv1alpha1.WasmPlugin, objects istioManifests) []string {
	var problems []string
	fail := func(format string, args ...any) {
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}

	if !strings.HasPrefix(plugin.GetUrl(), "oci://") {
		fail("spec.url: must be an oci:// image reference, the artifact that make oci builds; got %q", plugin.GetUrl())
	}
	problems = append(problems, checkPluginDigest(where, plugin)...)
	if plugin.GetImagePullPolicy() == extensionsv1alpha1.PullPolicy_UNSPECIFIED_POLICY {
		fail("spec.imagePullPolicy: must be set, to IfNotPresent for a pinned version or Always for a moving tag")
	}
	if plugin.GetPhase() != extensionsv1alpha1.PluginPhase_AUTHN {
		fail("spec.phase: must be AUTHN, so that Bulwark runs before Istio's authentication and authorization filters; got %s", plugin.GetPhase())
	}
	if plugin.GetType() == extensionsv1alpha1.PluginType_NETWORK {
		fail("spec.type: must be HTTP; Bulwark is an HTTP filter")
	}
	if plugin.GetFailStrategy() == extensionsv1alpha1.FailStrategy_FAIL_OPEN {
		fail("spec.failStrategy: must not be FAIL_OPEN, which passes requests on unauthenticated when the VM fails; use FAIL_CLOSE or FAIL_RELOAD")
	}
	if len(plugin.GetSelector().GetMatchLabels()) == 0 && len(plugin.GetTargetRefs()) == 0 {
		fail("spec.selector.matchLabels: must name the gateway's labels, or the plugin applies to every workload of the namespace")
	}

	if plugin.GetPluginConfig() == nil {
		fail("spec.pluginConfig: must hold the plugin configuration")
		return problems
	}
	document, err := protojson.Marshal(plugin.GetPluginConfig())
	if err != nil {
		fail("spec.pluginConfig: converting to JSON failed: %v", err)
		return problems
	}
	cfg, configProblems := parsePluginConfig(where+": spec.pluginConfig", document)
	if cfg == nil {
		return append(problems, configProblems...)
	}

	providers := identityProviderAuthorities(cfg)
	for _, cluster := range cfg.CalloutClusters() {
		authority, isProvider := providers[cluster]
		role := calloutRole{provider: isProvider, authority: authority, rateLimit: cluster == cfg.ClusterRateLimits.Service.Cluster}
		problems = append(problems, checkIstioCluster(where, cluster, role, objects)...)
	}
	return problems
}

// findServiceEntry returns the entry that lists host, or nil.
func findServiceEntry(entries []*networkingv1alpha3.ServiceEntry, host string) *networkingv1alpha3.ServiceEntry {
	for _, entry := range entries {
		for _, h := range entry.GetHosts() {
			if h == host {
				return entry
			}
		}
	}
	return nil
}

// originatedTLS returns the TLS settings that the DestinationRules of host
// apply to port: the port-level settings when there are some, the
// rule-wide ones otherwise, or nil.
func originatedTLS(rules []*networkingv1alpha3.DestinationRule, host string, port uint32) *networkingv1alpha3.ClientTLSSettings {
	for _, rule := range rules {
		if rule.GetHost() != host {
			continue
		}
		for _, settings := range rule.GetTrafficPolicy().GetPortLevelSettings() {
			if settings.GetPort().GetNumber() == port && settings.GetTls() != nil {
				return settings.GetTls()
			}
		}
		if tls := rule.GetTrafficPolicy().GetTls(); tls != nil {
			return tls
		}
	}
	return nil
}
