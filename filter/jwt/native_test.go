package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
)

// goVerify plays the host's verify_signature in native tests.
func goVerify(hash string, der, signature, text []byte) bool {
	h := map[string]crypto.Hash{"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}[hash]
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil || h == 0 {
		return false
	}
	d := h.New()
	d.Write(text)
	digest := d.Sum(nil)
	switch k := key.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, h, digest, signature) == nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest, signature)
	}
	return false
}
