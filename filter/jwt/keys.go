package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// MinRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
const MinRSABits = 2048

// MinHMACBytes is the smallest HMAC secret accepted: RFC 7518 §3.2 requires
// a key at least as long as the hash output, and HS256 is the shortest.
const MinHMACBytes = 32

// MaxKeys bounds the keys of one provider, which bounds the signatures
// tried for a token without kid.
const MaxKeys = 64

// Algorithms lists every supported alg value.
var Algorithms = []string{
	"HS256", "HS384", "HS512",
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384",
	"EdDSA",
}

// Key is one verification key.
type Key struct {
	// ID is the kid, used only to find the key; "" when the key has none.
	ID string

	// Algorithm is the JWK alg; when set, the key serves only that alg.
	Algorithm string

	// public is *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, or
	// []byte for an HMAC secret.
	public any

	// der is the DER SubjectPublicKeyInfo of an RSA or EC key, for a
	// NativeVerifier.
	der []byte

	// esAlg is the algorithm of an EC key's curve, "ES256" or "ES384", and
	// "" for other keys. It is set once, so that Fits does not compare
	// curves for every token.
	esAlg string
}

// String names the key without its material.
func (k *Key) String() string {
	return fmt.Sprintf("kid=%q type=%s", k.ID, k.family())
}

func (k *Key) family() string {
	switch k.public.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "EC"
	case ed25519.PublicKey:
		return "OKP"
	case []byte:
		return "oct"
	}
	return "unknown"
}

// Fits reports whether the key may verify alg: the key type matches the
// algorithm family (so an RSA or EC key is never an HMAC secret), the EC
// curve matches the hash, and a JWK alg, when present, is alg itself.
func (k *Key) Fits(alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch k.public.(type) {
	case []byte:
		return strings.HasPrefix(alg, "HS")
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return alg == k.esAlg
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// NewHMACKey returns an HMAC key. The secret is copied.
func NewHMACKey(kid string, secret []byte) (*Key, error) {
	if len(secret) < MinHMACBytes {
		return nil, fmt.Errorf("jwt: HMAC secret of %d bytes is shorter than the minimum of %d", len(secret), MinHMACBytes)
	}
	return &Key{ID: kid, public: append([]byte(nil), secret...)}, nil
}

// ParsePEM parses one PEM "PUBLIC KEY" block (SubjectPublicKeyInfo) holding
// an RSA, EC (P-256, P-384) or Ed25519 key.
func ParsePEM(kid string, data []byte) (*Key, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New(`jwt: no PEM block found; expected "-----BEGIN PUBLIC KEY-----", a base64 body and "-----END PUBLIC KEY-----", with the line breaks written as \n in JSON`)
	}
	if block.Type != "PUBLIC KEY" {
		return nil, errors.New(pemTypeAdvice(block.Type))
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("jwt: unexpected data after the PEM block; give one key per entry")
	}
	public, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		// The ASN.1 detail of err does not help an operator, so the
		// message says what the block must contain and how to make it.
		return nil, errors.New(`jwt: the "PUBLIC KEY" block does not contain a valid DER SubjectPublicKeyInfo (RFC 5280); export the key again with "openssl pkey -pubin -in key.pem -pubout" and paste the whole output`)
	}
	return newPublicKey(kid, "", public)
}

// pemTypeAdvice returns the error for a PEM block of the wrong type, with
// the command that converts the usual mistakes.
func pemTypeAdvice(blockType string) string {
	switch {
	case strings.Contains(blockType, "PRIVATE KEY"):
		return fmt.Sprintf(`jwt: the PEM block has type %q; give the public key only, from "openssl pkey -in key.pem -pubout", and keep the private key out of the configuration`, blockType)
	case blockType == "RSA PUBLIC KEY":
		return `jwt: the PEM block has type "RSA PUBLIC KEY" (PKCS #1); convert it with "openssl rsa -RSAPublicKey_in -in key.pem -pubout" to a "PUBLIC KEY" block`
	case blockType == "CERTIFICATE":
		return `jwt: the PEM block has type "CERTIFICATE"; extract its key with "openssl x509 -in cert.pem -pubkey -noout"`
	}
	return fmt.Sprintf(`jwt: the PEM block has type %q; expected one block of type "PUBLIC KEY"`, blockType)
}

// ParseJWKS parses a JSON Web Key Set (RFC 7517 §5). Keys whose use is not
// "sig" are skipped, private keys are rejected, and so are key types and
// curves that no supported algorithm uses.
func ParseJWKS(data []byte) ([]*Key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("jwt: invalid JWKS: %w", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New(`jwt: the JWKS has no keys; give at least one in "keys"`)
	}

	keys := make([]*Key, 0, len(set.Keys))
	for i, raw := range set.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("jwt: keys[%d]: %w", i, err)
		}
		if jwk.Use != "" && jwk.Use != "sig" {
			continue
		}
		if jwk.Algorithm != "" && !isAlgorithm(jwk.Algorithm) {
			return nil, fmt.Errorf("jwt: keys[%d]: unsupported alg %q", i, jwk.Algorithm)
		}
		key, err := newJWKKey(jwk)
		if err != nil {
			return nil, fmt.Errorf("jwt: keys[%d]: %w", i, err)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New(`jwt: the JWKS has no signature keys; every key has a "use" other than "sig"`)
	}
	return keys, nil
}

func newJWKKey(jwk jose.JSONWebKey) (*Key, error) {
	if secret, ok := jwk.Key.([]byte); ok {
		key, err := NewHMACKey(jwk.KeyID, secret)
		if err == nil {
			key.Algorithm = jwk.Algorithm
		}
		return key, err
	}
	if !jwk.IsPublic() {
		return nil, errors.New("is a private key; publish only the public part")
	}
	return newPublicKey(jwk.KeyID, jwk.Algorithm, jwk.Key)
}

// newPublicKey checks an asymmetric key and records its DER form.
func newPublicKey(kid, alg string, public any) (*Key, error) {
	key := &Key{ID: kid, Algorithm: alg, public: public}
	switch k := public.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("RSA key of %d bits is shorter than the minimum of %d", k.N.BitLen(), MinRSABits)
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			key.esAlg = "ES256"
		case elliptic.P384():
			key.esAlg = "ES384"
		default:
			return nil, fmt.Errorf("EC curve %s is not supported; use P-256 or P-384", k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("key type %T is not supported", public)
	}

	if alg != "" && !key.Fits(alg) {
		return nil, fmt.Errorf("alg %q does not fit a key of type %s", alg, key.family())
	}
	der, err := x509.MarshalPKIXPublicKey(public)
	if err != nil {
		return nil, fmt.Errorf("encoding the public key failed: %w", err)
	}
	key.der = der
	return key, nil
}

func isAlgorithm(alg string) bool {
	for _, a := range Algorithms {
		if a == alg {
			return true
		}
	}
	return false
}
