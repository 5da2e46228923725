package jwt

import (
	"crypto"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerifyNumericDateForms checks how members and numberValue read exp,
// nbf and iat in each form that JSON allows or that an attacker may try.
// The cases cover exponents, fractions, overflow, negative zero, numbers
// that gjson.Valid rejects, other types, escaped names, and names inside
// nested values or strings. The expected results are those of the gjson
// ForEach walk that members replaced.
func TestVerifyNumericDateForms(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	key, err := NewHMACKey("k1", secret)
	require.NoError(t, err)

	future := testNow.Add(time.Hour).Unix()
	past := testNow.Add(-time.Hour).Unix()
	futureText, pastText := itoa(future), itoa(past)
	futureExp := strconv.FormatFloat(float64(future), 'e', -1, 64) // 1.7803188e+09
	pastExp := strconv.FormatFloat(float64(past), 'e', -1, 64)
	require.Contains(t, futureExp, "e+")

	tests := []struct {
		name   string
		claims string // the members after iss, aud and sub
		expect error
	}{
		{"integer", `"exp":` + futureText, nil},
		{"exponent", `"exp":` + futureExp, nil},
		{"exponent E without sign", `"exp":` + strings.Replace(strings.ToUpper(futureExp), "+", "", 1), nil},
		{"fraction", `"exp":` + futureText + `.25`, nil},
		{"exponent in the past", `"exp":` + pastExp, ErrExpired},
		{"negative exponent to zero", `"exp":1e-400`, ErrExpired},
		{"negative zero", `"exp":-0`, ErrExpired},
		{"negative zero fraction", `"exp":-0.0e5`, ErrExpired},
		{"negative", `"exp":-1`, ErrBadClaimType},
		{"overflow", `"exp":1e400`, ErrBadClaimType},
		{"negative overflow", `"exp":-1e400`, ErrBadClaimType},
		{"400 digits", `"exp":1` + strings.Repeat("0", 400), ErrBadClaimType},
		{"last second of year 9999", `"exp":253402300800`, nil},
		{"past year 9999 by a fraction", `"exp":253402300800.5`, ErrBadClaimType},
		{"past year 9999", `"exp":253402300801`, ErrBadClaimType},
		{"15 digits", `"exp":999999999999999`, ErrBadClaimType},
		{"16 digits", `"exp":1000000000000000`, ErrBadClaimType},
		{"leading plus", `"exp":+` + futureText, ErrBadClaims},
		{"leading zero", `"exp":0` + futureText, ErrBadClaims},
		{"double zero", `"exp":00`, ErrBadClaims},
		{"bare fraction", `"exp":.5`, ErrBadClaims},
		{"trailing dot", `"exp":` + futureText + `.`, ErrBadClaims},
		{"exponent without digits", `"exp":1e`, ErrBadClaims},
		{"hexadecimal", `"exp":0x6A1B3C40`, ErrBadClaims},
		{"NaN", `"exp":NaN`, ErrBadClaims},
		{"Infinity", `"exp":Infinity`, ErrBadClaims},
		{"string", `"exp":"` + futureText + `"`, ErrBadClaimType},
		{"array", `"exp":[` + futureText + `]`, ErrBadClaimType},
		{"object", `"exp":{"n":` + futureText + `}`, ErrBadClaimType},
		{"true", `"exp":true`, ErrBadClaimType},
		{"null", `"exp":null`, ErrBadClaimType},
		{"escaped name in the past", `"\u0065xp":` + pastText, ErrExpired},
		{"escaped name in the future", `"\u0065\u0078\u0070":` + futureText, nil},
		{"escaped copy in the past", `"exp":` + futureText + `,"\u0065xp":` + pastText, ErrDuplicateMember},
		{"escaped copy first", `"e\u0078p":` + pastText + `,"exp":` + futureText, ErrDuplicateMember},
		{"name with a NUL", `"exp\u0000":` + futureText, ErrMissingExpiration},
		{"name with a space", `"exp ":` + futureText, ErrMissingExpiration},
		{"name in another case", `"Exp":` + futureText, ErrMissingExpiration},
		{"nested exp in the future", `"x":{"exp":` + futureText + `},"exp":` + pastText, ErrExpired},
		{"nested exp in the past", `"x":[{"exp":` + pastText + `}],"exp":` + futureText, nil},
		{"brackets inside strings", `"x":"}]{[\"exp\":` + pastText + `","y":["]}",{"z":"{"}],"exp":` + futureText, nil},
		{"escaped quote before exp", `"x":"a\\\"","exp":` + pastText, ErrExpired},
		{"whitespace everywhere", " \t\r\n\"exp\" \t\r\n: \t\r\n" + futureText + " \t\r\n", nil},
		{"nbf exponent in the future", `"exp":` + futureText + `,"nbf":` + futureExp, ErrNotYetValid},
		{"iat overflow", `"exp":` + futureText + `,"iat":1e400`, ErrBadClaimType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims := `{"iss":"` + testIssuer + `","aud":"api","sub":"u",` + tc.claims + `}`
			_, err := testVerifier(nil, testProvider(key)).Verify(hmacSign(t, `{"alg":"HS256"}`, claims, crypto.SHA256, secret))
			if tc.expect == nil {
				assert.NoError(t, err, claims)
			} else {
				assert.ErrorIs(t, err, tc.expect, claims)
			}
		})
	}
}

