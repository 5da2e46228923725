package host

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha1"   // registers crypto.SHA1
	_ "crypto/sha256" // registers crypto.SHA224, crypto.SHA256
	_ "crypto/sha512" // registers crypto.SHA384, crypto.SHA512
	"crypto/x509"
	"encoding/pem"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Envoy's messages of the verify_signature foreign function
// (source/extensions/common/wasm/ext/verify_signature.proto).
const (
	fieldHashFunction = 1
	fieldPublicKey    = 2
	fieldSignature    = 3
	fieldText         = 4
	fieldPublicKeyPEM = 5

	fieldResult = 1
	fieldError  = 2
)

type verifyArguments struct {
	hashFunction, publicKeyPEM string
	publicKey, signature, text []byte
}

// VerifySignature is Envoy's verify_signature foreign function: it takes a
// serialized VerifySignatureArguments{1 hash_function, 2 public_key (DER
// SubjectPublicKeyInfo), 5 public_key_pem, 3 signature, 4 text} and returns a
// serialized VerifySignatureResult{1 result, 2 error}. Like Envoy's BoringSSL
// EVP_DigestVerify with default parameters, RSA keys verify PKCS #1 v1.5
// signatures only (no PSS) and ECDSA signatures must be ASN.1 DER, not raw
// r‖s; other key types, Ed25519 included, and unparsable keys yield
// result=false with an error message. Malformed arguments, or not exactly
// one key field, return StatusBadArgument.
func VerifySignature(args []byte) ([]byte, error) {
	a, ok := parseVerifyArguments(args)
	if !ok || (a.publicKeyPEM == "") == (len(a.publicKey) == 0) {
		return nil, StatusBadArgument
	}
	return encodeVerifyResult(verify(a)), nil
}

// verify returns Envoy's error message, or "" when the signature is valid.
func verify(a verifyArguments) string {
	hash, ok := hashFunctions[strings.ToLower(a.hashFunction)]
	if !ok {
		return a.hashFunction + " is not supported."
	}
	const initFailed = "Failed to initialize digest verify."
	const verifyFailed = "Failed to verify digest. Error code: 0"
	key, ok := parsePublicKey(a)
	if !ok {
		return initFailed
	}
	h := hash.New()
	h.Write(a.text)
	digest := h.Sum(nil)
	switch k := key.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, hash, digest, a.signature) != nil {
			return verifyFailed
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, a.signature) {
			return verifyFailed
		}
	default:
		// Ed25519, X25519 and DSA keys parse, but EVP_DigestVerifyInit
		// rejects them together with a digest.
		return initFailed
	}
	return ""
}

var hashFunctions = map[string]crypto.Hash{
	"sha1": crypto.SHA1, "sha224": crypto.SHA224, "sha256": crypto.SHA256,
	"sha384": crypto.SHA384, "sha512": crypto.SHA512,
}

func parsePublicKey(a verifyArguments) (any, bool) {
	der := a.publicKey
	if a.publicKeyPEM != "" {
		block, _ := pem.Decode([]byte(a.publicKeyPEM))
		if block == nil || block.Type != "PUBLIC KEY" {
			return nil, false
		}
		der = block.Bytes
	}
	key, err := x509.ParsePKIXPublicKey(der)
	return key, err == nil
}

// parseVerifyArguments decodes the protobuf message. Unknown fields and
// known fields with another wire type are skipped, as protobuf parsers do.
// Invalid UTF-8 in a string field fails, as in a proto3 parse.
func parseVerifyArguments(b []byte) (verifyArguments, bool) {
	var a verifyArguments
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return a, false
		}
		b = b[n:]
		if typ != protowire.BytesType || num < fieldHashFunction || num > fieldPublicKeyPEM {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return a, false
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return a, false
		}
		b = b[n:]
		switch num {
		case fieldHashFunction:
			a.hashFunction = string(v)
		case fieldPublicKey:
			a.publicKey = v
		case fieldSignature:
			a.signature = v
		case fieldText:
			a.text = v
		case fieldPublicKeyPEM:
			a.publicKeyPEM = string(v)
		}
	}
	if !utf8.ValidString(a.hashFunction) || !utf8.ValidString(a.publicKeyPEM) {
		return a, false
	}
	return a, true
}

// encodeVerifyResult serializes VerifySignatureResult; proto3 omits default
// values, so a success is {result: true} alone.
func encodeVerifyResult(errMessage string) []byte {
	var b []byte
	if errMessage == "" {
		b = protowire.AppendTag(b, fieldResult, protowire.VarintType)
		return protowire.AppendVarint(b, 1)
	}
	b = protowire.AppendTag(b, fieldError, protowire.BytesType)
	return protowire.AppendString(b, errMessage)
}
