package apikey

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"
)

// Hash is the function that turns an API key into the digest the store
// holds.
type Hash uint8

const (
	// HashSHA256 is the plain SHA-256 of the key.
	HashSHA256 Hash = iota

	// HashHMACSHA256 is HMAC-SHA-256 of the key with a secret pepper as the
	// HMAC key (RFC 2104). A leaked digest list is then useless without the
	// pepper.
	HashHMACSHA256
)

// String returns the configuration name of the hash: "sha256" or
// "hmac-sha256".
func (h Hash) String() string {
	switch h {
	case HashSHA256:
		return "sha256"
	case HashHMACSHA256:
		return "hmac-sha256"
	}
	return "unknown"
}

// Digest returns the digest of credential under hash. pepper is the HMAC key
// and is ignored for HashSHA256.
func Digest(hash Hash, pepper []byte, credential string) [32]byte {
	if hash == HashSHA256 {
		return sha256.Sum256([]byte(credential))
	}

	var sum [32]byte
	mac := hmac.New(sha256.New, pepper)
	_, _ = io.WriteString(mac, credential) // A hash.Hash never returns an error.
	mac.Sum(sum[:0])
	return sum
}

// Key is one configured API key, without its secret. Its fields must not
// change once the key is in a Store.
type Key struct {
	// ID identifies the key in logs and in the identity header.
	ID string

	// Tier names the key's service tier; it may be empty.
	Tier string

	// Scopes lists the scopes the key holds.
	Scopes []string

	// NotBefore is the first instant the key is valid; zero means no bound.
	NotBefore time.Time

	// ExpiresAt is the first instant the key is no longer valid; zero means
	// no bound.
	ExpiresAt time.Time

	// Disabled rejects the key whatever its validity period.
	Disabled bool
}

// Status is the state of a known key at a given instant.
type Status uint8

const (
	// StatusValid means the key may be used.
	StatusValid Status = iota
	// StatusDisabled means the configuration disables the key.
	StatusDisabled
	// StatusExpired means the instant is at or after ExpiresAt.
	StatusExpired
	// StatusNotYetValid means the instant is before NotBefore.
	StatusNotYetValid
)

// String returns the name of the status used in debug logs: "valid",
// "disabled", "expired" or "not_yet_valid".
func (s Status) String() string {
	switch s {
	case StatusValid:
		return "valid"
	case StatusDisabled:
		return "disabled"
	case StatusExpired:
		return "expired"
	case StatusNotYetValid:
		return "not_yet_valid"
	}
	return "unknown"
}

// HasValidityPeriod reports whether the key has a NotBefore or ExpiresAt
// bound, so callers can skip reading the clock for keys without one.
func (k *Key) HasValidityPeriod() bool {
	return !k.NotBefore.IsZero() || !k.ExpiresAt.IsZero()
}

// StatusAt returns the status of the key at now. A disabled key is
// StatusDisabled whatever now is.
func (k *Key) StatusAt(now time.Time) Status {
	switch {
	case k.Disabled:
		return StatusDisabled
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return StatusExpired
	case !k.NotBefore.IsZero() && now.Before(k.NotBefore):
		return StatusNotYetValid
	}
	return StatusValid
}

// HasScopes reports whether the key holds every scope in required.
func (k *Key) HasScopes(required []string) bool {
	for _, scope := range required {
		if !k.hasScope(scope) {
			return false
		}
	}
	return true
}

// MissingScopes returns the scopes of required that the key does not hold,
// in the order of required.
func (k *Key) MissingScopes(required []string) []string {
	var missing []string
	for _, scope := range required {
		if !k.hasScope(scope) {
			missing = append(missing, scope)
		}
	}
	return missing
}

func (k *Key) hasScope(scope string) bool {
	for _, held := range k.Scopes {
		if held == scope {
			return true
		}
	}
	return false
}

// Entry pairs a key with the digest of its secret, for NewStore.
type Entry struct {
	Digest [32]byte
	Key    *Key
}

// ErrDuplicateDigest is returned by NewStore when two entries share a
// digest, which means two key ids were given the same secret.
var ErrDuplicateDigest = errors.New("apikey: two keys have the same digest")

// Store maps key digests to keys. It is immutable and safe for concurrent
// use. Its String and GoString methods print only the number of keys, so
// formatting a Store never reveals the pepper or a digest.
type Store struct {
	byDigest map[[32]byte]*Key
	keys     []*Key

	// digest hides the pepper inside a closure, out of reach of fmt.
	digest func(credential string) [32]byte
}

// NewStore returns a store of entries whose digests were computed with hash
// and pepper. It copies pepper. It returns an error wrapping
// ErrDuplicateDigest, with the ids of both keys, when two entries share a
// digest.
func NewStore(hash Hash, pepper []byte, entries []Entry) (*Store, error) {
	s := &Store{
		byDigest: make(map[[32]byte]*Key, len(entries)),
		keys:     make([]*Key, 0, len(entries)),
	}

	for _, e := range entries {
		if other, ok := s.byDigest[e.Digest]; ok {
			return nil, fmt.Errorf("%w: key %q and key %q", ErrDuplicateDigest, other.ID, e.Key.ID)
		}
		s.byDigest[e.Digest] = e.Key
		s.keys = append(s.keys, e.Key)
	}

	if hash == HashSHA256 {
		s.digest = func(credential string) [32]byte {
			return sha256.Sum256([]byte(credential))
		}
		return s, nil
	}

	secret := append([]byte(nil), pepper...)
	s.digest = func(credential string) [32]byte {
		return Digest(HashHMACSHA256, secret, credential)
	}
	return s, nil
}

// Lookup returns the key whose digest matches credential, or nil when there
// is none. It does not check the key's status.
func (s *Store) Lookup(credential string) *Key {
	return s.byDigest[s.digest(credential)]
}

// Keys returns the keys in the order they were given to NewStore. The caller
// must not modify them.
func (s *Store) Keys() []*Key {
	return s.keys
}

// Len returns the number of keys.
func (s *Store) Len() int {
	return len(s.keys)
}

// String describes the store without revealing digests or the pepper.
func (s *Store) String() string {
	return fmt.Sprintf("apikey.Store{%d keys}", len(s.keys))
}

// GoString is String for the %#v verb.
func (s *Store) GoString() string {
	return s.String()
}
