package inject

import (
	"math/bits"
	"sync"
)

// classIndex finds, from the byte classes of a value, the signatures of a
// set whose needs the value meets, with a few OR operations per class
// instead of a test per signature. It serves sets of at most 64
// signatures; bit i stands for the set's signature i.
type classIndex struct {
	// first[k] and second[k] have bit i set when class 1<<k is one of
	// the classes of signature i's needs[0] or needs[1].
	first, second [64]uint64

	// firstFree and secondFree mark the signatures without such a need.
	firstFree, secondFree uint64

	// keywords finds the signatures with a keyword of their anyOf list in
	// a value, or without such a list.
	keywords *keywordIndex
}

// indexSignatures returns the index of set, or nil when set is too large.
func indexSignatures(set []Signature) *classIndex {
	if len(set) > 64 {
		return nil
	}
	x := classIndex{keywords: signatureKeywords(set)}
	for i, sig := range set {
		addNeed(&x.first, &x.firstFree, sig.needs[0], i)
		addNeed(&x.second, &x.secondFree, sig.needs[1], i)
	}
	return &x
}

func addNeed(table *[64]uint64, free *uint64, need class, i int) {
	if need == 0 {
		*free |= 1 << i
		return
	}
	for need != 0 {
		k := bits.TrailingZeros64(uint64(need))
		table[k] |= 1 << i
		need &= need - 1
	}
}

// candidates returns the signatures whose needs the classes c meet.
func (x *classIndex) candidates(c class) uint64 {
	first, second := x.firstFree, x.secondFree
	for rest := uint64(c); rest != 0; rest &= rest - 1 {
		k := bits.TrailingZeros64(rest)
		first |= x.first[k]
		second |= x.second[k]
	}
	return first & second
}

// The keyword indexes of the built-in signature sets are built by the
// first scan, not when the package loads. Building them leaves garbage
// that grew each VM's linear memory by 3 MiB at start (9.5 to 12.5 MiB),
// and a VM without injection detection never needs them.
var (
	indexesOnce     sync.Once
	builtinIndex    *classIndex
	shellIndex      *classIndex
	javaGadgetIndex *keywordIndex
)

// buildIndexes builds the indexes above; newScan runs it once.
func buildIndexes() {
	builtinIndex = indexSignatures(builtinSignatures)
	shellIndex = indexSignatures(shellSignatures)
	javaGadgetIndex = newJavaGadgetIndex()
}
