package jwt

import (
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
)

// Defaults and bounds of fetched revocation lists.
const (
	DefaultRevocationRefresh = time.Minute
	DefaultMaxRevokedIDs     = 10_000

	// MaxRevokedIDBytes bounds one jti of a fetched list.
	MaxRevokedIDBytes = 256

	// MaxRevocationListBytes bounds a fetched list, which is also copied
	// into shared data.
	MaxRevocationListBytes = 1 << 20
)

// RevocationList is the location of a provider's list of revoked jti
// values, fetched through an HTTP callout and merged with RevokedIDs.
type RevocationList struct {
	// Cluster is the upstream cluster of the callout.
	Cluster string

	// Path is the request path, starting with '/'.
	Path string

	// Authority is the :authority of the callout.
	Authority string

	// RefreshInterval is the time between two fetches.
	RefreshInterval time.Duration

	// FetchTimeout bounds one fetch.
	FetchTimeout time.Duration

	// MaxEntries bounds the list; a longer one is a failed fetch.
	MaxEntries int
}

// ParseRevocationList parses a fetched revocation list: a JSON array of jti
// strings, or an object whose "jti" member is that array (other members
// are ignored). Each jti is 1 to MaxRevokedIDBytes bytes, and the list has
// at most maxEntries distinct values.
func ParseRevocationList(data []byte, maxEntries int) (map[string]struct{}, error) {
	if len(data) > MaxRevocationListBytes {
		return nil, fmt.Errorf("jwt: the revocation list is %d bytes, more than the maximum of %d", len(data), MaxRevocationListBytes)
	}
	if !gjson.ValidBytes(data) {
		return nil, errors.New("jwt: the revocation list is not valid JSON; expected an array of jti strings or {\"jti\": [...]}")
	}
	list := gjson.ParseBytes(data)
	if list.IsObject() {
		list = list.Get("jti")
	}
	if !list.IsArray() {
		return nil, errors.New("jwt: the revocation list is neither an array of jti strings nor an object with a \"jti\" array")
	}

	ids := map[string]struct{}{}
	var err error
	list.ForEach(func(_, item gjson.Result) bool {
		_, seen := ids[item.Str]
		switch {
		case item.Type != gjson.String || item.Str == "" || len(item.Str) > MaxRevokedIDBytes:
			err = fmt.Errorf("jwt: the revocation list has an entry that is not a string of 1 to %d bytes", MaxRevokedIDBytes)
		case seen:
		case len(ids) >= maxEntries:
			err = fmt.Errorf("jwt: the revocation list has more than the maximum of %d entries (max_entries)", maxEntries)
		default:
			ids[item.Str] = struct{}{}
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// revokedIDs is the fetched revocation list of a provider on this VM.
type revokedIDs struct {
	ids     map[string]struct{}
	version uint64
}

// SetRevokedIDs replaces the fetched revocation list of p with version and
// drops the cached tokens of p, which may hold a newly revoked one.
// Versions only grow: an older or equal version is ignored and
// SetRevokedIDs returns false.
func (v *Verifier) SetRevokedIDs(p *Provider, ids map[string]struct{}, version uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()

	rl := v.revoked[p]
	if rl == nil || version <= rl.version {
		return false
	}
	rl.ids, rl.version = ids, version
	v.cache.removeProvider(p)
	return true
}

// RevokedVersion returns the version of p's fetched revocation list on this
// VM, 0 before the first list.
func (v *Verifier) RevokedVersion(p *Provider) uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()

	if rl := v.revoked[p]; rl != nil {
		return rl.version
	}
	return 0
}

// isRevoked reports whether the fetched list of p holds jti. The
// configured RevokedIDs are checked with the claims.
func (v *Verifier) isRevoked(p *Provider, jti string) bool {
	rl := v.revoked[p]
	if rl == nil || jti == "" {
		return false
	}
	_, revoked := rl.ids[jti]
	return revoked
}

// RevocationSync fetches one provider's revocation list once for all
// workers, like RemoteSync does for key sets.
type RevocationSync struct {
	sharedFetch
	verifier *Verifier
}

// NewRevocationSync returns the RevocationSync of p, a provider with
// Revocation set, whose shared records are named from prefix and p's name.
func NewRevocationSync(v *Verifier, p *Provider, store SharedStore, prefix string) *RevocationSync {
	return &RevocationSync{
		sharedFetch: sharedFetch{
			store: store, provider: p, document: "revocation list",
			stateKey: prefix + p.Name + ".revoked.state", documentKey: prefix + p.Name + ".revoked",
			refresh: p.Revocation.RefreshInterval, timeout: p.Revocation.FetchTimeout, leaseCallouts: 1,
		},
		verifier: v,
	}
}

// Provider returns the provider whose list s fetches.
func (s *RevocationSync) Provider() *Provider {
	return s.provider
}

// Document returns "revocation list".
func (s *RevocationSync) Document() string {
	return s.document
}

// Acquire takes the fetch lease; see Fetcher. Only TriggerSchedule fetches
// a revocation list.
func (s *RevocationSync) Acquire(now time.Time, trigger Trigger) (bool, error) {
	if trigger != TriggerSchedule {
		return false, nil
	}
	leased, _, err := s.acquire(now, trigger)
	return leased, err
}

// Request returns the callout of the list.
func (s *RevocationSync) Request() FetchRequest {
	r := s.provider.Revocation
	return FetchRequest{
		Cluster: r.Cluster, Path: r.Path, Authority: r.Authority,
		Timeout: r.FetchTimeout, MaxBytes: MaxRevocationListBytes,
	}
}

// Complete ends the callout; see Fetcher. On failure the last good list
// stays in use.
func (s *RevocationSync) Complete(now time.Time, status int, body []byte) FetchResult {
	r := s.provider.Revocation
	if status != 200 {
		return s.fail(now, calloutError(s.document, r.Cluster, r.FetchTimeout, status, body))
	}
	ids, err := ParseRevocationList(body, r.MaxEntries)
	if err != nil {
		return s.fail(now, err)
	}
	version, err := s.publish(body, s.verifier.RevokedVersion(s.provider))
	if err != nil {
		return s.fail(now, err)
	}

	res := FetchResult{Version: version, Items: len(ids)}
	res.Changed = s.verifier.SetRevokedIDs(s.provider, ids, version)
	res.Recovered, res.Err = s.succeed(now, version)
	return res
}

// Sync takes over the list that another worker published; see Fetcher.
func (s *RevocationSync) Sync() (bool, error) {
	version, body, err := s.shared(s.verifier.RevokedVersion(s.provider))
	if err != nil || body == nil {
		return false, err
	}
	ids, err := ParseRevocationList(body, s.provider.Revocation.MaxEntries)
	if err != nil {
		return false, fmt.Errorf("jwt: the shared revocation list of provider %q: %w", s.provider.Name, err)
	}
	return s.verifier.SetRevokedIDs(s.provider, ids, version), nil
}
