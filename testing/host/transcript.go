package host

import (
	"fmt"
	"sync"
)

// maxTranscript bounds the recorded hostcalls; the oldest half is dropped
// when it is reached.
const maxTranscript = 1 << 16

// Call is one recorded proxy_* hostcall. Args contains the arguments that
// identify the call, such as the map type and header name, property path,
// shared-data key, callout cluster and path, or a local reply's status and
// details. It never contains a header value, body, shared-data value or
// foreign-function argument, because those may carry secrets.
type Call struct {
	Worker    int
	ContextID uint32
	Name      string
	Args      string
	Status    Status
}

// String formats the call as "worker/context name(args) -> status".
func (c Call) String() string {
	return fmt.Sprintf("%d/%d %s(%s) -> %s", c.Worker, c.ContextID, c.Name, c.Args, c.Status.String())
}

type transcript struct {
	enabled    bool
	mu         sync.Mutex
	calls      []Call
	violations []Call
}

func (t *transcript) record(c Call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.calls) >= maxTranscript {
		t.calls = append(t.calls[:0], t.calls[len(t.calls)/2:]...)
	}
	t.calls = append(t.calls, c)
}

// violate records a call outside Options.AllowedHostcalls.
func (t *transcript) violate(w *worker, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := Call{Worker: w.index, ContextID: w.activeID(), Name: name, Status: StatusInternalFailure}
	if len(t.violations) < maxTranscript {
		t.violations = append(t.violations, c)
	}
	if t.enabled {
		t.calls = append(t.calls, c)
	}
}

// Transcript returns the recorded hostcalls, oldest first; it is empty
// unless Options.Transcript is set.
func (h *Host) Transcript() []Call {
	h.calls.mu.Lock()
	defer h.calls.mu.Unlock()
	return append([]Call(nil), h.calls.calls...)
}

// ResetTranscript drops the recorded hostcalls and violations.
func (h *Host) ResetTranscript() {
	h.calls.mu.Lock()
	defer h.calls.mu.Unlock()
	h.calls.calls = nil
	h.calls.violations = nil
}

// Violations returns the hostcalls the module made outside
// Options.AllowedHostcalls; each returned InternalFailure(10).
func (h *Host) Violations() []Call {
	h.calls.mu.Lock()
	defer h.calls.mu.Unlock()
	return append([]Call(nil), h.calls.violations...)
}
