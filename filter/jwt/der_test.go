package jwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestECDSASignatureDERMatchesASN1 compares the DER that ecdsaSignatureDER
// writes with asn1.Marshal's for edge values and random ones on every
// curve: zero, leading zero bytes, the high bit set, all bytes 0xff.
func TestECDSASignatureDERMatchesASN1(t *testing.T) {
	random := rand.New(rand.NewPCG(1, 2))
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		key := &ecdsa.PublicKey{Curve: curve}
		size := (curve.Params().BitSize + 7) / 8
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
			got, ok := ecdsaSignatureDER(key, append(append([]byte(nil), r...), s...))
			require.True(t, ok)
			want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
			require.NoError(t, err)
			require.Equal(t, want, got, "%s r=%x s=%x", curve.Params().Name, r, s)
		}

		_, ok := ecdsaSignatureDER(key, make([]byte, 2*size-1))
		require.False(t, ok, "%s: a signature of the wrong length was accepted", curve.Params().Name)
	}
}

func leftPad(b []byte, size int) []byte {
	return append(make([]byte, size-len(b)), b...)
}
