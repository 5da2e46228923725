package jwt

// DER tags of ASN.1's universal types (X.690 §8.3, §8.9).
const (
	derInteger  = 0x02
	derSequence = 0x30
)

// maxECDSAScalarBytes is the size of r and s on the largest curve that
// appendECDSASignatureDER encodes, P-521, whose scalars take 66 bytes.
const maxECDSAScalarBytes = 66

// maxECDSASignatureDER is the longest DER that appendECDSASignatureDER
// writes: a SEQUENCE header with a two-byte length, and two INTEGERs of
// maxECDSAScalarBytes with a leading zero byte each.
const maxECDSASignatureDER = 3 + 2*(2+1+maxECDSAScalarBytes)

// appendECDSASignatureDER appends to dst the ASN.1 DER form of a JWS ECDSA
// signature, which holds r and s as big-endian integers of size bytes each
// (RFC 7518 §3.4). The DER form, a SEQUENCE of two INTEGERs (RFC 3279
// §2.2.3), is what ecdsa.VerifyASN1 and X.509 tooling such as Envoy's
// verify_signature expect. valid is false when the signature is not 2*size
// bytes long.
//
// It writes the bytes itself rather than through big.Int and cryptobyte,
// because that route cost nine allocations and about fifteen more distinct
// functions per ES256 token inside wasm (BENCHMARKS.md). The grammar is
// fixed and short: TestECDSASignatureDERMatchesASN1 and
// FuzzECDSASignatureDER compare it with encoding/asn1.
func appendECDSASignatureDER(dst []byte, size int, signature []byte) ([]byte, bool) {
	if len(signature) != 2*size || size <= 0 || size > maxECDSAScalarBytes {
		return nil, false
	}
	r, s := minimalUnsigned(signature[:size]), minimalUnsigned(signature[size:])

	// Each INTEGER's content is at most 67 bytes, so its length takes one
	// byte. On P-521 the SEQUENCE's content may pass 127 bytes, and then
	// its length takes the long form: 0x81 and one byte (X.690 §8.1.3).
	content := integerDERSize(r) + integerDERSize(s)
	dst = append(dst, derSequence)
	if content > 0x7f {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(content))
	dst = appendIntegerDER(dst, r)
	dst = appendIntegerDER(dst, s)
	return dst, true
}

// esScalarBytes returns the size of r and s in a signature of the ES
// algorithm alg (RFC 7518 §3.4), and 0 for other algorithms.
func esScalarBytes(alg string) int {
	switch alg {
	case "ES256":
		return 32
	case "ES384":
		return 48
	}
	return 0
}

// minimalUnsigned returns n, a big-endian unsigned integer, without its
// leading zero bytes, but keeps one byte for zero.
func minimalUnsigned(n []byte) []byte {
	for len(n) > 1 && n[0] == 0 {
		n = n[1:]
	}
	return n
}

// integerDERSize returns the size of the DER INTEGER of n, which
// minimalUnsigned has trimmed: the tag, the length and the content.
func integerDERSize(n []byte) int {
	return 2 + len(n) + int(n[0]>>7)
}

// appendIntegerDER appends the DER INTEGER of the unsigned n. DER integers
// are two's complement, so a first byte with its high bit set takes a zero
// byte before it (X.690 §8.3.2, §8.3.3).
func appendIntegerDER(dst, n []byte) []byte {
	pad := int(n[0] >> 7)
	dst = append(dst, derInteger, byte(len(n)+pad))
	if pad != 0 {
		dst = append(dst, 0)
	}
	return append(dst, n...)
}
