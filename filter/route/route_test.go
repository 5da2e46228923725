package route

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func testTable(caseSensitive bool) *Table {
	flags := ""
	if !caseSensitive {
		flags = "(?i)"
	}
	routes := []Route{
		{Name: "health", Kind: MatchPath, Value: "/healthz", Methods: MethodSet(0).Add(MethodGet).Add(MethodHead), Auth: AuthNone},
		{Name: "admin", Kind: MatchPrefix, Value: "/admin/", Scopes: []string{"admin"}},
		{Name: "items", Kind: MatchRegex, Regexp: regexp.MustCompile(flags + "^/v[0-9]+/items$")},
		{Name: "catch-api", Kind: MatchPrefix, Value: "/v1/"},
	}
	return NewTable(routes, Route{Name: "ignored", Auth: AuthNone}, caseSensitive)
}

func TestTableMatch(t *testing.T) {
	sensitive := testTable(true)
	insensitive := testTable(false)

	tests := []struct {
		name   string
		table  *Table
		method string
		path   string
		want   string
	}{
		{"exact path", sensitive, "GET", "/healthz", "health"},
		{"exact path other method falls through", sensitive, "POST", "/healthz", ""},
		{"exact path with trailing slash", sensitive, "GET", "/healthz/", ""},
		{"lower-case method is not GET", sensitive, "get", "/healthz", ""},
		{"prefix", sensitive, "DELETE", "/admin/users", "admin"},
		{"prefix needs its trailing slash", sensitive, "GET", "/admin", ""},
		{"regex", sensitive, "GET", "/v2/items", "items"},
		{"regex anchored at end", sensitive, "GET", "/v2/items/1", ""},
		{"first match wins", sensitive, "GET", "/v1/items", "items"},
		{"later route", sensitive, "GET", "/v1/orders", "catch-api"},
		{"unknown method matches unrestricted route", sensitive, "PROPFIND", "/admin/x", "admin"},
		{"case-sensitive miss", sensitive, "GET", "/ADMIN/users", ""},
		{"case-insensitive prefix", insensitive, "GET", "/ADMIN/users", "admin"},
		{"case-insensitive exact", insensitive, "HEAD", "/HealthZ", "health"},
		{"case-insensitive regex", insensitive, "GET", "/V3/ITEMS", "items"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.table.Match(tc.method, tc.path)
			require.Equal(t, tc.want, r.Name)
		})
	}
}

func TestTableDefaultRoute(t *testing.T) {
	table := testTable(true)

	r := table.Match("GET", "/nowhere")
	require.Same(t, table.Default(), r)
	require.Equal(t, "", r.Name, "the default route has no name")
	require.Equal(t, AuthNone, r.Auth)
}

func TestTableMatchDoesNotAllocate(t *testing.T) {
	table := testTable(true)
	allocs := testing.AllocsPerRun(100, func() {
		_ = table.Match("GET", "/v1/orders")
	})
	require.Zero(t, allocs)
}

func TestParseMethod(t *testing.T) {
	for i, name := range MethodNames {
		require.Equal(t, Method(1<<i), ParseMethod(name), name)
	}
	require.Equal(t, Method(0), ParseMethod("get"))
	require.Equal(t, Method(0), ParseMethod(""))
}

func TestMethodSet(t *testing.T) {
	set := MethodSet(0).Add(MethodGet).Add(MethodPatch)

	require.True(t, set.Contains(MethodGet))
	require.True(t, set.Contains(MethodPatch))
	require.False(t, set.Contains(MethodPost))
	require.False(t, set.Contains(0), "an unknown method is in no set")
}

func TestLowerASCII(t *testing.T) {
	require.Equal(t, "/admin/caf\xc3\x89", LowerASCII("/ADMIN/caf\xc3\x89"), "non-ASCII bytes stay")
	require.Equal(t, "/a%2fb", LowerASCII("/A%2Fb"))
	require.Equal(t, "/plain", LowerASCII("/plain"))
}