// TestVerifyTextAroundObjects checks the text around the header and claims
// objects. JSON whitespace passes. A byte order mark, a second value or
// any other byte outside the object makes the token malformed.
func TestVerifyTextAroundObjects(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	key, err := NewHMACKey("k1", secret)
	require.NoError(t, err)
	claims := `{"iss":"` + testIssuer + `","aud":"api","sub":"u","exp":` + itoa(testNow.Add(time.Hour).Unix()) + `}`
	header := `{"alg":"HS256"}`

	tests := []struct {
		name           string
		header, claims string
		expect         error
	}{
		{"whitespace around both", " \r\n\t" + header + "\n ", "\t" + claims + "\r\n", nil},
		{"byte order mark on claims", header, "\ufeff" + claims, ErrBadClaims},
		{"byte order mark on header", "\ufeff" + header, claims, ErrBadHeader},
		{"second object after claims", header, claims + "{}", ErrBadClaims},
		{"comma after claims", header, claims + ",", ErrBadClaims},
		{"NUL after claims", header, claims + "\x00", ErrBadClaims},
		{"vertical tab before claims", header, "\v" + claims, ErrBadClaims},
		{"no-break space after header", header + "\u00a0", claims, ErrBadHeader},
		{"unclosed claims", header, claims[:len(claims)-1], ErrBadClaims},
		{"trailing comma in claims", header, claims[:len(claims)-1] + ",}", ErrBadClaims},
		{"single quotes in claims", header, strings.ReplaceAll(claims, `"`, `'`), ErrBadClaims},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testVerifier(nil, testProvider(key)).Verify(hmacSign(t, tc.header, tc.claims, crypto.SHA256, secret))
			if tc.expect == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.expect)
			}
		})
	}
}

// TestParseEscapedHeaderNames checks that a header member whose name
// contains escapes is read under its unescaped name, so escapes hide
// neither alg nor crit.
func TestParseEscapedHeaderNames(t *testing.T) {
	claims := `{"iss":"` + testIssuer + `","aud":"api","sub":"u","exp":` + itoa(testNow.Add(time.Hour).Unix()) + `}`
	tests := []struct {
		header string
		expect error
	}{
		{`{"\u0061lg":"none"}`, ErrAlgNone},
		{`{"\u0061\u006c\u0067":"n\u006fne"}`, ErrAlgNone},
		{`{"alg":"HS256","\u0063rit":["exp"]}`, ErrCritical},
		{`{"alg":"HS256","cr\u0069t":[]}`, ErrCritical},
		{`{"alg":"HS256","\u006bid":7}`, ErrBadHeader},
		{`{"alg":"HS256","x":{"alg":"none","crit":["exp"]}}`, nil},
		{`{"alg":"HS256","x":"\"alg\":\"none\""}`, nil},
	}
	for _, tc := range tests {
		token, err := ParseUnverified(forge(tc.header, claims, []byte("signature")))
		if tc.expect != nil {
			assert.ErrorIs(t, err, tc.expect, tc.header)
			continue
		}
		require.NoError(t, err, tc.header)
		assert.Equal(t, "HS256", token.Alg, tc.header)
	}
}

// TestMembersRepeatsAcrossLinearLimit checks repeated names on both sides
// of linearMembers, where repeats switches from a linear search to a map.
// The reference of FuzzMembersMatchForEach calls repeats too, so only this
// test catches a repeated name that the map misses.
func TestMembersRepeatsAcrossLinearLimit(t *testing.T) {
	for _, n := range []int{2, linearMembers - 1, linearMembers, linearMembers + 1, linearMembers + 2, 40, maxMembers} {
		names := make([]string, n)
		for i := range names {
			names[i] = "m" + strconv.Itoa(i)
		}
		object := func(names []string) string {
			var b strings.Builder
			b.WriteString("{")
			for i, name := range names {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(`"` + name + `":` + strconv.Itoa(i))
			}
			b.WriteString("}")
			return b.String()
		}

		l, ok := members(object(names), nil)
		require.True(t, ok, "%d distinct names were rejected", n)
		require.Len(t, l, n)

		// The last member repeats each earlier one in turn, in plain
		// and in escaped form.
		for first := 0; first < n-1; first++ {
			repeated := append([]string(nil), names...)
			repeated[n-1] = names[first]
			_, ok := members(object(repeated), nil)
			require.False(t, ok, "%d members: the last repeats member %d but was accepted", n, first)

			repeated[n-1] = `\u006d` + names[first][1:]
			_, ok = members(object(repeated), nil)
			require.False(t, ok, "%d members: the last repeats member %d with an escape but was accepted", n, first)
		}
	}

	// One member past maxMembers is rejected even with distinct names.
	var b strings.Builder
	b.WriteString(`{"m0":0`)
	for i := 1; i <= maxMembers; i++ {
		b.WriteString(`,"m` + strconv.Itoa(i) + `":0`)
	}
	b.WriteString("}")
	_, ok := members(b.String(), nil)
	require.False(t, ok, "%d members were accepted", maxMembers+1)
}

// TestNumberValueMatchesParseFloat compares numberValue with
// strconv.ParseFloat bit for bit. Its shortcut reads plain integers of up
// to 15 digits, so the cases lie on both sides of that limit.
func TestNumberValueMatchesParseFloat(t *testing.T) {
	for _, raw := range []string{
		"0", "-0", "7", "-7", "1767225600", "99999999999999", "999999999999999",
		"-999999999999999", "1000000000000000", "9007199254740993",
		"18446744073709551617", "123456789012345678901234567890",
		"0.0", "-0.0", "0.1", "12345678901234.5", "1e2", "1E+2", "1e-2",
		"1e400", "-1e400", "1e-400", "4.9e-324", "1.7976931348623157e308",
	} {
		want, _ := strconv.ParseFloat(raw, 64)
		got := numberValue(raw)
		assert.Equal(t, math.Float64bits(want), math.Float64bits(got), "%s: numberValue %v, ParseFloat %v", raw, got, want)
	}
}
