package main

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// jwksSharedPrefix names the shared-data records of remote key sets.
const jwksSharedPrefix = "bulwark.jwks."

// jwksTickPeriod is how often each VM picks up key sets that other workers
// fetched, starts due fetches and rejects requests that waited too long.
const jwksTickPeriod = time.Second

// maxWaitingRequests bounds the requests that one VM holds while no key set
// is there; more get the 401 at once.
const maxWaitingRequests = 1024

// jwksStore keeps the remote key sets in the proxy's shared data.
type jwksStore struct{}

func (jwksStore) Get(key string) ([]byte, uint32, error) {
	value, cas, err := proxywasm.GetSharedData(key)
	if errors.Is(err, types.ErrorStatusNotFound) {
		return nil, 0, nil
	}
	return value, cas, err
}

func (jwksStore) Set(key string, value []byte, cas uint32) error {
	err := proxywasm.SetSharedData(key, value, cas)
	if errors.Is(err, types.ErrorStatusCasMismatch) {
		return jwt.ErrCASMismatch
	}
	return err
}

// jwksFetcher fetches the remote key sets and revocation lists of one
// plugin on one VM, and holds the requests that arrive before the first key
// set.
type jwksFetcher struct {
	verifier *jwt.Verifier
	syncs    []jwt.Fetcher
	started  time.Time

	// waiting holds the paused requests by context id.
	waiting map[uint32]time.Time
	streams map[uint32]*httpContext

	// events receives a dependency_failure event at the first failed
	// fetch of a streak, and counts failed callouts; nil in tests.
	events *eventSink

	// refetch marks the providers whose keys lacked a token's kid. The
	// next tick refetches them: a callout made by a stream is dropped by
	// the SDK when the stream ends first, as a 401 always does.
	refetch map[jwt.Fetcher]bool
}

// jwksStream is the state of one request for the fetcher.
type jwksStream struct {
	fetcher     *jwksFetcher
	id          uint32
	numHeaders  int
	endOfStream bool
}

// newJWKSFetcher returns the fetcher of engine's remote key sets and
// revocation lists, or nil when there is none.
func newJWKSFetcher(engine *filter.Engine) *jwksFetcher {
	verifier := engine.Tokens()
	if verifier == nil {
		return nil
	}
	f := &jwksFetcher{
		verifier: verifier,
		waiting:  map[uint32]time.Time{},
		streams:  map[uint32]*httpContext{},
		refetch:  map[jwt.Fetcher]bool{},
	}
	for _, p := range verifier.Providers() {
		if p.Remote != nil {
			f.syncs = append(f.syncs, jwt.NewRemoteSync(verifier, p, jwksStore{}, jwksSharedPrefix))
		}
		if p.Revocation != nil {
			f.syncs = append(f.syncs, jwt.NewRevocationSync(verifier, p, jwksStore{}, jwksSharedPrefix))
		}
	}
	if len(f.syncs) == 0 {
		return nil
	}
	return f
}

// start arms the tick and starts the first fetch, unless another worker
// already holds it.
func (f *jwksFetcher) start() {
	f.started = time.Now()
	if err := proxywasm.SetTickPeriodMilliSeconds(uint32(jwksTickPeriod / time.Millisecond)); err != nil {
		proxywasm.LogErrorf("jwt: setting the tick period failed; remote key sets refresh only on requests: %v", err)
	}
	f.poll()
}

// tick runs every jwksTickPeriod.
func (f *jwksFetcher) tick() {
	f.poll()
	f.wake(time.Now(), true)
}

// poll takes over key sets that other workers published and starts the
// fetches that are due.
func (f *jwksFetcher) poll() {
	changed := false
	for _, s := range f.syncs {
		changed = f.sync(s) || changed
		if f.refetch[s] {
			delete(f.refetch, s)
			f.acquire(s, jwt.TriggerUnknownKID)
		}
		f.acquire(s, jwt.TriggerSchedule)
	}
	if changed {
		f.wake(time.Now(), false)
	}
}

// sync takes over a newer shared document of s.
func (f *jwksFetcher) sync(s jwt.Fetcher) bool {
	changed, err := s.Sync()
	if err != nil {
		proxywasm.LogWarnf("jwt: provider %q: reading the shared %s failed: %v", s.Provider().Name, s.Document(), err)
	}
	return changed
}

// acquire fetches s's document when this VM takes the lease.
func (f *jwksFetcher) acquire(s jwt.Fetcher, trigger jwt.Trigger) {
	leased, err := s.Acquire(time.Now(), trigger)
	if err != nil {
		proxywasm.LogWarnf("jwt: provider %q: taking the fetch lease failed: %v", s.Provider().Name, err)
	}
	if leased {
		f.fetch(s)
	}
}

// fetch sends the next callout of s.
func (f *jwksFetcher) fetch(s jwt.Fetcher) {
	req := s.Request()
	headers := [][2]string{
		{":method", "GET"}, {":path", req.Path}, {":authority", req.Authority}, {"accept", "application/json"},
	}
	timeout := uint32(req.Timeout / time.Millisecond)
	_, err := proxywasm.DispatchHttpCall(req.Cluster, headers, nil, nil, timeout, func(numHeaders, bodySize, _ int) {
		status, body := f.response(numHeaders, bodySize, req.MaxBytes)
		f.complete(s, status, body)
	})
	if err != nil {
		proxywasm.LogDebugf("jwt: provider %q: dispatching to cluster %q failed: %v", s.Provider().Name, req.Cluster, err)
		f.complete(s, 0, nil)
	}
}

