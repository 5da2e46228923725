package envoy

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	// The typed_config types that the bootstraps use, and those that
	// operators commonly add next to a wasm filter: access loggers, the
	// health check filter, the TLS inspector and upstream HTTP protocol
	// options. protojson resolves an Any's "@type" only among registered
	// types, so a bootstrap that uses another extension needs its package
	// imported here.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/file/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/health_check/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
)

// wasmFilePattern matches the base name of the module that a bootstrap
// loads: bulwark.wasm as make build names it, or a versioned copy such as
// bulwark-0.1.0.wasm.
const wasmFilePattern = "bulwark*.wasm"

func TestBootstrapsValidate(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"envoy.yaml", "envoy-minimal.yaml"}, files)

	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)

			require.Empty(t, checkBootstrap(data))
		})
	}
}

// TestBootstrapUsesEveryCallout keeps envoy.yaml complete: its plugin
// configuration uses API keys, a remote JWKS, cluster-wide rate limits and
// OTLP export, each callout through its own cluster.
func TestBootstrapUsesEveryCallout(t *testing.T) {
	data, err := os.ReadFile("envoy.yaml")
	require.NoError(t, err)
	boot, problems := decodeBootstrap(data)
	require.Empty(t, problems)

	filters := bulwarkFilters(boot)
	require.Len(t, filters, 1)
	value := filters[0].filter.GetConfig().GetConfiguration()
	var document wrapperspb.StringValue
	require.NoError(t, value.UnmarshalTo(&document))
	cfg, problems := parsePluginConfig("plugin configuration", []byte(document.GetValue()))
	require.Empty(t, problems)

	require.Positive(t, cfg.APIKeys.Store.Len(), "api_keys.keys")
	require.NotEmpty(t, cfg.ClusterRateLimits.Rules, "cluster_rate_limits.rules")
	require.NotNil(t, cfg.Events.OTLP, "events.otlp")
	require.NotNil(t, cfg.JWT, "jwt")
	require.NotNil(t, cfg.JWT.Providers[0].Remote, "jwt.providers[0].remote_jwks")
	require.ElementsMatch(t, []string{"ratelimit", "otel_collector", "login_example_com"}, cfg.CalloutClusters())
}

// TestBootstrapAcceptsVariations checks the files of testdata/valid-bootstrap,
// which vary envoy.yaml in ways that Envoy accepts and that keep the
// plugin safe.
func TestBootstrapAcceptsVariations(t *testing.T) {
	checkValidFixtures(t, "valid-bootstrap", checkBootstrap)
}

func TestBootstrapChecksEveryBulwarkFilter(t *testing.T) {
	data, err := os.ReadFile("testdata/valid-bootstrap/extensions-sds-two-listeners.yaml")
	require.NoError(t, err)
	boot, problems := decodeBootstrap(data)
	require.Empty(t, problems)

	filters := bulwarkFilters(boot)
	require.Len(t, filters, 2)
	require.Contains(t, filters[0].where, "listeners[0]")
	require.Contains(t, filters[1].where, "listeners[1]")
}

func TestBootstrapRejectsBrokenFiles(t *testing.T) {
	checkInvalidFixtures(t, "invalid-bootstrap", checkBootstrap)
}

// checkBootstrap returns every problem of an Envoy bootstrap in YAML. The
// bootstrap must decode strictly into the Envoy API types and pass their
// validation, typed configs included.
//
// It must load Bulwark in at least one envoy.filters.http.wasm filter: one
// whose vm_config.code.local.filename, or code.remote.http_uri.uri, has a
// base name matching bulwark*.wasm. Operators may rename the module with
// its version, fetch it over HTTP (Envoy then requires its sha256), or run
// it on several listeners. So each such filter is checked: its plugin
// configuration must validate and its callout clusters must exist.
// A wasm filter with another module name is not checked.
func checkBootstrap(data []byte) []string {
	boot, problems := decodeBootstrap(data)
	if boot == nil {
		return problems
	}

	filters := bulwarkFilters(boot)
	if len(filters) == 0 {
		return append(problems, "found no envoy.filters.http.wasm filter loading Bulwark: the test looks for one whose vm_config.code.local.filename (or code.remote.http_uri.uri) has a base name matching "+wasmFilePattern+"; keep the module's name bulwark.wasm, or a versioned name such as bulwark-0.1.0.wasm")
	}

	seen := map[string]bool{}
	for _, filter := range filters {
		for _, problem := range checkWasmFilter(boot, filter) {
			// Filters that share a configuration share its cluster problems.
			if !seen[problem] {
				seen[problem] = true
				problems = append(problems, problem)
			}
		}
	}
	return problems
}

// decodeBootstrap decodes data into a Bootstrap, with unknown fields
// rejected, and runs ValidateAll on it and on each message held in an Any.
// It returns a nil Bootstrap when data does not decode.
func decodeBootstrap(data []byte) (*bootstrapv3.Bootstrap, []string) {
	docs, err := decodeYAML(data)
	if err != nil {
		return nil, []string{err.Error()}
	}
	if len(docs) != 1 {
		return nil, []string{fmt.Sprintf("found %d YAML documents; expected one bootstrap", len(docs))}
	}

	var boot bootstrapv3.Bootstrap
	if err := protojson.Unmarshal(docs[0].json, &boot); err != nil {
		return nil, []string{explainProtoError(err, docs[0])}
	}

	var problems []string
	if err := boot.ValidateAll(); err != nil {
		problems = append(problems, err.Error())
	}
	walkAny(boot.ProtoReflect(), "", func(where string, inner proto.Message) {
		if v, ok := inner.(interface{ ValidateAll() error }); ok {
			if err := v.ValidateAll(); err != nil {
				problems = append(problems, fmt.Sprintf("%s (%s): %v", where, inner.ProtoReflect().Descriptor().FullName(), err))
			}
		}
	})
	return &boot, problems
}

