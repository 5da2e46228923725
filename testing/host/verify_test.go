package host

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

type verifyCase struct {
	hash           string
	key            []byte
	keyPEM         string
	signature      []byte
	text           []byte
	unknownField   bool
	wantStatus     Status
	wantResult     bool
	wantError      string
	wantNoResponse bool
}

func encodeVerifyArgs(c verifyCase) []byte {
	var b []byte
	add := func(num protowire.Number, v []byte) {
		if len(v) > 0 {
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendBytes(b, v)
		}
	}
	add(fieldHashFunction, []byte(c.hash))
	add(fieldPublicKey, c.key)
	add(fieldSignature, c.signature)
	add(fieldText, c.text)
	add(fieldPublicKeyPEM, []byte(c.keyPEM))
	if c.unknownField {
		b = protowire.AppendTag(b, 9, protowire.VarintType)
		b = protowire.AppendVarint(b, 7)
	}
	return b
}

func decodeVerifyResult(t *testing.T, b []byte) (bool, string) {
	t.Helper()
	var result bool
	var message string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		require.GreaterOrEqual(t, n, 0)
		b = b[n:]
		switch {
		case num == fieldResult && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			require.GreaterOrEqual(t, n, 0)
			result, b = v == 1, b[n:]
		case num == fieldError && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			require.GreaterOrEqual(t, n, 0)
			message, b = string(v), b[n:]
		default:
			t.Fatalf("unexpected field %d type %d", num, typ)
		}
	}
	return result, message
}

func TestVerifySignature(t *testing.T) {
	text := []byte("signed text")
	digest := sha256.Sum256(text)

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsaDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	rsaPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaDER}))
	rsaSig, err := rsa.SignPKCS1v15(rand.Reader, rsaKey, crypto.SHA256, digest[:])
	require.NoError(t, err)
	pssSig, err := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, digest[:], nil)
	require.NoError(t, err)

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	require.NoError(t, err)
	ecSig, err := ecdsa.SignASN1(rand.Reader, ecKey, digest[:])
	require.NoError(t, err)
	r, s, err := ecdsa.Sign(rand.Reader, ecKey, digest[:])
	require.NoError(t, err)
	rawSig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)

	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edDER, err := x509.MarshalPKIXPublicKey(edPub)
	require.NoError(t, err)
	edSig := ed25519.Sign(edPriv, text)

	const verifyFailed = "Failed to verify digest. Error code: 0"
	const initFailed = "Failed to initialize digest verify."
	cases := map[string]verifyCase{
		"RSA PKCS1v15 valid":      {hash: "sha256", key: rsaDER, signature: rsaSig, text: text, wantResult: true},
		"RSA via PEM":             {hash: "SHA256", keyPEM: rsaPEM, signature: rsaSig, text: text, wantResult: true},
		"RSA unknown field":       {hash: "sha256", key: rsaDER, signature: rsaSig, text: text, unknownField: true, wantResult: true},
		"RSA wrong text":          {hash: "sha256", key: rsaDER, signature: rsaSig, text: []byte("other"), wantError: verifyFailed},
		"RSA wrong hash":          {hash: "sha384", key: rsaDER, signature: rsaSig, text: text, wantError: verifyFailed},
		"RSA PSS rejected":        {hash: "sha256", key: rsaDER, signature: pssSig, text: text, wantError: verifyFailed},
		"ECDSA DER valid":         {hash: "sha256", key: ecDER, signature: ecSig, text: text, wantResult: true},
		"ECDSA raw r||s rejected": {hash: "sha256", key: ecDER, signature: rawSig, text: text, wantError: verifyFailed},
		"Ed25519 unsupported":     {hash: "sha256", key: edDER, signature: edSig, text: text, wantError: initFailed},
		"unparsable key":          {hash: "sha256", key: []byte("not a key"), signature: rsaSig, text: text, wantError: initFailed},
		"PEM of another type":     {hash: "sha256", keyPEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", signature: rsaSig, text: text, wantError: initFailed},
		"unsupported hash":        {hash: "md5", key: rsaDER, signature: rsaSig, text: text, wantError: "md5 is not supported."},
		"two key fields":          {hash: "sha256", key: rsaDER, keyPEM: rsaPEM, signature: rsaSig, text: text, wantStatus: StatusBadArgument, wantNoResponse: true},
		"no key field":            {hash: "sha256", signature: rsaSig, text: text, wantStatus: StatusBadArgument, wantNoResponse: true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := VerifySignature(encodeVerifyArgs(c))
			if c.wantNoResponse {
				require.Nil(t, out)
				require.True(t, errors.Is(err, c.wantStatus), "got %v", err)
				return
			}
			require.NoError(t, err)
			result, message := decodeVerifyResult(t, out)
			require.Equal(t, c.wantResult, result)
			require.Equal(t, c.wantError, message)
		})
	}
}

func TestVerifySignatureMalformedArguments(t *testing.T) {
	for name, args := range map[string][]byte{
		"truncated length":   {0x0a, 0x05, 'a'},
		"invalid UTF-8 hash": protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{0xff}),
		"bad tag":            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := VerifySignature(args)
			require.ErrorIs(t, err, StatusBadArgument)
		})
	}
}

func TestVerifySignatureFromModule(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	digest := sha256.Sum256([]byte("hi"))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	require.NoError(t, err)
	args := hex.EncodeToString(encodeVerifyArgs(verifyCase{hash: "sha256", key: der, signature: sig, text: []byte("hi")}))
	twoKeys := hex.EncodeToString(encodeVerifyArgs(verifyCase{hash: "sha256", key: der, keyPEM: "x", signature: sig}))
	failing := func([]byte) ([]byte, error) { return []byte("partial"), StatusParseFailure }
	h := newTestHost(t, Options{Workers: 1, ForeignFunctions: map[string]ForeignFunc{"failing": failing}})

	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "foreign verify_signature "+args+"; foreign verify_signature "+twoKeys+"; foreign failing 00"), nil)
	require.NoError(t, err)

	require.Equal(t, []string{
		"foreign st=0 hex=0801",
		"foreign st=2 hex=",
		"foreign st=4 hex=" + hexOf("partial"), // the result is returned with the error status
	}, outLines(res))
}

func TestForeignStatus(t *testing.T) {
	require.Equal(t, StatusOK, foreignStatus(nil))
	require.Equal(t, StatusNotFound, foreignStatus(StatusNotFound))
	require.Equal(t, StatusInternalFailure, foreignStatus(errors.New("boom")))
}