// response reads the callout's response: status 0 when it failed before a
// response, and no body when it is larger than maxBytes.
func (f *jwksFetcher) response(numHeaders, bodySize, maxBytes int) (int, []byte) {
	if numHeaders == 0 {
		return 0, nil
	}
	headers, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		return 0, nil
	}
	status := 0
	for _, h := range headers {
		if h[0] == ":status" {
			status, _ = strconv.Atoi(h[1])
		}
	}
	if bodySize == 0 || bodySize > maxBytes {
		return status, nil
	}
	body, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		return 0, nil
	}
	return status, body
}

// complete records a callout, logs it, and resumes the waiting requests
// when the keys changed. A failure is a warning once per streak; documents
// and tokens never reach the log.
func (f *jwksFetcher) complete(s jwt.Fetcher, status int, body []byte) {
	res := s.Complete(time.Now(), status, body)
	f.noteFetch(s, status, res)
	if res.Next {
		f.fetch(s)
		return
	}
	name, document := s.Provider().Name, s.Document()
	switch {
	case res.Err != nil && res.Warn:
		proxywasm.LogWarnf("jwt: provider %q: fetching the %s failed; keeping the last good one and retrying in %s: %v",
			name, document, jwt.FailureRetryInterval, res.Err)
	case res.Err != nil:
		proxywasm.LogDebugf("jwt: provider %q: fetching the %s failed again: %v", name, document, res.Err)
	case res.Recovered:
		proxywasm.LogInfof("jwt: provider %q: fetching the %s works again: version=%d items=%d", name, document, res.Version, res.Items)
	case res.Changed:
		proxywasm.LogInfof("jwt: provider %q: new %s: version=%d items=%d", name, document, res.Version, res.Items)
	}
	if res.Changed {
		f.wake(time.Now(), false)
	}
}

// wake runs the waiting requests again: all of them after new keys, or
// only those past their deadline, which then get the 401.
func (f *jwksFetcher) wake(now time.Time, expiredOnly bool) {
	var ids []uint32
	for id, deadline := range f.waiting {
		if !expiredOnly || !now.Before(deadline) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)

	for _, id := range ids {
		h := f.streams[id]
		delete(f.waiting, id)
		delete(f.streams, id)
		if err := proxywasm.SetEffectiveContext(id); err != nil {
			continue
		}
		action := h.OnHttpRequestHeaders(h.jwks.numHeaders, h.jwks.endOfStream)
		if action == types.ActionContinue {
			if err := proxywasm.ResumeHttpRequest(); err != nil {
				proxywasm.LogErrorf("jwt: resuming a request that waited for keys failed: %v", err)
			}
		}
	}
}

// awaitKeys handles the decisions that depend on the remote key sets: a
// token with an unknown kid triggers a refetch (and a second check when
// another worker already has newer keys), and a request without keys yet
// is paused until its provider's wait_for_first_fetch. It returns true when
// the request must pause.
func (h *httpContext) awaitKeys(request *filter.Request, decision *filter.Decision, numHeaders int, endOfStream bool) bool {
	f := h.jwks.fetcher
	if f == nil || decision.Allow {
		return false
	}
	switch decision.Code {
	case jwt.CodeUnknownKID:
		if f.unknownKID() {
			*decision = h.engine.Check(request)
		}
		return false
	case jwt.CodeKeysUnavailable:
		// Another worker may have fetched the keys since the last tick.
		if f.syncAll() {
			*decision = h.engine.Check(request)
			if decision.Code != jwt.CodeKeysUnavailable {
				return false
			}
		}
		return f.hold(h, numHeaders, endOfStream)
	}
	return false
}

// syncAll takes over the newer key sets of every remote provider.
func (f *jwksFetcher) syncAll() bool {
	changed := false
	for _, s := range f.syncs {
		changed = f.sync(s) || changed
	}
	return changed
}

// unknownKID syncs the providers that missed a kid, and marks them for a
// refetch at the next tick. It returns true when newer keys took effect.
func (f *jwksFetcher) unknownKID() bool {
	changed := false
	for _, s := range f.syncs {
		if !f.verifier.TakeUnknownKID(s.Provider()) {
			continue
		}
		if f.sync(s) {
			changed = true
			continue
		}
		f.refetch[s] = true
	}
	return changed
}

// hold pauses a request whose provider has no key set yet, until keys
// arrive or the provider's wait_for_first_fetch has passed since start.
func (f *jwksFetcher) hold(h *httpContext, numHeaders int, endOfStream bool) bool {
	p := f.verifier.TakeUnavailable()
	if p == nil || len(f.waiting) >= maxWaitingRequests {
		return false
	}
	deadline := f.started.Add(p.Remote.WaitForFirstFetch)
	if !time.Now().Before(deadline) {
		return false
	}
	h.jwks.numHeaders, h.jwks.endOfStream = numHeaders, endOfStream
	f.waiting[h.jwks.id] = deadline
	f.streams[h.jwks.id] = h
	return true
}

// OnHttpStreamDone counts the request's decision, drops a request that
// ended while it waited for keys, and runs a garbage collection when one is
// due (gcBetweenStreams).
func (h *httpContext) OnHttpStreamDone() {
	h.countOutcome()
	defer gcBetweenStreams()
	if f := h.jwks.fetcher; f != nil {
		delete(f.waiting, h.jwks.id)
		delete(f.streams, h.jwks.id)
	}
}
