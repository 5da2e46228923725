package config

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/inject"
)

func TestInjectionAbsentDisablesDetection(t *testing.T) {
	cfg, err := Parse([]byte(`{}`))
	require.NoError(t, err)
	require.Nil(t, cfg.Injection)
	require.Nil(t, cfg.Injection.Policy("any"))
}

func TestInjectionDefaults(t *testing.T) {
	cfg, err := Parse([]byte(`{"injection": {}}`))
	require.NoError(t, err)
	p := cfg.Injection.Policy("")
	require.Equal(t, inject.Block, p.Mode)
	require.Equal(t, inject.Medium, p.Sensitivity)
	require.Equal(t, inject.DefaultDecodeDepth, p.DecodeDepth)
	require.Equal(t, []string{"user-agent", "referer", "x-forwarded-host"}, p.Headers)
	require.True(t, p.ScanCookies)
	require.True(t, p.CustomHeaders)
	require.Equal(t, 64<<10, p.MaxBodyBytes)
	require.Equal(t, inject.CheckFirst, p.Oversize)
}

func TestInjectionRouteOverride(t *testing.T) {
	data, err := os.ReadFile("testdata/valid/injection.json")
	require.NoError(t, err)
	cfg, err := Parse(data)
	require.NoError(t, err)

	base := cfg.Injection.Policy("")
	require.Equal(t, inject.Block, base.Mode)
	require.Equal(t, []string{"user-agent", "x-forwarded-host", "x-client-ref"}, base.Headers, "names lower-cased, referer excluded")
	require.Equal(t, inject.Reject, base.Oversize)
	require.Len(t, base.Custom, 1)

	comments := cfg.Injection.Policy("comments")
	require.Equal(t, inject.Detect, comments.Mode)
	require.Equal(t, 131072, comments.MaxBodyBytes, "inherited from the section")
	require.Equal(t, []string{"q"}, comments.Exclusions.Parameters, "inherited exclusions")
	require.Len(t, comments.Exclusions.JSONPaths, 2, "route exclusions add to the section's")
	require.Len(t, base.Exclusions.JSONPaths, 1, "the section's policy is unchanged")
}

func TestInjectionCustomHeaders(t *testing.T) {
	cfg, err := Parse([]byte(`{"routes": [{"name": "raw", "match": {"prefix": "/raw"}}],
		"injection": {"exclusions": {"headers": ["X-Client-Ref"]}, "routes": {"raw": {"custom_headers": false}}}}`))
	require.NoError(t, err)
	base := cfg.Injection.Policy("")
	require.True(t, base.CustomHeaders)
	require.Equal(t, []string{"x-client-ref"}, base.Exclusions.Headers, "excluded names lower-cased")
	require.False(t, cfg.Injection.Policy("raw").CustomHeaders)

	_, err = Parse([]byte(`{"injection": {"custom_headers": "yes"}}`))
	require.EqualError(t, err, `injection.custom_headers: must be true or false; got "yes"`)
}

func TestInjectionRouteDisabled(t *testing.T) {
	cfg, err := Parse([]byte(`{"routes": [{"name": "raw", "match": {"prefix": "/raw"}}],
		"injection": {"routes": {"raw": {"enabled": false}}}}`))
	require.NoError(t, err)
	require.True(t, cfg.Injection.Policy("raw").Disabled)
	require.False(t, cfg.Injection.Policy("").Disabled)
}
