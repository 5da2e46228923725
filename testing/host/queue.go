package host

import "sync"

// queueStore is Envoy's shared queues: keyed by (vm_id, name), tokens from
// one counter starting at 1, each queue notifying the root context of the
// worker that registered it last.
type queueStore struct {
	mu        sync.Mutex
	byName    map[queueKey]*sharedQueue
	byToken   map[uint32]*sharedQueue
	lastToken uint32
}

type queueKey struct{ vmID, name string }

type sharedQueue struct {
	token  uint32
	items  [][]byte
	target *worker
}

func (q *queueStore) init() {
	q.byName = map[queueKey]*sharedQueue{}
	q.byToken = map[uint32]*sharedQueue{}
}

func hostRegisterSharedQueue(w *worker, p []uint64) Status {
	name, ok := w.readString(u32(p[0]), u32(p[1]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("name=%q", name)
	}
	q := &w.host.queues
	q.mu.Lock()
	key := queueKey{w.host.opts.VMID, name}
	sq := q.byName[key]
	if sq == nil {
		q.lastToken++
		sq = &sharedQueue{token: q.lastToken}
		q.byName[key] = sq
		q.byToken[sq.token] = sq
	}
	sq.target = w
	token := sq.token
	q.mu.Unlock()
	if !w.mem.WriteUint32Le(u32(p[2]), token) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

func hostResolveSharedQueue(w *worker, p []uint64) Status {
	vmID, ok1 := w.readString(u32(p[0]), u32(p[1]))
	name, ok2 := w.readString(u32(p[2]), u32(p[3]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	if vmID == "" {
		vmID = w.host.opts.VMID
	}
	if w.tracing() {
		w.note("vm_id=%q name=%q", vmID, name)
	}
	q := &w.host.queues
	q.mu.Lock()
	sq := q.byName[queueKey{vmID, name}]
	q.mu.Unlock()
	if sq == nil {
		return StatusNotFound
	}
	if !w.mem.WriteUint32Le(u32(p[4]), sq.token) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// hostEnqueueSharedQueue appends an item and posts one proxy_on_queue_ready
// to the registrant's worker; it is delivered later, never inside this call.
func hostEnqueueSharedQueue(w *worker, p []uint64) Status {
	token := u32(p[0])
	value, ok := w.readBytes(u32(p[1]), u32(p[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("token=%d", token)
	}
	q := &w.host.queues
	q.mu.Lock()
	sq := q.byToken[token]
	if sq == nil {
		q.mu.Unlock()
		return StatusNotFound
	}
	sq.items = append(sq.items, value)
	target := sq.target
	q.mu.Unlock()
	target.post(func() {
		target.invoke(target.fn.queueReady, "proxy_on_queue_ready", target.rootID, uint64(target.rootID), uint64(token))
		target.runAfterCall()
	})
	return StatusOK
}

func hostDequeueSharedQueue(w *worker, p []uint64) Status {
	token := u32(p[0])
	if w.tracing() {
		w.note("token=%d", token)
	}
	q := &w.host.queues
	q.mu.Lock()
	sq := q.byToken[token]
	if sq == nil {
		q.mu.Unlock()
		return StatusNotFound
	}
	if len(sq.items) == 0 {
		q.mu.Unlock()
		return StatusEmpty
	}
	item := sq.items[0]
	sq.items = sq.items[1:]
	q.mu.Unlock()
	return w.writeResult(item, u32(p[1]), u32(p[2]))
}