// walkAny calls visit with every message held in an Any below m, depth
// first, and with its field path. PGV's generated validation checks an
// Any's type URL but never the message inside, so the caller validates it.
func walkAny(m protoreflect.Message, where string, visit func(string, proto.Message)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil {
			return true
		}
		name := string(fd.Name())
		if where != "" {
			name = where + "." + name
		}

		switch {
		case fd.IsList():
			list := v.List()
			for i := range list.Len() {
				walkMessage(list.Get(i).Message(), name+"["+strconv.Itoa(i)+"]", visit)
			}
		case fd.IsMap():
			if fd.MapValue().Message() == nil {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				walkMessage(v.Message(), fmt.Sprintf("%s[%q]", name, k.String()), visit)
				return true
			})
		default:
			walkMessage(v.Message(), name, visit)
		}
		return true
	})
}

// walkMessage unpacks m when it is an Any, visits it, and walks on.
func walkMessage(m protoreflect.Message, where string, visit func(string, proto.Message)) {
	packed, ok := m.Interface().(*anypb.Any)
	if !ok {
		walkAny(m, where, visit)
		return
	}

	// protojson already resolved the type, so UnmarshalNew cannot miss it.
	inner, err := packed.UnmarshalNew()
	if err != nil {
		visit(where, packed)
		return
	}
	visit(where, inner)
	walkAny(inner.ProtoReflect(), where, visit)
}

// bulwarkFilter is an envoy.filters.http.wasm filter of a listener.
type bulwarkFilter struct {
	where  string
	filter *wasmfilterv3.Wasm
}

// bulwarkFilters returns the wasm HTTP filters that load Bulwark, in every
// HTTP connection manager of the static listeners.
func bulwarkFilters(boot *bootstrapv3.Bootstrap) []bulwarkFilter {
	var found []bulwarkFilter
	for l, listener := range boot.GetStaticResources().GetListeners() {
		for c, chain := range listener.GetFilterChains() {
			for f, network := range chain.GetFilters() {
				var hcm hcmv3.HttpConnectionManager
				if network.GetTypedConfig().UnmarshalTo(&hcm) != nil {
					continue
				}
				for h, httpFilter := range hcm.GetHttpFilters() {
					var wasm wasmfilterv3.Wasm
					if httpFilter.GetTypedConfig().UnmarshalTo(&wasm) != nil {
						continue
					}
					if !loadsBulwark(wasm.GetConfig().GetVmConfig().GetCode()) {
						continue
					}
					where := fmt.Sprintf("static_resources.listeners[%d].filter_chains[%d].filters[%d].typed_config.http_filters[%d]", l, c, f, h)
					found = append(found, bulwarkFilter{where: where, filter: &wasm})
				}
			}
		}
	}
	return found
}

// checkWasmFilter checks the filter's VM and failure policy, then its
// plugin configuration and the clusters that configuration calls.
func checkWasmFilter(boot *bootstrapv3.Bootstrap, f bulwarkFilter) []string {
	plugin := f.filter.GetConfig()
	where := f.where + ".typed_config.config"
	var problems []string

	if runtime := plugin.GetVmConfig().GetRuntime(); runtime != "envoy.wasm.runtime.v8" {
		problems = append(problems, fmt.Sprintf("%s.vm_config.runtime: must be envoy.wasm.runtime.v8, the runtime built into Envoy releases; got %q", where, runtime))
	}
	if plugin.GetVmConfig().GetVmId() == "" {
		problems = append(problems, where+".vm_config.vm_id: must be set, so that every worker's VM shares one shared-data store")
	}
	//nolint:staticcheck // The deprecated field is read to reject it.
	if plugin.GetFailOpen() {
		problems = append(problems, where+".fail_open: must not be true: it lets requests through unchecked when the VM fails; set failure_policy instead")
	}
	switch policy := plugin.GetFailurePolicy(); policy {
	case wasmv3.FailurePolicy_FAIL_RELOAD, wasmv3.FailurePolicy_FAIL_CLOSED:
	default:
		problems = append(problems, fmt.Sprintf("%s.failure_policy: must be FAIL_RELOAD or FAIL_CLOSED, which answer 503 while the VM is broken; got %s", where, policy))
	}

	var document wrapperspb.StringValue
	if err := plugin.GetConfiguration().UnmarshalTo(&document); err != nil {
		return append(problems, fmt.Sprintf("%s.configuration: must be a google.protobuf.StringValue holding the JSON configuration; got %q", where, plugin.GetConfiguration().GetTypeUrl()))
	}
	cfg, configProblems := parsePluginConfig(where+".configuration", []byte(document.GetValue()))
	if cfg == nil {
		return append(problems, configProblems...)
	}
	return append(problems, checkCalloutClusters(boot, cfg)...)
}

// loadsBulwark reports whether code is a local file or a remote URL whose
// base name matches wasmFilePattern.
func loadsBulwark(code *corev3.AsyncDataSource) bool {
	location := code.GetLocal().GetFilename()
	if uri := code.GetRemote().GetHttpUri().GetUri(); uri != "" {
		location = uri
		if parsed, err := url.Parse(uri); err == nil {
			location = parsed.Path
		}
	}
	matched, err := path.Match(wasmFilePattern, path.Base(location))
	return err == nil && matched
}
