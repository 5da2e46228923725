package bruteforce

import (
	"encoding/binary"
	"time"
)

// Ways is the number of entries in one slot. A key lives in one slot, in
// any of its entries, so two keys that hash to one slot keep separate
// counts until more than Ways keys are active in it at once.
const Ways = 4

// Slot encoding: a format byte, then Ways entries of entrySize bytes, each
//
//	tag:uint64 index:int64 previous:uint32 current:uint32 until:int64 idsPrevious:uint64 idsCurrent:uint64
//
// big-endian. tag is the key's 64-bit hash (0 for a free entry). index is
// the fixed window of current, in Unix milliseconds / window length. until
// is the end of the ban in Unix nanoseconds (0 for none). The ids fields are
// the identity bitmaps of the previous and the current window, used in the
// client address table only. A value of another length or format reads as
// free entries.
const (
	slotFormat byte = 1
	entrySize       = 48
	slotSize        = 1 + Ways*entrySize
)

// entry is one key's counts.
type entry struct {
	tag                     uint64
	index                   int64
	previous, current       uint32
	until                   int64
	idsPrevious, idsCurrent uint64
}

// slot is the decoded value of one slot.
type slot [Ways]entry

// emptySlot is the value Prepare writes into every slot.
var emptySlot = func() []byte {
	b := make([]byte, slotSize)
	b[0] = slotFormat
	return b
}()

func decodeSlot(b []byte) slot {
	var s slot
	if len(b) != slotSize || b[0] != slotFormat {
		return s
	}
	for i := range s {
		e := b[1+i*entrySize:]
		s[i] = entry{
			tag:         binary.BigEndian.Uint64(e[0:]),
			index:       int64(binary.BigEndian.Uint64(e[8:])),
			previous:    binary.BigEndian.Uint32(e[16:]),
			current:     binary.BigEndian.Uint32(e[20:]),
			until:       int64(binary.BigEndian.Uint64(e[24:])),
			idsPrevious: binary.BigEndian.Uint64(e[32:]),
			idsCurrent:  binary.BigEndian.Uint64(e[40:]),
		}
	}
	return s
}

// appendTo appends the encoded slot to dst.
func (s *slot) appendTo(dst []byte) []byte {
	dst = append(dst, slotFormat)
	for i := range s {
		e := &s[i]
		dst = binary.BigEndian.AppendUint64(dst, e.tag)
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.index))
		dst = binary.BigEndian.AppendUint32(dst, e.previous)
		dst = binary.BigEndian.AppendUint32(dst, e.current)
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.until))
		dst = binary.BigEndian.AppendUint64(dst, e.idsPrevious)
		dst = binary.BigEndian.AppendUint64(dst, e.idsCurrent)
	}
	return dst
}

// find returns the index of the entry of tag, or -1.
func (s *slot) find(tag uint64) int {
	for i := range s {
		if s[i].tag == tag {
			return i
		}
	}
	return -1
}

// claim returns the index of the entry of tag, taking over an entry for it
// when it has none: a free or idle entry first, else the entry with the
// fewest failures that is not banned. It returns -1 when every entry holds
// a running ban, which is never evicted.
func (s *slot) claim(tag uint64, w window) int {
	if i := s.find(tag); i >= 0 {
		return i
	}

	victim, fewest := -1, uint64(0)
	for i := range s {
		e := &s[i]
		if e.until > w.nowNanos {
			continue
		}
		e.advance(w)
		weight := e.weight(w)
		if e.tag == 0 || (weight == 0 && e.idsPrevious|e.idsCurrent == 0) {
			victim = i
			break
		}
		if victim < 0 || weight < fewest {
			victim, fewest = i, weight
		}
	}
	if victim >= 0 {
		s[victim] = entry{tag: tag, index: w.index}
	}
	return victim
}

// window is the sliding window at one instant.
type window struct {
	length   uint64 // milliseconds
	index    int64  // Unix milliseconds / length
	elapsed  uint64 // milliseconds since the current fixed window started
	nowNanos int64
}

func newWindow(length time.Duration, now time.Time) window {
	l := uint64(length.Milliseconds())
	ms := now.UnixMilli()
	index := ms / int64(l)
	return window{length: l, index: index, elapsed: uint64(ms - index*int64(l)), nowNanos: now.UnixNano()}
}

// advance moves e to the fixed window w.index: the current counts become
// the previous ones after one window, and both are dropped after two. A
// stored window ahead of w (the clock went back) is kept as it is.
func (e *entry) advance(w window) {
	switch {
	case e.index >= w.index:
		return
	case e.index == w.index-1:
		e.previous, e.idsPrevious = e.current, e.idsCurrent
	default:
		e.previous, e.idsPrevious = 0, 0
	}
	e.current, e.idsCurrent, e.index = 0, 0, w.index
}

// weight is the estimated failures in the last window times the window
// length in milliseconds, which keeps it an integer. The estimate is the
// ratelimit package's: previous, weighted by the share of it that the
// sliding window still covers, plus current.
func (e *entry) weight(w window) uint64 {
	elapsed := min(w.elapsed, w.length)
	return uint64(e.previous)*(w.length-elapsed) + uint64(e.current)*w.length
}

// count is the estimated failures in the last window, rounded up.
func (e *entry) count(w window) int64 {
	return int64((e.weight(w) + w.length - 1) / w.length)
}

// reaches reports whether the estimate is at least threshold failures.
func (e *entry) reaches(w window, threshold int) bool {
	return e.weight(w) >= uint64(threshold)*w.length
}

// addFailure counts one failure, saturating.
func (e *entry) addFailure() {
	if e.current < maxCount {
		e.current++
	}
}

// maxCount bounds stored counts, which keeps weight within uint64 for any
// window up to 24 hours.
const maxCount = 1 << 24
