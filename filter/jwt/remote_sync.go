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

// Trigger is the reason a worker fetches a key set.
type Trigger int

// Triggers of RemoteSync.Acquire.
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

// syncState is the shared record of one provider's fetches.
type syncState struct {
	version      uint64 // version of the published key set, 0 for none
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

// RemoteSync fetches one provider's remote JWKS once for all workers. One
// RemoteSync lives on each worker VM. The workers share two records. The
// fetch state holds a lease that decides which worker fetches, the schedule
// and the version of the key set. The other record holds the raw key set
// with its version, which every worker parses and hands to its Verifier. It is not safe for
// concurrent use; a VM is single-threaded.
type RemoteSync struct {
	provider *Provider
	verifier *Verifier
	store    SharedStore

	stateKey, keysKey string
}

// NewRemoteSync returns the RemoteSync of p, a provider with Remote set,
// whose shared records are named from prefix and p's name.
func NewRemoteSync(v *Verifier, p *Provider, store SharedStore, prefix string) *RemoteSync {
	return &RemoteSync{
		provider: p,
		verifier: v,
		store:    store,
		stateKey: prefix + p.Name + ".state",
		keysKey:  prefix + p.Name + ".keys",
	}
}

// Provider returns the provider whose keys s fetches.
func (s *RemoteSync) Provider() *Provider {
	return s.provider
}

// load reads the fetch state. An absent record is created empty first, so
// that every later update is a real compare-and-swap.
//
// NOTE: two workers that both find the record absent both create it, so
// the second can erase a lease that the first just took. Both then fetch
// once, which costs one extra fetch at start.
func (s *RemoteSync) load() (syncState, uint32, error) {
	value, cas, err := s.store.Get(s.stateKey)
	if err == nil && value == nil {
		if err = s.store.Set(s.stateKey, (&syncState{}).encode(), 0); err == nil {
			value, cas, err = s.store.Get(s.stateKey)
		}
	}
	if err != nil {
		return syncState{}, 0, fmt.Errorf("jwt: reading the fetch state of provider %q: %w", s.provider.Name, err)
	}
	st, err := decodeSyncState(value)
	return st, cas, err
}

// update applies change to the fetch state with compare-and-swap, retrying
// a few times when another worker wrote it meanwhile. change returns false
// to leave the record as it is.
func (s *RemoteSync) update(change func(*syncState) bool) (syncState, bool, error) {
	for range maxCASAttempts {
		st, cas, err := s.load()
		if err != nil {
			return st, false, err
		}
		if !change(&st) {
			return st, false, nil
		}
		err = s.store.Set(s.stateKey, st.encode(), cas)
		if err == nil {
			return st, true, nil
		}
		if !errors.Is(err, ErrCASMismatch) {
			return st, false, fmt.Errorf("jwt: writing the fetch state of provider %q: %w", s.provider.Name, err)
		}
	}
	return syncState{}, false, nil
}

// Acquire takes the fetch lease when a fetch is due for trigger and no
// other worker holds the lease. When it returns true, the caller must
// fetch and then call Complete.
func (s *RemoteSync) Acquire(now time.Time, trigger Trigger) (bool, error) {
	remote := s.provider.Remote
	_, leased, err := s.update(func(st *syncState) bool {
		due := now.UnixNano() >= st.nextFetch
		if trigger == TriggerUnknownKID {
			due = now.UnixNano() >= st.refetchAfter
		}
		if !due || now.UnixNano() < st.leaseUntil {
			return false
		}
		st.leaseUntil = now.Add(remote.FetchTimeout + leaseMargin).UnixNano()
		if trigger == TriggerUnknownKID {
			st.refetchAfter = now.Add(UnknownKIDRefetchInterval).UnixNano()
		}
		return true
	})
	return leased, err
}

// FetchResult is the outcome of one fetch, for the plugin's log.
type FetchResult struct {
	// Err is the cause of a failed fetch, or nil on success.
	Err error

	// Warn is set on the first failure of a streak, which the plugin logs
	// as a warning. Later failures of the same streak are not logged again.
	Warn bool

	// Recovered is set on the first success after failures.
	Recovered bool

	// Changed is set when a new key set took effect, with Version and
	// Keys, its number of keys.
	Changed bool
	Version uint64
	Keys    int
}

// Complete ends a fetch that Acquire allowed, with the HTTP status and body
// of the response, or status 0 when the callout failed. A good key set is
// published for every worker and takes effect here. On failure the last
// good key set stays, and the next attempt waits RetryInterval.
func (s *RemoteSync) Complete(now time.Time, status int, body []byte) FetchResult {
	var keys []*Key
	var err error
	switch {
	case status == 0:
		err = errors.New("jwt: the JWKS callout failed before a response")
	case status != 200:
		err = fmt.Errorf("jwt: the JWKS server returned status %d; expected 200", status)
	default:
		keys, err = ParseRemoteJWKS(s.provider, body)
	}
	if err != nil {
		return s.fail(now, err)
	}

	version, err := s.publish(body)
	if err != nil {
		return s.fail(now, err)
	}
	res := FetchResult{Version: version, Keys: len(keys)}
	res.Changed = s.verifier.SetRemoteKeys(s.provider, keys, version)
	_, _, err = s.update(func(st *syncState) bool {
		res.Recovered = st.failing != 0
		st.version = max(st.version, version)
		st.nextFetch = now.Add(s.provider.Remote.RefreshInterval).UnixNano()
		st.leaseUntil, st.failing = 0, 0
		return true
	})
	res.Err = err
	return res
}

// fail records a failed fetch in the shared state.
func (s *RemoteSync) fail(now time.Time, cause error) FetchResult {
	res := FetchResult{Err: cause}
	_, _, err := s.update(func(st *syncState) bool {
		res.Warn = st.failing == 0
		st.nextFetch = now.Add(s.provider.Remote.RetryInterval()).UnixNano()
		st.leaseUntil, st.failing = 0, 1
		return true
	})
	if err != nil {
		res.Err = errors.Join(cause, err)
	}
	return res
}

// publish stores the raw key set for the other workers and returns its
// version. A key set equal to the published one keeps its version, so that
// a refresh that changes nothing keeps the caches of verified tokens.
func (s *RemoteSync) publish(body []byte) (uint64, error) {
	for range maxCASAttempts {
		value, cas, err := s.store.Get(s.keysKey)
		if err != nil {
			return 0, fmt.Errorf("jwt: reading the shared key set of provider %q: %w", s.provider.Name, err)
		}
		var current uint64
		if len(value) >= 8 {
			current = binary.BigEndian.Uint64(value)
			if bytes.Equal(value[8:], body) {
				return current, nil
			}
		}

		version := max(current, s.verifier.RemoteVersion(s.provider)) + 1
		record := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(body)), version)
		err = s.store.Set(s.keysKey, append(record, body...), cas)
		if err == nil {
			return version, nil
		}
		if !errors.Is(err, ErrCASMismatch) {
			return 0, fmt.Errorf("jwt: writing the shared key set of provider %q: %w", s.provider.Name, err)
		}
	}
	return 0, fmt.Errorf("jwt: writing the shared key set of provider %q: other workers kept changing it", s.provider.Name)
}

// Sync takes over the key set that another worker published, when it is
// newer than this VM's. It reads the small fetch state first and the key
// set only when its version changed. changed reports new keys.
func (s *RemoteSync) Sync() (changed bool, err error) {
	value, _, err := s.store.Get(s.stateKey)
	if err != nil || value == nil {
		return false, err
	}
	st, err := decodeSyncState(value)
	local := s.verifier.RemoteVersion(s.provider)
	if err != nil || st.version <= local {
		return false, err
	}

	value, _, err = s.store.Get(s.keysKey)
	if err != nil || len(value) < 8 {
		return false, err
	}
	version := binary.BigEndian.Uint64(value)
	if version <= local {
		return false, nil
	}
	keys, err := ParseRemoteJWKS(s.provider, value[8:])
	if err != nil {
		return false, fmt.Errorf("jwt: the shared key set of provider %q: %w", s.provider.Name, err)
	}
	return s.verifier.SetRemoteKeys(s.provider, keys, version), nil
}
