package main

import (
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// Field numbers of Envoy's VerifySignatureArguments and
// VerifySignatureResult (source/extensions/common/wasm/ext/verify_signature.proto).
const (
	verifyFieldHash      = 1
	verifyFieldKey       = 2
	verifyFieldSignature = 3
	verifyFieldText      = 4
	verifyFieldResult    = 1
)

// nativeSignatureVerifier returns the host's verify_signature as a
// jwt.NativeVerifier, or nil when the host does not register it. It probes
// the function once with empty arguments: a host without it returns
// NotFound, one with it rejects the arguments.
func nativeSignatureVerifier(cfg *config.Config) jwt.NativeVerifier {
	if cfg.JWT == nil {
		return nil
	}
	_, err := proxywasm.CallForeignFunction("verify_signature", nil)
	if errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogInfo("jwt: verify_signature not available; RSA and ECDSA signatures are checked in Go")
		return nil
	}
	proxywasm.LogInfo("jwt: RSA and ECDSA signatures are checked by the host's verify_signature")
	return verifySignature
}

// verifyArguments is the buffer of the last call's arguments, reused by the
// next: the VM runs one callback at a time, and the host has read the
// arguments when the call returns.
var verifyArguments []byte

// verifySignature calls verify_signature with a DER public key. An error
// means the host could not run the check, and the filter then checks in Go.
func verifySignature(hash string, publicKey, signature, text []byte) (bool, error) {
	size := 4*protowire.SizeTag(verifyFieldText) + protowire.SizeBytes(len(hash)) +
		protowire.SizeBytes(len(publicKey)) + protowire.SizeBytes(len(signature)) + protowire.SizeBytes(len(text))
	if cap(verifyArguments) < size {
		verifyArguments = make([]byte, 0, size)
	}

	args := verifyArguments[:0]
	args = protowire.AppendTag(args, verifyFieldHash, protowire.BytesType)
	args = protowire.AppendString(args, hash)
	args = protowire.AppendTag(args, verifyFieldKey, protowire.BytesType)
	args = protowire.AppendBytes(args, publicKey)
	args = protowire.AppendTag(args, verifyFieldSignature, protowire.BytesType)
	args = protowire.AppendBytes(args, signature)
	args = protowire.AppendTag(args, verifyFieldText, protowire.BytesType)
	args = protowire.AppendBytes(args, text)

	result, err := callForeignFunction("verify_signature", args)
	if err != nil {
		return false, err
	}
	return parseVerifyResult(result)
}

// parseVerifyResult reads the result field; the error message is ignored,
// because a false result is all the filter needs.
func parseVerifyResult(b []byte) (bool, error) {
	ok := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false, protowire.ParseError(n)
		}
		b = b[n:]
		if num == verifyFieldResult && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false, protowire.ParseError(n)
			}
			ok, b = v != 0, b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return false, protowire.ParseError(n)
		}
		b = b[n:]
	}
	return ok, nil
}
