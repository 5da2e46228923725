package filter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/bruteforce"
)

func TestCheckClaimedIDOfFailedKeys(t *testing.T) {
	engine := newTestEngine(t, testConfig(`"brute_force": {},`))
	tests := []struct {
		name, key, want string
	}{
		{"unknown key", unusedKey, bruteforce.ClaimedKey(unusedKey)},
		{"expired key", oldKey, "i:old"},
		{"disabled key", offKey, "i:off"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(get("/v1/items", header("x-api-key", tc.key)))
			require.False(t, d.Allow)
			require.Equal(t, tc.want, d.ClaimedID)
			require.NotContains(t, d.ClaimedID, "SECRET")
		})
	}

	d := engine.Check(get("/v1/items", header("x-api-key", demoKey)))
	require.True(t, d.Allow)
	require.Empty(t, d.ClaimedID, "an allowed request claims nothing")
}

func TestCheckClaimedIDOffWithoutBruteForce(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))
	d := engine.Check(get("/v1/items", header("x-api-key", unusedKey)))
	require.False(t, d.Allow)
	require.Empty(t, d.ClaimedID)
}

func TestCheckClaimedIDOfFailedToken(t *testing.T) {
	doc := strings.Replace(jwtTestConfig(""), `"identity_header"`, `"brute_force": {}, "identity_header"`, 1)
	engine := newTestEngine(t, doc)

	// Signed with the wrong secret: the sub is still what it claims.
	forged := mintHS256(t, []byte("wrong-secret-0123456789abcdef0123456"), corpClaims("read"))
	d := engine.Check(get("/jwt/a", header("authorization", "Bearer "+forged)))
	require.False(t, d.Allow)
	require.Equal(t, "s:user-1", d.ClaimedID)

	d = engine.Check(get("/jwt/a", header("authorization", "Bearer not.a-token.at-all")))
	require.False(t, d.Allow)
	require.True(t, strings.HasPrefix(d.ClaimedID, "t:"), d.ClaimedID)
	require.Len(t, d.ClaimedID, 2+16)
}
