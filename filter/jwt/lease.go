package jwt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// SharedStore is the key-value store that the proxy's workers share, with
// compare-and-swap on a version number (proxy_get_shared_data and
// proxy_set_shared_data).
type SharedStore interface {
	// Get returns the value of key and its CAS number; a nil value and CAS
	// 0 when key is absent.
	Get(key string) (value []byte, cas uint32, err error)

	// Set stores value when the CAS number of key is still cas; cas 0
	// stores it unconditionally. A mismatch returns ErrCASMismatch.
	Set(key string, value []byte, cas uint32) error
}

// ErrCASMismatch is the error of SharedStore.Set when another worker
// changed the value since it was read.
var ErrCASMismatch = errors.New("jwt: shared data changed meanwhile (CAS mismatch)")

// Trigger is the reason a worker fetches a remote document.
type Trigger int

// Triggers of Fetcher.Acquire.
const (
	// TriggerSchedule fetches when the refresh interval, or the retry
	// interval after a failure, has passed.
	TriggerSchedule Trigger = iota

	// TriggerUnknownKID fetches because a token named an unknown kid, at
	// most once per UnknownKIDRefetchInterval.
	TriggerUnknownKID
)

// leaseMargin is added to the fetch timeout, so that a lease outlives the
// callout that it covers.
const leaseMargin = time.Second

// maxCASAttempts bounds the retries of a shared-data update.
const maxCASAttempts = 4

// syncState is the shared record of one remote document's fetches.
type syncState struct {
	version      uint64 // version of the published document, 0 for none
	nextFetch    int64  // Unix ns from when a scheduled fetch is due
	leaseUntil   int64  // Unix ns until which a worker holds the fetch
	refetchAfter int64  // Unix ns from when an unknown kid may refetch
	failing      uint64 // 1 while fetches fail, since the last success
}

const syncStateBytes = 40

func (st *syncState) encode() []byte {
	b := make([]byte, 0, syncStateBytes)
	b = binary.BigEndian.AppendUint64(b, st.version)
	b = binary.BigEndian.AppendUint64(b, uint64(st.nextFetch))
	b = binary.BigEndian.AppendUint64(b, uint64(st.leaseUntil))
	b = binary.BigEndian.AppendUint64(b, uint64(st.refetchAfter))
	return binary.BigEndian.AppendUint64(b, st.failing)
}

func decodeSyncState(b []byte) (syncState, error) {
	if len(b) != syncStateBytes {
		return syncState{}, fmt.Errorf("jwt: shared fetch state has %d bytes, want %d", len(b), syncStateBytes)
	}
	return syncState{
		version:      binary.BigEndian.Uint64(b[0:]),
		nextFetch:    int64(binary.BigEndian.Uint64(b[8:])),
		leaseUntil:   int64(binary.BigEndian.Uint64(b[16:])),
		refetchAfter: int64(binary.BigEndian.Uint64(b[24:])),
		failing:      binary.BigEndian.Uint64(b[32:]),
	}, nil
}

// sharedFetch is the schedule of one remote document of one provider,
// which the workers fetch once for all. The workers share two records. The
// fetch state holds the lease that decides which worker fetches, the
// schedule and the document's version. The other record holds the document
// with its version, which every worker reads and applies.
type sharedFetch struct {
	store    SharedStore
	provider *Provider
	document string // "JWKS" or "revocation list", for errors

	stateKey, documentKey string
	refresh, timeout      time.Duration

	// leaseCallouts is the number of callouts one fetch may make in a row.
	leaseCallouts int
}

// retryInterval is the time after a failed fetch before the next one.
func (f *sharedFetch) retryInterval() time.Duration {
	return min(f.refresh, FailureRetryInterval)
}

// load reads the fetch state. An absent record is created empty first, so
// that every later update is a real compare-and-swap.
//
// NOTE: two workers that both find the record absent both create it, so
// the second can erase a lease that the first just took. Both then fetch
// once, which costs one extra fetch at start.
func (f *sharedFetch) load() (syncState, uint32, error) {
	value, cas, err := f.store.Get(f.stateKey)
	if err == nil && value == nil {
		if err = f.store.Set(f.stateKey, (&syncState{}).encode(), 0); err == nil {
			value, cas, err = f.store.Get(f.stateKey)
		}
	}
	if err != nil {
		return syncState{}, 0, fmt.Errorf("jwt: reading the %s fetch state of provider %q: %w", f.document, f.provider.Name, err)
	}
	st, err := decodeSyncState(value)
	return st, cas, err
}

// update applies change to the fetch state with compare-and-swap, retrying
// a few times when another worker wrote it meanwhile. change returns false
// to leave the record as it is.
func (f *sharedFetch) update(change func(*syncState) bool) (syncState, bool, error) {
	for range maxCASAttempts {
		st, cas, err := f.load()
		if err != nil {
			return st, false, err
		}
		if !change(&st) {
			return st, false, nil
		}
		err = f.store.Set(f.stateKey, st.encode(), cas)
		if err == nil {
			return st, true, nil
		}
		if !errors.Is(err, ErrCASMismatch) {
			return st, false, fmt.Errorf("jwt: writing the %s fetch state of provider %q: %w", f.document, f.provider.Name, err)
		}
	}
	return syncState{}, false, nil
}

