package jwt

import (
	"bytes"
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestECDSASignatureDERMatchesASN1 compares the DER that appendECDSASignatureDER
// writes with asn1.Marshal's for edge values and random ones on every
// curve: zero, leading zero bytes, the high bit set, all bytes 0xff.
func TestECDSASignatureDERMatchesASN1(t *testing.T) {
	random := rand.New(rand.NewPCG(1, 2))
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		size := curveScalarBytes(curve)
		edges := [][]byte{make([]byte, size), {1}, {0x80}, {0x7f, 0xff}, {0, 0, 0x80, 1}}
		full := make([]byte, size)
		for i := range full {
			full[i] = 0xff
		}
		edges = append(edges, full)

		var halves [][]byte
		for _, edge := range edges {
			halves = append(halves, leftPad(edge, size))
		}
		for range 200 {
			half := make([]byte, size)
			for i := range half {
				half[i] = byte(random.Uint32())
			}
			half[0] &= byte(random.Uint32()) // zeros and small values now and then
			halves = append(halves, half)
		}

		for i, r := range halves {
			s := halves[(i*7+3)%len(halves)]
			got, ok := appendECDSASignatureDER(nil, size, append(append([]byte(nil), r...), s...))
			require.True(t, ok)
			want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
			require.NoError(t, err)
			require.Equal(t, want, got, "%s r=%x s=%x", curve.Params().Name, r, s)
		}

		_, ok := appendECDSASignatureDER(nil, size, make([]byte, 2*size-1))
		require.False(t, ok, "%s: a signature of the wrong length was accepted", curve.Params().Name)
	}
}

// TestECDSASignatureDERIntoBufferDoesNotAllocate checks that the DER of
// the largest signature fits the buffer that the Verifier passes, so that
// the native ES256 path makes no allocation for it.
func TestECDSASignatureDERIntoBufferDoesNotAllocate(t *testing.T) {
	signature := bytes.Repeat([]byte{0xff}, 2*maxECDSAScalarBytes)
	var buffer [maxECDSASignatureDER]byte

	allocs := testing.AllocsPerRun(100, func() {
		der, ok := appendECDSASignatureDER(buffer[:0], maxECDSAScalarBytes, signature)
		if !ok || len(der) != maxECDSASignatureDER {
			t.Fatalf("got %d bytes, ok %v; want %d bytes", len(der), ok, maxECDSASignatureDER)
		}
	})
	require.Zero(t, allocs)
}

func leftPad(b []byte, size int) []byte {
	return append(make([]byte, size-len(b)), b...)
}

// FuzzECDSASignatureDER compares appendECDSASignatureDER with
// asn1.Marshal on every curve for any signature, and checks that one of
// the wrong length is rejected and that the DER fits the Verifier's buffer.
func FuzzECDSASignatureDER(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte{0x80}, []byte{0, 0, 1})
	f.Add(bytes.Repeat([]byte{0xff}, 66), bytes.Repeat([]byte{0x7f}, 66))
	f.Fuzz(func(t *testing.T, r, s []byte) {
		for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
			size := curveScalarBytes(curve)
			signature := append(fitScalar(r, size), fitScalar(s, size)...)

			got, ok := appendECDSASignatureDER(nil, size, signature)
			require.True(t, ok)
			require.LessOrEqual(t, len(got), maxECDSASignatureDER)
			want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(signature[:size]), new(big.Int).SetBytes(signature[size:])})
			require.NoError(t, err)
			require.Equal(t, want, got, "%s r=%x s=%x", curve.Params().Name, signature[:size], signature[size:])

			if len(r)+len(s) != 2*size {
				_, ok := appendECDSASignatureDER(nil, size, append(append([]byte(nil), r...), s...))
				require.False(t, ok, "%s: a signature of %d bytes was accepted", curve.Params().Name, len(r)+len(s))
			}
		}
	})
}

// fitScalar cuts b to its last size bytes or pads it with leading zeros.
func fitScalar(b []byte, size int) []byte {
	if len(b) > size {
		return append([]byte(nil), b[len(b)-size:]...)
	}
	return leftPad(b, size)
}

// curveScalarBytes returns the size of r and s on curve.
func curveScalarBytes(curve elliptic.Curve) int {
	return (curve.Params().BitSize + 7) / 8
}
