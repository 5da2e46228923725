package host

import (
	"sort"
	"sync"
)

// sharedStore is Envoy's shared data: one key-value store per vm_id, shared
// by every worker, with a version (cas) from one counter over all keys.
type sharedStore struct {
	mu      sync.Mutex
	scopes  map[string]map[string]*sharedEntry
	lastCas uint32
}

type sharedEntry struct {
	value []byte
	cas   uint32
}

func (s *sharedStore) init() { s.scopes = map[string]map[string]*sharedEntry{} }

func (s *sharedStore) get(vmID, key string) ([]byte, uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.scopes[vmID][key]
	if !ok {
		return nil, 0, false
	}
	return e.value, e.cas, true
}

// set stores value unless the key exists and a non-zero cas argument differs
// from its cas. An absent key is created whatever the cas argument.
func (s *sharedStore) set(vmID, key string, value []byte, cas uint32) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	scope := s.scopes[vmID]
	if scope == nil {
		scope = map[string]*sharedEntry{}
		s.scopes[vmID] = scope
	}
	e, ok := scope[key]
	if ok && cas != 0 && cas != e.cas {
		return StatusCasMismatch
	}
	s.lastCas++
	if s.lastCas == 0 {
		s.lastCas = 1
	}
	scope[key] = &sharedEntry{value: value, cas: s.lastCas}
	return StatusOK
}

func hostGetSharedData(w *worker, p []uint64) Status {
	key, ok := w.readString(u32(p[0]), u32(p[1]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("key=%q", key)
	}
	value, cas, found := w.host.shared.get(w.host.opts.VMID, key)
	if !found {
		return StatusNotFound
	}
	if st := w.writeResult(value, u32(p[2]), u32(p[3])); st != StatusOK {
		return st
	}
	if !w.mem.WriteUint32Le(u32(p[4]), cas) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

func hostSetSharedData(w *worker, p []uint64) Status {
	key, ok1 := w.readString(u32(p[0]), u32(p[1]))
	value, ok2 := w.readBytes(u32(p[2]), u32(p[3]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	cas := u32(p[4])
	if w.tracing() {
		w.note("key=%q cas=%d", key, cas)
	}
	return w.host.shared.set(w.host.opts.VMID, key, value, cas)
}

// SharedData returns the value and cas of key in the Host's vm_id scope.
func (h *Host) SharedData(key string) (value []byte, cas uint32, ok bool) {
	v, cas, ok := h.shared.get(h.opts.VMID, key)
	return append([]byte(nil), v...), cas, ok
}

// SetSharedData stores a value as a module would with cas 0, for tests
// that prepare state.
func (h *Host) SetSharedData(key string, value []byte) {
	h.shared.set(h.opts.VMID, key, append([]byte(nil), value...), 0)
}

// SharedDataKeys returns the keys of the Host's vm_id scope, sorted.
func (h *Host) SharedDataKeys() []string {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	keys := make([]string, 0, len(h.shared.scopes[h.opts.VMID]))
	for k := range h.shared.scopes[h.opts.VMID] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SharedDataBytes returns the total size of keys and values in the Host's
// vm_id scope, to check that a key space stays bounded.
func (h *Host) SharedDataBytes() int {
	h.shared.mu.Lock()
	defer h.shared.mu.Unlock()
	n := 0
	for k, e := range h.shared.scopes[h.opts.VMID] {
		n += len(k) + len(e.value)
	}
	return n
}
