package bruteforce

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"time"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Ban is a running ban of a client address.
type Ban struct {
	Until time.Time

	// RetryAfter is the time left, in whole seconds rounded up.
	RetryAfter int64
}

// Check returns the client's running ban. It reads one slot and writes
// nothing. A store error lets the request through (banned is false) with
// the error, because a ban check that fails closed would let a shared-data
// fault reject every client.
func (g *Guard) Check(c *Client) (ban Ban, banned bool, err error) {
	if !c.tracked() {
		return Ban{}, false, nil
	}

	value, _, err := g.store.Get(slotKey(AddressKeyPrefix, c.slot))
	if err != nil {
		if errors.Is(err, ratelimit.ErrNotFound) {
			err = nil
		}
		return Ban{}, false, err
	}

	until, ok := banEnd(value, c.tag)
	now := g.now().UnixNano()
	if !ok || until <= now {
		return Ban{}, false, nil
	}
	left := until - now
	return Ban{
		Until:      time.Unix(0, until),
		RetryAfter: (left + int64(time.Second) - 1) / int64(time.Second),
	}, true, nil
}

// banEnd returns the ban end of the entry of tag in an encoded slot,
// reading only the tags and that entry's until, which keeps the check of
// every request cheap.
func banEnd(value []byte, tag uint64) (int64, bool) {
	if len(value) != slotSize || value[0] != slotFormat {
		return 0, false
	}
	for i := range Ways {
		e := value[1+i*entrySize:]
		if binary.BigEndian.Uint64(e) == tag {
			return int64(binary.BigEndian.Uint64(e[24:])), true
		}
	}
	return 0, false
}

// Trip is the outcome of one counted failure.
type Trip struct {
	// Started is set on the one failure whose write started a ban. Two
	// workers that cross a threshold at once both try to write the ban
	// with compare-and-swap, and only one succeeds, so each ban has
	// exactly one Trip with Started.
	Started bool

	// Threshold names the threshold that started the ban, one of the
	// Threshold* constants, and Count is the count that reached it.
	Threshold string
	Count     int64

	// Duration is the ban's length.
	Duration time.Duration
}

// Fail counts one authentication failure of the client for the claimed
// identity ("" when the request claimed none) and starts a ban when a
// threshold is reached. A client that is already banned is not counted
// again. It returns the first store error, after which the failure may be
// partly counted.
func (g *Guard) Fail(c *Client, identity string) (Trip, error) {
	if !c.tracked() {
		return Trip{}, nil
	}
	now := g.now()
	w := newWindow(g.cfg.Window, now)

	var idHash uint64
	var idCount int64
	if identity != "" {
		idHash = nonZero(ratelimit.Hash([]byte(identity)))
	}
	if identity != "" && g.cfg.MaxFailuresPerIdentity > 0 {
		var err error
		if idCount, err = g.countIdentity(idHash, w); err != nil {
			return Trip{}, err
		}
	}
	return g.countAddress(c, idHash, idCount, w)
}

// countIdentity counts a failure of the identity and returns its
// estimated failures in the window.
func (g *Guard) countIdentity(hash uint64, w window) (int64, error) {
	key := slotKey(IdentityKeyPrefix, hash%g.slots)
	var count int64
	err := g.update(key, func(s *slot) bool {
		i := s.claim(hash, w)
		if i < 0 {
			return false
		}
		e := &s[i]
		e.advance(w)
		e.addFailure()
		count = e.count(w)
		return true
	})
	return count, err
}

// countAddress counts a failure of the client, with the identity hash for
// the distinct count, and starts a ban when a threshold is reached.
func (g *Guard) countAddress(c *Client, idHash uint64, idCount int64, w window) (Trip, error) {
	var trip Trip
	err := g.update(slotKey(AddressKeyPrefix, c.slot), func(s *slot) bool {
		trip = Trip{}
		i := s.claim(c.tag, w)
		if i < 0 || s[i].until > w.nowNanos {
			return false // every entry is banned, or this client already is
		}

		e := &s[i]
		e.advance(w)
		e.addFailure()
		if idHash != 0 {
			e.idsCurrent |= identityBit(idHash)
		}
		trip.Threshold, trip.Count = g.tripped(e, w, idCount)
		if trip.Threshold != "" {
			// The counts start again after the ban, so that a client
			// whose ban lifted gets a whole allowance.
			*e = entry{tag: e.tag, index: w.index, until: w.nowNanos + int64(g.cfg.BanDuration)}
			trip.Started, trip.Duration = true, g.cfg.BanDuration
		}
		return true
	})
	if err != nil {
		return Trip{}, err
	}
	return trip, nil
}

// tripped returns the first threshold that the entry, after its new
// failure, reaches, and the count that reached it; "" when none.
func (g *Guard) tripped(e *entry, w window, idCount int64) (string, int64) {
	if e.reaches(w, g.cfg.MaxFailuresPerIP) {
		return ThresholdFailuresPerIP, e.count(w)
	}
	if g.identityBits > 0 && bits.OnesCount64(e.idsPrevious|e.idsCurrent) >= g.identityBits {
		return ThresholdIdentitiesPerIP, estimateDistinct(e.idsPrevious | e.idsCurrent)
	}
	if g.cfg.MaxFailuresPerIdentity > 0 && idCount >= int64(g.cfg.MaxFailuresPerIdentity) {
		return ThresholdFailuresPerIdentity, idCount
	}
	return "", 0
}

// update applies change to the slot at key with compare-and-swap, reading
// again after a conflict, at most ratelimit.MaxAttempts times. change
// returns false to leave the slot as it is.
func (g *Guard) update(key string, change func(*slot) bool) error {
	var buf [slotSize]byte
	for attempt := 1; ; attempt++ {
		value, cas, err := g.store.Get(key)
		if err != nil && !errors.Is(err, ratelimit.ErrNotFound) {
			return err
		}

		s := decodeSlot(value)
		if !change(&s) {
			return nil
		}
		err = g.store.Set(key, s.appendTo(buf[:0]), cas)
		if !errors.Is(err, ratelimit.ErrCASMismatch) {
			return err
		}
		if attempt == ratelimit.MaxAttempts {
			return ratelimit.ErrContention
		}
	}
}
