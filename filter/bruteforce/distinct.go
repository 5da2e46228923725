package bruteforce

import (
	"math"
	"math/bits"
)

// Distinct identities per client address are counted with linear
// counting: each identity sets one bit of a
// 64-bit bitmap chosen by its hash, and k set bits estimate
// n = −64·ln(1 − k/64) distinct identities. Repeated failures of one
// identity set the same bit, so a user who mistypes a password again and
// again never counts as stuffing.
//
// The bitmaps of the current and the previous fixed window are joined, so
// the count covers between one and two windows. For thresholds up to 32
// the standard error of the estimate is about 10%: a ban starts on average
// at the threshold, sometimes a few identities earlier or later.
const bitmapBits = 64

// MaxIdentitiesThreshold is the highest max_identities_per_ip that a 64-bit
// bitmap estimates within about 10%.
const MaxIdentitiesThreshold = 32

// identityBit returns the bitmap bit of an identity hash. It uses the top
// bits, which the slot index (the hash modulo the slot count) does not
// decide.
func identityBit(hash uint64) uint64 {
	return 1 << (hash >> 58)
}

// bitsFor returns the set bits at which the estimate reaches threshold
// distinct identities: the least k with −64·ln(1 − k/64) ≥ threshold.
func bitsFor(threshold int) int {
	return int(math.Ceil(bitmapBits * (1 - math.Exp(-float64(threshold)/bitmapBits))))
}

// estimateDistinct returns the linear counting estimate of a bitmap,
// rounded to the nearest integer; a full bitmap reports 64·ln 64.
func estimateDistinct(bitmap uint64) int64 {
	k := bits.OnesCount64(bitmap)
	if k == bitmapBits {
		return int64(math.Round(bitmapBits * math.Log(bitmapBits)))
	}
	return int64(math.Round(-bitmapBits * math.Log(1-float64(k)/bitmapBits)))
}
