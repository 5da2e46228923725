package host

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
)

// FaultKind is the effect of an injected fault on a hostcall.
type FaultKind int

// Fault kinds.
const (
	// FaultStatus makes the hostcall return Fault.Status without doing
	// anything.
	FaultStatus FaultKind = iota + 1
	// FaultMalformedResult corrupts the bytes the hostcall returns: a header
	// map gets a pair count larger than its data (so a strict parser in the
	// module fails or panics), other results lose their last byte.
	FaultMalformedResult
	// FaultCasMismatch makes proxy_set_shared_data return CasMismatch(8)
	// without storing, as if another worker had won the race.
	FaultCasMismatch
)

// Fault is a failure to inject into the next calls of one hostcall.
type Fault struct {
	// Call is the hostcall name, such as "proxy_get_header_map_pairs";
	// FaultCasMismatch defaults to "proxy_set_shared_data".
	Call string
	Kind FaultKind
	// Status is the status FaultStatus returns.
	Status Status
	// After is how many matching calls pass untouched before the fault
	// applies, to skip calls the module makes first.
	After int
	// Count is how many calls the fault affects; 0 means every call until
	// ClearFaults.
	Count int
}

type faultSet struct {
	mu     sync.Mutex
	faults []*Fault
	active atomic.Bool
}

// InjectFault arms f on every worker. Faults on the same hostcall apply in
// the order they were injected.
func (h *Host) InjectFault(f Fault) error {
	if f.Kind == FaultCasMismatch && f.Call == "" {
		f.Call = "proxy_set_shared_data"
	}
	known := false
	for _, hc := range hostcalls() {
		known = known || hc.name == f.Call
	}
	switch {
	case !known:
		return fmt.Errorf("host: inject fault: unknown hostcall %q; use a proxy_* name such as proxy_get_header_map_pairs", f.Call)
	case f.Kind < FaultStatus || f.Kind > FaultCasMismatch:
		return fmt.Errorf("host: inject fault on %s: invalid kind %d", f.Call, f.Kind)
	case f.Kind == FaultCasMismatch && f.Call != "proxy_set_shared_data":
		return fmt.Errorf("host: inject fault: FaultCasMismatch applies to proxy_set_shared_data, not %s", f.Call)
	case f.Count < 0 || f.After < 0:
		return fmt.Errorf("host: inject fault on %s: negative count %d or after %d", f.Call, f.Count, f.After)
	}
	h.faults.mu.Lock()
	defer h.faults.mu.Unlock()
	h.faults.faults = append(h.faults.faults, &f)
	h.faults.active.Store(true)
	return nil
}

// ClearFaults removes every injected fault.
func (h *Host) ClearFaults() {
	h.faults.mu.Lock()
	defer h.faults.mu.Unlock()
	h.faults.faults = nil
	h.faults.active.Store(false)
}

// PendingFaults returns how many injected faults have calls left to affect.
func (h *Host) PendingFaults() int {
	h.faults.mu.Lock()
	defer h.faults.mu.Unlock()
	return len(h.faults.faults)
}

// take returns the first fault armed for call and uses up one of its calls.
func (s *faultSet) take(call string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Call != call {
			continue
		}
		if f.After > 0 {
			f.After--
			return nil
		}
		applied := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				s.active.Store(len(s.faults) > 0)
			}
		}
		return &applied
	}
	return nil
}

// injectFault applies a fault armed for the hostcall name. It returns the
// status to return instead of running the call, or handled=false when the
// call must run (possibly with w.fault set to corrupt its result).
func (w *worker) injectFault(name string) (st Status, handled bool) {
	if !w.host.faults.active.Load() {
		return StatusOK, false
	}
	f := w.host.faults.take(name)
	if f == nil {
		return StatusOK, false
	}
	if w.tracing() {
		w.callArgs = fmt.Sprintf("injected fault %d", f.Kind)
	}
	switch f.Kind {
	case FaultStatus:
		return f.Status, true
	case FaultCasMismatch:
		return StatusCasMismatch, true
	}
	w.fault = f
	return StatusOK, false
}

// malformMap returns a copy of a serialized map whose pair count exceeds
// its entries by 1000 (or, for an empty map, a lone count of 1).
func malformMap(data []byte) []byte {
	if len(data) < 4 {
		return []byte{1, 0, 0, 0}
	}
	out := append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(out, binary.LittleEndian.Uint32(out)+1000)
	return out
}
