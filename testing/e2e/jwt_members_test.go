package e2e

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// TestJWTESShortScalarsNativeOnAndOff sends ES256 tokens whose r or s
// has a leading zero byte, which the module's DER form drops, through the
// compiled module with and without the host's verify_signature. Each token
// must pass, and must fail with one signature byte changed.
func TestJWTESShortScalarsNativeOnAndOff(t *testing.T) {
	keys := sharedJWTKeys(t)
	claims := map[string]any{
		"iss": "https://es.test", "aud": "api", "sub": "user-es",
		"exp": testNow.Add(time.Hour).Unix(), "scope": "orders:read",
	}
	var tokens []string
	for i := 0; i < 5000 && len(tokens) < 2; i++ {
		token := keys.mint(t, "ES256", claims)
		signature, err := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
		require.NoError(t, err)
		if signature[0] == 0 || signature[32] == 0 {
			tokens = append(tokens, token)
		}
	}
	require.Len(t, tokens, 2, "too few signatures with a leading zero byte")

	for _, native := range []bool{true, false} {
		var fn host.ForeignFunc
		if native {
			fn = host.VerifySignature
		}
		h := startJWTHost(t, keys.config(t), fn)

		for _, token := range tokens {
			res := get(t, h, "/orders", [2]string{"authorization", "Bearer " + token})
			require.NotNil(t, res.Upstream, "native=%v: %+v", native, res.LocalReply)
			assert.Equal(t, "user-es", res.Upstream.Header("x-bulwark-client-id"))

			res = get(t, h, "/orders", [2]string{"authorization", "Bearer " + flipLastSignatureByte(t, token)})
			require.NotNil(t, res.LocalReply, "native=%v: a changed signature passed", native)
			assert.Equal(t, 401, res.LocalReply.Status)
		}
	}
}

// TestJWTEscapedClaimNames sends HS256 tokens whose claims spell exp with
// escapes through the compiled module. An escaped exp in the past expires
// the token. A second, escaped copy of exp makes it malformed, whichever
// copy is in the future.
func TestJWTEscapedClaimNames(t *testing.T) {
	keys := sharedJWTKeys(t)
	h := startJWTHost(t, keys.config(t), nil)
	future := strconv.FormatInt(testNow.Add(time.Hour).Unix(), 10)
	past := strconv.FormatInt(testNow.Add(-time.Hour).Unix(), 10)
	prefix := `{"iss":"https://hs.test","aud":"api","sub":"user-hs","scope":"orders:read",`

	tests := []struct {
		name   string
		claims string
		status int
		code   string
	}{
		{"plain exp", prefix + `"exp":` + future + `}`, 200, ""},
		{"escaped exp", prefix + `"\u0065xp":` + future + `}`, 200, ""},
		{"exponent exp", prefix + `"exp":` + future[:1] + "." + future[1:] + "e" + strconv.Itoa(len(future)-1) + `}`, 200, ""},
		{"escaped exp in the past", prefix + `"\u0065\u0078\u0070":` + past + `}`, 401, "expired"},
		{"escaped copy in the past", prefix + `"exp":` + future + `,"e\u0078p":` + past + `}`, 401, "malformed"},
		{"escaped copy in the future", prefix + `"exp":` + past + `,"ex\u0070":` + future + `}`, 401, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := mintRawHS256(t, keys.hmac, tc.claims)
			res := get(t, h, "/orders", [2]string{"authorization", "Bearer " + token})
			if tc.status == 200 {
				require.NotNil(t, res.Upstream, "%+v", res.LocalReply)
				return
			}
			require.NotNil(t, res.LocalReply, "the token passed")
			assert.Equal(t, tc.status, res.LocalReply.Status)
			assert.Contains(t, string(res.LocalReply.Body), `"code":"`+tc.code+`"`)
		})
	}
}

// mintRawHS256 signs the JSON text claims, unchanged, with go-jose.
func mintRawHS256(t *testing.T, secret []byte, claims string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, (&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	obj, err := signer.Sign([]byte(claims))
	require.NoError(t, err)
	token, err := obj.CompactSerialize()
	require.NoError(t, err)
	return token
}

// flipLastSignatureByte returns token with the last byte of its decoded
// signature inverted.
func flipLastSignatureByte(t *testing.T, token string) string {
	t.Helper()
	dot := strings.LastIndexByte(token, '.')
	signature, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	require.NoError(t, err)
	signature[len(signature)-1] ^= 0xff
	return token[:dot+1] + base64.RawURLEncoding.EncodeToString(signature)
}
