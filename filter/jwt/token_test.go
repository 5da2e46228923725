package jwt

import (
	"crypto"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseUnverifiedMakesTwoAllocations(t *testing.T) {
	token := newSigner(t, "RS256", "k1").sign(t, validClaims())

	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseUnverified(token); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, 2.0, allocs)
}

func TestParseUnverifiedManyClaims(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	var members []string
	for i := range 40 {
		members = append(members, fmt.Sprintf(`"c%d":%d`, i, i))
	}
	claims := "{" + strings.Join(members, ",") + "}"

	token, err := ParseUnverified(hmacSign(t, `{"alg":"HS256"}`, claims, crypto.SHA256, secret))
	require.NoError(t, err)
	last, ok := token.claims.get("c39")
	require.True(t, ok, "the last of 40 claims is missing")
	assert.Equal(t, "39", last.Raw)
	assert.Equal(t, 39.0, numberValue(last.Raw))
	assert.Len(t, token.claims, 40)

	repeated := "{" + strings.Join(members, ",") + `,"c3":"again"}`
	_, err = ParseUnverified(hmacSign(t, `{"alg":"HS256"}`, repeated, crypto.SHA256, secret))
	assert.ErrorIs(t, err, ErrDuplicateMember)
}

func TestVerifyResultFitsScopesAndHeaders(t *testing.T) {
	s := newSigner(t, "HS256", "k1")
	for _, scopes := range []any{"read write", "a b c d e f", []string{"x", "y"}, []string{"1", "2", "3", "4", "5"}} {
		claims := validClaims()
		claims["scope"] = scopes
		v := testVerifier(nil, testProvider(s.key))
		v.SetIdentityHeader("x-identity")

		r, err := v.Verify(s.sign(t, claims))
		require.NoError(t, err)
		want := scopes
		if text, isText := scopes.(string); isText {
			want = strings.Fields(text)
		}
		assert.Equal(t, want, r.Scopes)
		assert.Equal(t, len(r.Scopes), cap(r.Scopes), "Scopes has spare capacity that an append would share")
		assert.Equal(t, [][2]string{{"x-identity", "user-1"}}, r.IdentityHeaders)
		assert.Equal(t, len(r.IdentityHeaders), cap(r.IdentityHeaders))
	}
}

func TestVerifyReadsTierClaim(t *testing.T) {
	s := newSigner(t, "HS256", "k1")
	tests := []struct {
		name    string
		present bool
		tier    any
		want    string
		err     error
	}{
		{"absent", false, nil, "", nil},
		{"name", true, "partner", "partner", nil},
		{"longest name", true, strings.Repeat("t", 64), strings.Repeat("t", 64), nil},
		{"digits, dash and underscore", true, "tier_2-b", "tier_2-b", nil},
		{"empty", true, "", "", ErrBadTier},
		{"too long", true, strings.Repeat("t", 65), "", ErrBadTier},
		{"space", true, "gold plan", "", ErrBadTier},
		{"not ASCII", true, "gőld", "", ErrBadTier},
		{"number", true, 3, "", ErrBadTier},
		{"array", true, []string{"gold"}, "", ErrBadTier},
		{"null", true, nil, "", ErrBadTier},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			provider := testProvider(s.key)
			provider.TierClaim = "plan"
			claims := validClaims()
			if tc.present {
				claims["plan"] = tc.tier
			}

			r, err := testVerifier(nil, provider).Verify(s.sign(t, claims))
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, r.Tier)
		})
	}
}

func TestVerifyIgnoresTierWithoutTierClaim(t *testing.T) {
	s := newSigner(t, "HS256", "k1")
	claims := validClaims()
	claims["tier"] = "partner"

	r, err := testVerifier(nil, testProvider(s.key)).Verify(s.sign(t, claims))
	require.NoError(t, err)
	assert.Empty(t, r.Tier)
}
