package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"
)

// verifyGo checks signature over input with key in Go, with the standard
// library's primitives (RFC 7518 §3, RFC 8037 §3.1), the ones go-jose calls
// after it has parsed the token again with reflection. The token is already
// parsed here, so only the check is left. It expects a key that Fits alg,
// and checks the pairing again so that a wrong pair is never accepted.
func verifyGo(key *Key, alg string, input, signature []byte) bool {
	if alg == "EdDSA" {
		k, ok := key.public.(ed25519.PublicKey)
		return ok && ed25519.Verify(k, input, signature)
	}
	h, newHash := algorithmHash(alg)
	if newHash == nil {
		return false
	}

	switch k := key.public.(type) {
	case []byte:
		// RFC 7518 §3.2: a secret shorter than the hash output is refused.
		if !strings.HasPrefix(alg, "HS") || len(k) < h.Size() {
			return false
		}
		mac := hmac.New(newHash, k)
		mac.Write(input)
		return hmac.Equal(mac.Sum(nil), signature)
	case *rsa.PublicKey:
		digest := sum(newHash, input)
		switch alg[:2] {
		case "RS":
			return rsa.VerifyPKCS1v15(k, h, digest, signature) == nil
		case "PS":
			return rsa.VerifyPSS(k, h, digest, signature, nil) == nil
		}
	case *ecdsa.PublicKey:
		if !strings.HasPrefix(alg, "ES") || !key.Fits(alg) {
			return false
		}
		der, valid := appendECDSASignatureDER(nil, esScalarBytes(alg), signature)
		return valid && ecdsa.VerifyASN1(k, sum(newHash, input), der)
	}
	return false
}

// algorithmHash returns the hash of an HS, RS, PS or ES algorithm.
func algorithmHash(alg string) (crypto.Hash, func() hash.Hash) {
	switch {
	case len(alg) != 5:
		return 0, nil
	case strings.HasSuffix(alg, "256"):
		return crypto.SHA256, sha256.New
	case strings.HasSuffix(alg, "384"):
		return crypto.SHA384, sha512.New384
	case strings.HasSuffix(alg, "512"):
		return crypto.SHA512, sha512.New
	}
	return 0, nil
}

func sum(newHash func() hash.Hash, input []byte) []byte {
	d := newHash()
	d.Write(input)
	return d.Sum(nil)
}
