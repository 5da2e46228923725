// Package envoy holds the Envoy bootstraps and, in istio/, the Istio
// manifests that load bulwark.wasm. Its tests decode each file into the
// Envoy and Istio API types, run their validation, and pass the embedded
// plugin configuration through the same parser as `bulwark validate`.
package envoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/bulwark-dev/bulwark/filter/config"
)

// yamlDocument is one document of a YAML file, as JSON for protojson and
// as the node tree that maps an unknown field back to its line.
type yamlDocument struct {
	json []byte
	node *yaml.Node
}

// decodeYAML returns every non-empty document of data. YAML scalars map to
// their JSON types, and mapping keys must be strings.
func decodeYAML(data []byte) ([]yamlDocument, error) {
	var docs []yamlDocument
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var node yaml.Node
		err := decoder.Decode(&node)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}

		var value any
		if err := node.Decode(&value); err != nil {
			return nil, err
		}
		if value == nil {
			continue
		}
		encoded, err := json.Marshal(value)
		if err != nil {
			return nil, fmt.Errorf("converting the document at line %d to JSON failed: %w", node.Line, err)
		}
		docs = append(docs, yamlDocument{json: encoded, node: &node})
	}
}

// unknownFieldPattern matches a report of an unknown field by protojson,
// whose position "(line 1:345)" is an offset in the JSON made from the
// YAML, or by jsonpb, which gives no position.
var unknownFieldPattern = regexp.MustCompile(`(\(line \d+:\d+\): )?(unknown field "([^"]+)".*)`)

// explainProtoError rewrites a protojson or jsonpb error for the reader of
// the YAML file, without protobuf-go's deliberately unstable spacing. A
// protojson error gets the YAML line and field path of its position, and
// never repeats a rejected value. A jsonpb unknown field gets the YAML line
// of its key, when the key occurs exactly once in the document.
func explainProtoError(err error, doc yamlDocument) string {
	message := strings.ReplaceAll(err.Error(), "\u00a0", " ")
	message = strings.TrimPrefix(message, "proto: ")
	if explained, ok := explainPositionedError(message, doc); ok {
		return explained
	}

	match := unknownFieldPattern.FindStringSubmatch(message)
	if match == nil {
		return message
	}
	lines := keyLines(doc.node, match[3])
	if len(lines) != 1 {
		return message
	}
	return fmt.Sprintf("line %d: %s", lines[0], match[2])
}

// keyLines returns the line of every mapping key named key in node.
func keyLines(node *yaml.Node, key string) []int {
	var lines []int
	if node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == key {
				lines = append(lines, node.Content[i].Line)
			}
		}
	}
	for _, child := range node.Content {
		lines = append(lines, keyLines(child, key)...)
	}
	return lines
}

// parsePluginConfig checks a plugin configuration exactly as `bulwark
// validate` does (config.Parse) and returns each problem on its own line,
// prefixed with where the configuration sits.
func parsePluginConfig(where string, document []byte) (*config.Config, []string) {
	parsed, err := config.Parse(document)
	if err == nil {
		return parsed, nil
	}

	var problems []string
	var list *config.Errors
	if errors.As(err, &list) {
		for _, e := range list.List {
			problems = append(problems, fmt.Sprintf("%s: %v", where, e))
		}
		return nil, problems
	}
	return nil, []string{fmt.Sprintf("%s: %v", where, err)}
}

// checkValidFixtures requires check to find no problem in any
// testdata/DIR/*.yaml file.
func checkValidFixtures(t *testing.T, dir string, check func([]byte) []string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)

			require.Empty(t, check(data))
		})
	}
}

// checkInvalidFixtures runs check on every testdata/DIR/NAME.yaml and
// compares the problems it reports, one a line, with NAME.txt.
func checkInvalidFixtures(t *testing.T, dir string, check func([]byte) []string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			want, err := os.ReadFile(strings.TrimSuffix(file, ".yaml") + ".txt")
			require.NoError(t, err)

			problems := check(data)
			require.NotEmpty(t, problems, "the broken file passed every check")
			require.Equal(t, strings.TrimSpace(string(want)), strings.Join(problems, "\n"))
		})
	}
}

// identityProviderAuthorities maps each cluster that the plugin fetches a
// JWKS or a revocation list from to the :authority it sends there. An
// identity provider serves these over HTTPS, so its cluster needs TLS with
// that host name as SNI.
func identityProviderAuthorities(cfg *config.Config) map[string]string {
	authorities := map[string]string{}
	if cfg.JWT == nil {
		return authorities
	}
	for _, p := range cfg.JWT.Providers {
		if p.Remote != nil {
			authorities[p.Remote.Cluster] = p.Remote.Authority
		}
		if p.Revocation != nil {
			authorities[p.Revocation.Cluster] = p.Revocation.Authority
		}
	}
	return authorities
}
