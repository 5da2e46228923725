package bruteforce

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClaimedKeyHidesKey(t *testing.T) {
	const key = "bwk_SECRET_0123456789"
	claimed := ClaimedKey(key)
	require.True(t, strings.HasPrefix(claimed, "k:"))
	require.Len(t, claimed, 2+16)
	require.NotContains(t, claimed, "SECRET")
	require.NotEqual(t, claimed, ClaimedKey(key+"x"))
}

func TestUnsafeClaimedToken(t *testing.T) {
	encode := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	header := encode(`{"alg":"HS256"}`)
	tests := []struct {
		name, token, want string
	}{
		{"subject", header + "." + encode(`{"sub":"alice"}`) + ".sig", "s:alice"},
		{"numeric subject", header + "." + encode(`{"sub":7}`) + ".sig", ""},
		{"empty subject", header + "." + encode(`{"sub":""}`) + ".sig", ""},
		{"payload not JSON", header + "." + encode(`sub=alice`) + ".sig", ""},
		{"payload not base64url", header + ".%%%.sig", ""},
		{"two segments", header + "." + encode(`{"sub":"alice"}`), ""},
		{"too large", header + "." + encode(`{"sub":"alice","x":"`+strings.Repeat("a", maxClaimedTokenBytes)+`"}`) + ".sig", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := UnsafeClaimedToken(tc.token)
			if tc.want != "" {
				require.Equal(t, tc.want, got)
				return
			}
			require.True(t, strings.HasPrefix(got, "t:"), got)
			require.Len(t, got, 2+16)
		})
	}
}

// FuzzUnsafeClaimedToken checks that any token yields a claimed identity
// of a known kind without panicking.
func FuzzUnsafeClaimedToken(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.sig")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("x.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		got := UnsafeClaimedToken(token)
		if !strings.HasPrefix(got, "s:") && !strings.HasPrefix(got, "t:") {
			t.Fatalf("claimed identity %q has no known kind", got)
		}
	})
}
