package clusterlimit

import (
	"encoding/binary"
	"strconv"
	"time"
)

// KeyPrefix starts every shared-data key of this package.
const KeyPrefix = "bulwark/crl/"

// slot is the shared state of one descriptor of a rule, stored at
// "bulwark/crl/<rule>/<slot in hex>". Descriptors that hash to one slot
// take turns in it: the slot holds the last one written, and a descriptor
// that finds another's hash there is not blocked by it.
type slot struct {
	// hash identifies the descriptor.
	hash uint64

	// blockedUntil is the end of the service's OVER_LIMIT verdict, in Unix
	// milliseconds, or 0 when the descriptor is not blocked.
	blockedUntil int64

	// requestsPerUnit and unitSeconds are the last limit the service
	// reported, for the rate limit headers.
	requestsPerUnit uint32
	unitSeconds     uint32

	// pending counts the hits of an Async rule not yet reported.
	pending uint32

	// descriptor is the descriptor's JSON, kept while hits are pending so
	// that the reporting worker can send it.
	descriptor []byte
}

// slotHeader is the size of a slot's fixed fields: a version byte, the
// hash, the block time, the limit, the unit, the pending hits and the
// descriptor's length.
const slotHeader = 1 + 8 + 8 + 4 + 4 + 4 + 2

const slotVersion = 1

func (s *slot) encode() []byte {
	b := make([]byte, slotHeader, slotHeader+len(s.descriptor))
	b[0] = slotVersion
	binary.BigEndian.PutUint64(b[1:], s.hash)
	binary.BigEndian.PutUint64(b[9:], uint64(s.blockedUntil))
	binary.BigEndian.PutUint32(b[17:], s.requestsPerUnit)
	binary.BigEndian.PutUint32(b[21:], s.unitSeconds)
	binary.BigEndian.PutUint32(b[25:], s.pending)
	binary.BigEndian.PutUint16(b[29:], uint16(len(s.descriptor)))
	return append(b, s.descriptor...)
}

// decodeSlot reads a slot; a value it cannot read is an empty slot, so a
// damaged or older value never blocks anyone.
func decodeSlot(b []byte) slot {
	if len(b) < slotHeader || b[0] != slotVersion {
		return slot{}
	}
	s := slot{
		hash:            binary.BigEndian.Uint64(b[1:]),
		blockedUntil:    int64(binary.BigEndian.Uint64(b[9:])),
		requestsPerUnit: binary.BigEndian.Uint32(b[17:]),
		unitSeconds:     binary.BigEndian.Uint32(b[21:]),
		pending:         binary.BigEndian.Uint32(b[25:]),
	}
	if n := int(binary.BigEndian.Uint16(b[29:])); len(b) == slotHeader+n {
		s.descriptor = b[slotHeader:]
	}
	return s
}

// blockedFor returns how long the slot still blocks the descriptor hash at
// now, 0 when it does not.
func (s *slot) blockedFor(hash uint64, now time.Time) time.Duration {
	if s.hash != hash || s.blockedUntil == 0 {
		return 0
	}
	return max(time.UnixMilli(s.blockedUntil).Sub(now), 0)
}

// slotKey returns the shared-data key of a rule's slot.
func slotKey(rule string, n uint64) string {
	return KeyPrefix + rule + "/" + strconv.FormatUint(n, 16)
}

// dirtyKey returns the key of an Async rule's list of slots with pending
// hits: 4-byte slot numbers.
func dirtyKey(rule string) string {
	return KeyPrefix + rule + "/dirty"
}
