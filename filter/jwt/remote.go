package jwt

import (
	"errors"
	"fmt"
	"time"
)

// Defaults and bounds of remote key sets.
const (
	DefaultRefreshInterval   = 10 * time.Minute
	DefaultFetchTimeout      = 5 * time.Second
	DefaultWaitForFirstFetch = 5 * time.Second

	// UnknownKIDRefetchInterval is the least time between two fetches that
	// tokens with an unknown kid trigger for one provider, so that random
	// kids cannot make the filter hammer the key server.
	UnknownKIDRefetchInterval = 30 * time.Second

	// FailureRetryInterval is the time after a failed fetch before the
	// next attempt, unless RefreshInterval is shorter.
	FailureRetryInterval = 10 * time.Second

	// MaxJWKSBytes bounds a fetched key set, which is also copied into
	// shared data.
	MaxJWKSBytes = 256 << 10
)

// CodeKeysUnavailable is the code of a 401 for a token whose provider has
// no key set yet: the first fetch of its remote JWKS has not succeeded.
const CodeKeysUnavailable = "keys_unavailable"

// ErrKeysUnavailable is the failure of Verify for a token whose provider
// fetches its keys remotely and has none yet.
var ErrKeysUnavailable = &Failure{CodeKeysUnavailable, "keys_not_fetched"}

// RemoteJWKS is the location of a provider's JWKS, fetched through an HTTP
// callout. The plugin fetches it, and this package only holds the keys.
type RemoteJWKS struct {
	// Cluster is the upstream cluster of the callout.
	Cluster string

	// Path is the request path of the JWKS, starting with '/'; empty when
	// DiscoveryPath is set.
	Path string

	// DiscoveryPath, when set, is the path of the issuer's OpenID Connect
	// discovery document, whose jwks_uri gives the JWKS path. Both are
	// fetched through Cluster.
	DiscoveryPath string

	// Authority is the :authority of the callout; the cluster name when
	// not configured.
	Authority string

	// RefreshInterval is the time between two fetches of the key set.
	RefreshInterval time.Duration

	// FetchTimeout bounds one fetch.
	FetchTimeout time.Duration

	// WaitForFirstFetch is how long a request is held when no key set has
	// been fetched yet; then it gets a 401 keys_unavailable.
	WaitForFirstFetch time.Duration
}

// remoteKeys are the keys of a remote provider on this VM.
type remoteKeys struct {
	keys    []*Key
	version uint64

	// unknownKID is set when a token named a kid that the keys lack, until
	// TakeUnknownKID reads it.
	unknownKID bool
}

// ParseRemoteJWKS parses a fetched key set for p. Besides the checks of
// ParseJWKS, the set must hold no symmetric key (a secret must never travel
// in a published key set), at most MaxKeys keys, and at least one key
// that fits an algorithm of p, so that a broken set never replaces a good
// one and rejects every token.
func ParseRemoteJWKS(p *Provider, data []byte) ([]*Key, error) {
	if len(data) > MaxJWKSBytes {
		return nil, fmt.Errorf("jwt: the JWKS is %d bytes, more than the maximum of %d", len(data), MaxJWKSBytes)
	}
	keys, err := ParseJWKS(data)
	if err != nil {
		return nil, err
	}
	if len(keys) > MaxKeys {
		return nil, fmt.Errorf("jwt: the JWKS has %d signature keys, more than the maximum of %d", len(keys), MaxKeys)
	}
	for _, key := range keys {
		if _, symmetric := key.public.([]byte); symmetric {
			return nil, errors.New("jwt: invalid JWKS: it contains a symmetric key; a remote JWKS must publish public keys only")
		}
	}
	for _, key := range keys {
		for _, alg := range p.Algorithms {
			if key.Fits(alg) {
				return keys, nil
			}
		}
	}
	return nil, errors.New("jwt: no key of the JWKS fits an algorithm of the provider")
}

// SetRemoteKeys replaces the keys of the remote provider p with version
// and drops the cached tokens of p, which the old keys verified. Versions
// only grow: an older or equal version is ignored and SetRemoteKeys
// returns false.
func (v *Verifier) SetRemoteKeys(p *Provider, keys []*Key, version uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()

	rk := v.remote[p]
	if rk == nil || version <= rk.version {
		return false
	}
	rk.keys, rk.version = keys, version
	v.cache.removeProvider(p)
	return true
}

// RemoteVersion returns the version of p's keys on this VM, 0 before the
// first key set.
func (v *Verifier) RemoteVersion(p *Provider) uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()

	if rk := v.remote[p]; rk != nil {
		return rk.version
	}
	return 0
}

// TakeUnknownKID reports whether a token named a kid that p's remote keys
// lack since the previous call, and clears the report.
func (v *Verifier) TakeUnknownKID(p *Provider) bool {
	v.mu.Lock()
	defer v.mu.Unlock()

	rk := v.remote[p]
	if rk == nil || !rk.unknownKID {
		return false
	}
	rk.unknownKID = false
	return true
}

// TakeUnavailable returns the provider of the latest Verify that failed
// with ErrKeysUnavailable, and clears it; nil when there is none.
func (v *Verifier) TakeUnavailable() *Provider {
	v.mu.Lock()
	defer v.mu.Unlock()

	p := v.unavailable
	v.unavailable = nil
	return p
}

// keysOf returns the keys that verify p's tokens now. ok is false for a
// remote provider without a key set yet.
func (v *Verifier) keysOf(p *Provider) (keys []*Key, ok bool) {
	if p.Remote == nil {
		return p.Keys, true
	}
	rk := v.remote[p]
	if rk == nil || rk.version == 0 {
		v.unavailable = p
		return nil, false
	}
	return rk.keys, true
}

// noteUnknownKID records a miss of a remote provider's keys.
func (v *Verifier) noteUnknownKID(p *Provider) {
	if rk := v.remote[p]; rk != nil {
		rk.unknownKID = true
	}
}

// initRemote prepares the slots of the remote key sets and revocation
// lists of cfg's providers.
func (v *Verifier) initRemote() {
	for _, p := range v.cfg.Providers {
		if p.Remote != nil {
			if v.remote == nil {
				v.remote = map[*Provider]*remoteKeys{}
			}
			v.remote[p] = &remoteKeys{}
		}
		if p.Revocation != nil {
			if v.revoked == nil {
				v.revoked = map[*Provider]*revokedIDs{}
			}
			v.revoked[p] = &revokedIDs{}
		}
	}
}

// Providers returns the providers of the verifier's Config.
func (v *Verifier) Providers() []*Provider {
	return v.cfg.Providers
}
