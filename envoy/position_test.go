package envoy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// jsonStep is one step of a path into a JSON document: an object key, or
// an array index when key is empty.
type jsonStep struct {
	key   string
	index int
}

// jsonPath is the path from the root of a JSON document to a value.
type jsonPath []jsonStep

// String formats the path as the listings of this package do:
// static_resources.listeners[0].name.
func (p jsonPath) String() string {
	var b strings.Builder
	for _, step := range p {
		if step.key == "" {
			b.WriteString("[" + strconv.Itoa(step.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(step.key)
	}
	return b.String()
}

// jsonFrame is an open object or array while jsonPathAt reads tokens.
type jsonFrame struct {
	object    bool
	expectKey bool
	step      jsonStep
}

// jsonPathAt returns the path of the value or key whose token covers the
// byte at offset (0-based) of data, which encoding/json wrote, so that no
// space separates the tokens. A key's path ends at the key.
func jsonPathAt(data []byte, offset int) (jsonPath, bool) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	var stack []jsonFrame
	for {
		token, err := decoder.Token()
		if err != nil {
			return nil, false
		}
		isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey && token != json.Delim('}')
		if isKey {
			stack[len(stack)-1].step = jsonStep{key: fmt.Sprint(token)}
		}
		if decoder.InputOffset() > int64(offset) {
			return framePath(stack), true
		}

		switch {
		case isKey:
			stack[len(stack)-1].expectKey = false
			continue
		case token == json.Delim('{'), token == json.Delim('['):
			stack = append(stack, jsonFrame{object: token == json.Delim('{'), expectKey: true, step: jsonStep{index: -1}})
			continue
		case token == json.Delim('}'), token == json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		advance(stack)
	}
}

// advance moves the innermost frame past a complete value: an object then
// expects a key, and an array moves to its next index.
func advance(stack []jsonFrame) {
	if len(stack) == 0 {
		return
	}
	top := &stack[len(stack)-1]
	if top.object {
		top.expectKey = true
		return
	}
	top.step.index++
}

// framePath returns the path of the frames' current steps. An array frame
// counts its next value first, so its index starts at -1 and is raised here.
func framePath(stack []jsonFrame) jsonPath {
	var path jsonPath
	for _, frame := range stack {
		step := frame.step
		if !frame.object {
			step.index++
		}
		if frame.object && step.key == "" {
			break
		}
		path = append(path, step)
	}
	return path
}

// yamlNodeAt returns the node of a document at path, or nil.
func yamlNodeAt(doc *yaml.Node, path jsonPath) *yaml.Node {
	node := doc
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	for _, step := range path {
		node = yamlChild(node, step)
		if node == nil {
			return nil
		}
	}
	return node
}

// yamlChild returns the value of key step.key in a mapping, or item
// step.index of a sequence, or nil.
func yamlChild(node *yaml.Node, step jsonStep) *yaml.Node {
	if node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	switch {
	case node.Kind == yaml.MappingNode && step.key != "":
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == step.key {
				return node.Content[i+1]
			}
		}
	case node.Kind == yaml.SequenceNode && step.key == "" && step.index < len(node.Content):
		return node.Content[step.index]
	}
	return nil
}

// protojsonPosition matches protojson's "(line 1:345): " position, a
// column in the JSON made from the YAML, and the message after it.
var protojsonPosition = regexp.MustCompile(`^(syntax error )?\(line 1:(\d+)\): (.*)$`)

// unresolvedType matches protojson's report of an Any whose type is not
// registered.
var unresolvedType = regexp.MustCompile(`^unable to resolve "([^"]+)"`)

// valueProblem matches protojson's reports that print the value they
// reject: the value might be a plugin configuration with key digests or a
// secret, so the message keeps only the words before it.
var valueProblem = regexp.MustCompile(`^(invalid value for [^:]+|unexpected token)\b`)

// explainPositionedError rewrites a protojson error that has a position
// into "line N: PATH: PROBLEM", with the YAML line and the field path of
// the token. It reports false when the error has no position.
func explainPositionedError(message string, doc yamlDocument) (string, bool) {
	match := protojsonPosition.FindStringSubmatch(message)
	if match == nil {
		return "", false
	}
	column, _ := strconv.Atoi(match[2])
	problem := match[3]
	path, _ := jsonPathAt(doc.json, column-1)

	node := yamlNodeAt(doc.node, path)
	if strings.HasPrefix(problem, "unknown field") && len(path) > 0 {
		path = path[:len(path)-1]
	}
	where := path.String()
	if node != nil {
		where = fmt.Sprintf("line %d: %s", node.Line, where)
	}

	if typeMatch := unresolvedType.FindStringSubmatch(problem); typeMatch != nil {
		return fmt.Sprintf("%s: unknown type %q; import the Go package of this type in envoy/bootstrap_test.go (for example _ %q)", where, typeMatch[1], goPackageOf(typeMatch[1])), true
	}
	if value := valueProblem.FindString(problem); value != "" {
		problem = value + " (the value is not shown, because it may contain secrets)"
		if len(path) > 0 && path[len(path)-1].key == "value" {
			problem += expectedAnyType(doc, path[:len(path)-1])
		}
	}
	return where + ": " + problem, true
}

// expectedAnyType explains the error of an Any at path, when that Any is
// a wasm filter's configuration: it names the type given and the one
// expected.
func expectedAnyType(doc yamlDocument, path jsonPath) string {
	if len(path) == 0 || path[len(path)-1].key != "configuration" {
		return ""
	}
	typeNode := yamlNodeAt(doc.node, append(path, jsonStep{key: "@type"}))
	if typeNode == nil {
		return ""
	}
	return fmt.Sprintf("; the plugin configuration must be a type.googleapis.com/google.protobuf.StringValue holding the JSON; got %q", typeNode.Value)
}

// goPackageOf returns the go-control-plane package of an Envoy type URL,
// or a placeholder for a type outside Envoy's API.
func goPackageOf(typeURL string) string {
	name := strings.TrimPrefix(typeURL, "type.googleapis.com/")
	last := strings.LastIndex(name, ".")
	if !strings.HasPrefix(name, "envoy.") || last < 0 {
		return "github.com/envoyproxy/go-control-plane/envoy/extensions/..."
	}
	return "github.com/envoyproxy/go-control-plane/" + strings.ReplaceAll(name[:last], ".", "/")
}