// acquire takes the fetch lease when a fetch is due for trigger and no
// other worker holds the lease. failing reports whether the previous fetch
// failed.
func (f *sharedFetch) acquire(now time.Time, trigger Trigger) (leased, failing bool, err error) {
	lease := time.Duration(max(f.leaseCallouts, 1))*f.timeout + leaseMargin
	st, leased, err := f.update(func(st *syncState) bool {
		due := now.UnixNano() >= st.nextFetch
		if trigger == TriggerUnknownKID {
			due = now.UnixNano() >= st.refetchAfter
		}
		if !due || now.UnixNano() < st.leaseUntil {
			return false
		}
		st.leaseUntil = now.Add(lease).UnixNano()
		if trigger == TriggerUnknownKID {
			st.refetchAfter = now.Add(UnknownKIDRefetchInterval).UnixNano()
		}
		return true
	})
	return leased, st.failing != 0, err
}

// succeed records a fetch that published version, and returns whether it
// ends a streak of failures.
func (f *sharedFetch) succeed(now time.Time, version uint64) (recovered bool, err error) {
	_, _, err = f.update(func(st *syncState) bool {
		recovered = st.failing != 0
		st.version = max(st.version, version)
		st.nextFetch = now.Add(f.refresh).UnixNano()
		st.leaseUntil, st.failing = 0, 0
		return true
	})
	return recovered, err
}

// fail records a failed fetch in the shared state.
func (f *sharedFetch) fail(now time.Time, cause error) FetchResult {
	res := FetchResult{Err: cause}
	_, _, err := f.update(func(st *syncState) bool {
		res.Warn = st.failing == 0
		st.nextFetch = now.Add(f.retryInterval()).UnixNano()
		st.leaseUntil, st.failing = 0, 1
		return true
	})
	if err != nil {
		res.Err = errors.Join(cause, err)
	}
	return res
}

// publish stores a document for the other workers and returns its version.
// A document equal to the published one keeps its version, so that a
// refresh that changes nothing keeps the caches of verified tokens. local
// is the version that this VM applied last.
func (f *sharedFetch) publish(document []byte, local uint64) (uint64, error) {
	for range maxCASAttempts {
		value, cas, err := f.store.Get(f.documentKey)
		if err != nil {
			return 0, fmt.Errorf("jwt: reading the shared %s of provider %q: %w", f.document, f.provider.Name, err)
		}
		var current uint64
		if len(value) >= 8 {
			current = binary.BigEndian.Uint64(value)
			if bytes.Equal(value[8:], document) {
				return current, nil
			}
		}

		version := max(current, local) + 1
		record := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(document)), version)
		err = f.store.Set(f.documentKey, append(record, document...), cas)
		if err == nil {
			return version, nil
		}
		if !errors.Is(err, ErrCASMismatch) {
			return 0, fmt.Errorf("jwt: writing the shared %s of provider %q: %w", f.document, f.provider.Name, err)
		}
	}
	return 0, fmt.Errorf("jwt: writing the shared %s of provider %q: other workers kept changing it", f.document, f.provider.Name)
}

// shared returns the published document when it is newer than local. It
// reads the small fetch state first and the document only when its version
// changed; a nil document means nothing newer.
func (f *sharedFetch) shared(local uint64) (version uint64, document []byte, err error) {
	value, _, err := f.store.Get(f.stateKey)
	if err != nil || value == nil {
		return 0, nil, err
	}
	st, err := decodeSyncState(value)
	if err != nil || st.version <= local {
		return 0, nil, err
	}

	value, _, err = f.store.Get(f.documentKey)
	if err != nil || len(value) < 8 {
		return 0, nil, err
	}
	version = binary.BigEndian.Uint64(value)
	if version <= local {
		return 0, nil, nil
	}
	return version, value[8:], nil
}

// calloutError describes a failed callout for a document: Envoy answers a
// callout that timed out with its own 504 "upstream request timeout", and
// one whose connection failed with a 503 whose body starts with "upstream
// connect error", so those are told apart from the server's own statuses.
func calloutError(document string, cluster string, timeout time.Duration, status int, body []byte) error {
	switch {
	case status == 0:
		return fmt.Errorf("jwt: the %s callout to cluster %q was reset before a response", document, cluster)
	case status == 504 && string(body) == "upstream request timeout":
		return fmt.Errorf("jwt: the %s callout to cluster %q timed out after %s; raise fetch_timeout if the server is slow", document, cluster, timeout)
	case status == 503 && bytes.HasPrefix(body, []byte("upstream connect error")):
		return fmt.Errorf("jwt: the %s callout could not connect to cluster %q (status 503 from the proxy); check the cluster's address", document, cluster)
	case status == 503 && string(body) == "no healthy upstream":
		return fmt.Errorf("jwt: cluster %q has no healthy host for the %s callout (status 503 from the proxy)", cluster, document)
	}
	return fmt.Errorf("jwt: the %s server returned status %d; expected 200", document, status)
}
