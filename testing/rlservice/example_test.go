package rlservice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// limitsNode is one descriptor node of a limits file, as far as the test
// reads it.
type limitsNode struct {
	Key       string
	Value     string
	RateLimit *struct {
		Unit            string
		RequestsPerUnit int  `yaml:"requests_per_unit"`
		Unlimited       bool `yaml:"unlimited"`
	} `yaml:"rate_limit"`
	Descriptors []limitsNode
}

// exampleLimit is a limit of the example file with the entries that reach it.
type exampleLimit struct {
	entries []string // key, value, key, value, ...
	status  map[string]any
}

// collectLimits walks the tree and returns one exampleLimit per node with a
// rate_limit. A node without a value gets the value "any-<key>".
func collectLimits(nodes []limitsNode, parent []string) []exampleLimit {
	var limits []exampleLimit
	for _, node := range nodes {
		value := node.Value
		if value == "" {
			value = "any-" + node.Key
		}
		entries := append(append([]string(nil), parent...), node.Key, value)

		if rl := node.RateLimit; rl != nil {
			s := status("OK", rl.RequestsPerUnit, strings.ToUpper(rl.Unit), rl.RequestsPerUnit-1)
			if rl.Unlimited {
				s = map[string]any{"code": "OK", "limitRemaining": float64(4294967295)}
			}
			limits = append(limits, exampleLimit{entries: entries, status: s})
		}
		limits = append(limits, collectLimits(node.Descriptors, entries)...)
	}
	return limits
}

func TestExampleLimitsApplied(t *testing.T) {
	root, err := moduleRoot()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, "examples", "cluster-rate-limits.yaml"))
	require.NoError(t, err)

	var file struct {
		Domain      string
		Descriptors []limitsNode
	}
	require.NoError(t, yaml.Unmarshal(data, &file))
	require.Equal(t, "bulwark", file.Domain)
	limits := collectLimits(file.Descriptors, nil)

	var paths []string
	for _, l := range limits {
		paths = append(paths, strings.Join(l.entries, "="))
	}
	assert.Equal(t, []string{
		"client_ip=any-client_ip",
		"caller=any-caller",
		"caller=nightly-export",
		"route=login",
		"route=login=client_ip=any-client_ip",
		"route=any-route",
		"tier=free=caller=any-caller",
		"tier=premium=caller=any-caller",
	}, paths)

	s := StartService(t, StartRedis(t), string(data))
	waitForFreshSecond() // the route limit counts per second
	for _, l := range limits {
		t.Run(strings.Join(l.entries, "="), func(t *testing.T) {
			a := mustPost(t, s, request("bulwark", 0, l.entries))
			require.Equal(t, 200, a.Status, a.Body)
			doc := a.decode(t)
			takeDurations(t, doc)
			assert.Equal(t, response("OK", l.status), doc)
		})
	}

	unlimited := [][]string{
		{"tier", "enterprise", "caller", "c1"},
		{"tier", "free"},
		{"route", "login", "client_ip", "198.51.100.3", "caller", "c1"},
	}
	for _, entries := range unlimited {
		t.Run("no limit "+strings.Join(entries, "="), func(t *testing.T) {
			a := mustPost(t, s, request("bulwark", 0, entries))
			require.Equal(t, 200, a.Status, a.Body)
			assert.Equal(t, response("OK", status("OK", 0, "", 0)), a.decode(t))
		})
	}
}

func TestExampleLoginLimitPerClient(t *testing.T) {
	root, err := moduleRoot()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, "examples", "cluster-rate-limits.yaml"))
	require.NoError(t, err)
	s := StartService(t, StartRedis(t), string(data))
	waitForFreshMinute(t)

	// The sixth login of one address in a minute is over its limit; another
	// address still has its own 5.
	body := request("bulwark", 0, []string{"route", "login", "client_ip", "198.51.100.1"})
	for i := range 5 {
		a := mustPost(t, s, body)
		require.Equal(t, 200, a.Status, "login %d: %s", i+1, a.Body)
	}
	a := mustPost(t, s, body)
	require.Equal(t, 429, a.Status, a.Body)
	doc := a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OVER_LIMIT", status("OVER_LIMIT", 5, "MINUTE", 0)), doc)

	other := mustPost(t, s, request("bulwark", 0, []string{"route", "login", "client_ip", "198.51.100.2"}))
	require.Equal(t, 200, other.Status, other.Body)
	doc = other.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OK", status("OK", 5, "MINUTE", 4)), doc, "second address")
}
