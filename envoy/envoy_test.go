// Package envoy holds Envoy bootstrap files that load bulwark.wasm; its test
// checks that each one names the module, the runtime and a configuration that
// the plugin accepts.
package envoy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/bulwark-dev/bulwark/filter/config"
)

// wasmFilter is the part of envoy.filters.http.wasm that the test reads.
type wasmFilter struct {
	Name        string `yaml:"name"`
	TypedConfig struct {
		Type   string `yaml:"@type"`
		Config struct {
			Name          string `yaml:"name"`
			RootID        string `yaml:"root_id"`
			FailurePolicy string `yaml:"failure_policy"`
			VMConfig      struct {
				VMID    string `yaml:"vm_id"`
				Runtime string `yaml:"runtime"`
				Code    struct {
					Local struct {
						Filename string `yaml:"filename"`
					} `yaml:"local"`
				} `yaml:"code"`
			} `yaml:"vm_config"`
			Configuration struct {
				Type  string `yaml:"@type"`
				Value string `yaml:"value"`
			} `yaml:"configuration"`
		} `yaml:"config"`
	} `yaml:"typed_config"`
}

type bootstrap struct {
	StaticResources struct {
		Clusters []struct {
			Name string `yaml:"name"`
		} `yaml:"clusters"`
		Listeners []struct {
			FilterChains []struct {
				Filters []struct {
					TypedConfig struct {
						HTTPFilters []wasmFilter `yaml:"http_filters"`
					} `yaml:"typed_config"`
				} `yaml:"filters"`
			} `yaml:"filter_chains"`
		} `yaml:"listeners"`
	} `yaml:"static_resources"`
}

func TestBootstrapLoadsBulwark(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)

			var doc bootstrap
			require.NoError(t, yaml.Unmarshal(data, &doc))

			filters := bulwarkFilters(doc)
			require.Len(t, filters, 1, "expected exactly one wasm filter loading bulwark.wasm")

			cfg := filters[0].TypedConfig
			require.Equal(t, "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm", cfg.Type)
			require.Equal(t, "FAIL_CLOSED", cfg.Config.FailurePolicy)
			require.Equal(t, "envoy.wasm.runtime.v8", cfg.Config.VMConfig.Runtime)
			require.Equal(t, "type.googleapis.com/google.protobuf.StringValue", cfg.Config.Configuration.Type)

			parsed, err := config.Parse([]byte(cfg.Config.Configuration.Value))
			require.NoError(t, err, "the embedded plugin configuration must validate")

			// Every cluster that the plugin makes callouts to is defined.
			clusters := map[string]bool{}
			for _, c := range doc.StaticResources.Clusters {
				clusters[c.Name] = true
			}
			for _, name := range parsed.CalloutClusters() {
				require.True(t, clusters[name], "the plugin calls cluster %q, which the bootstrap does not define", name)
			}
		})
	}
}

func bulwarkFilters(doc bootstrap) []wasmFilter {
	var found []wasmFilter
	for _, listener := range doc.StaticResources.Listeners {
		for _, chain := range listener.FilterChains {
			for _, filter := range chain.Filters {
				for _, httpFilter := range filter.TypedConfig.HTTPFilters {
					if filepath.Base(httpFilter.TypedConfig.Config.VMConfig.Code.Local.Filename) == "bulwark.wasm" {
						found = append(found, httpFilter)
					}
				}
			}
		}
	}
	return found
}
