package jwt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Fetcher fetches one remote document of one provider, a JWKS or a
// revocation list, once for all workers. One Fetcher lives on each worker
// VM; the plugin drives it from ticks and callout responses. It is not
// safe for concurrent use; a VM is single-threaded.
type Fetcher interface {
	// Provider returns the provider whose document the Fetcher fetches.
	Provider() *Provider

	// Document names the document in logs: "JWKS" or "revocation list".
	Document() string

	// Acquire takes the fetch lease when a fetch is due for trigger and no
	// other worker holds the lease. When it returns true, the caller must
	// send Request and then call Complete.
	Acquire(now time.Time, trigger Trigger) (bool, error)

	// Request returns the callout to send next.
	Request() FetchRequest

	// Complete ends the callout of Request with the HTTP status and body
	// of the response, or status 0 when the callout failed before a
	// response. When the result has Next set, the fetch goes on with
	// another Request under the same lease.
	Complete(now time.Time, status int, body []byte) FetchResult

	// Sync takes over a document that another worker published, when it is
	// newer than this VM's, and reports whether it took effect.
	Sync() (changed bool, err error)
}

// FetchRequest is one HTTP callout of a fetch: GET Path on Cluster.
type FetchRequest struct {
	Cluster   string
	Path      string
	Authority string
	Timeout   time.Duration

	// MaxBytes bounds the body that Complete accepts; the plugin does not
	// read a larger one.
	MaxBytes int
}

// FetchResult is the outcome of one callout, for the plugin's log.
type FetchResult struct {
	// Err is the cause of a failed fetch, or nil on success.
	Err error

	// Warn is set on the first failure of a streak, which the plugin logs
	// as a warning. Later failures of the same streak are not logged again.
	Warn bool

	// Next is set when the fetch goes on with another callout, such as the
	// JWKS after its discovery document.
	Next bool

	// Recovered is set on the first success after failures.
	Recovered bool

	// Changed is set when a new document took effect, with Version and
	// Items, its number of keys or revoked IDs.
	Changed bool
	Version uint64
	Items   int
}

// fetchStage is the callout a RemoteSync waits for.
type fetchStage int

const (
	stageJWKS fetchStage = iota
	stageDiscovery
)

// RemoteSync fetches one provider's remote JWKS once for all workers, first
// through its OpenID Connect discovery document when the provider is
// configured so. The published record holds the JWKS path and the key set,
// so that a discovered path is cached with the keys.
type RemoteSync struct {
	sharedFetch
	verifier *Verifier

	// jwksPath is the configured path, or the discovered one; "" when
	// discovery has not succeeded yet.
	jwksPath string
	stage    fetchStage
}

// NewRemoteSync returns the RemoteSync of p, a provider with Remote set,
// whose shared records are named from prefix and p's name.
func NewRemoteSync(v *Verifier, p *Provider, store SharedStore, prefix string) *RemoteSync {
	callouts := 1
	if p.Remote.DiscoveryPath != "" {
		callouts = 2
	}
	return &RemoteSync{
		sharedFetch: sharedFetch{
			store: store, provider: p, document: "JWKS",
			stateKey: prefix + p.Name + ".state", documentKey: prefix + p.Name + ".keys",
			refresh: p.Remote.RefreshInterval, timeout: p.Remote.FetchTimeout, leaseCallouts: callouts,
		},
		verifier: v,
		jwksPath: p.Remote.Path,
	}
}

// Provider returns the provider whose keys s fetches.
func (s *RemoteSync) Provider() *Provider {
	return s.provider
}

// Document returns "JWKS".
func (s *RemoteSync) Document() string {
	return s.document
}

// Acquire takes the fetch lease; see Fetcher. A discovery provider starts
// with the discovery document when it has no JWKS path yet or when the
// previous fetch failed, because a failure may come from a moved jwks_uri.
func (s *RemoteSync) Acquire(now time.Time, trigger Trigger) (bool, error) {
	leased, failing, err := s.acquire(now, trigger)
	if !leased {
		return false, err
	}
	s.stage = stageJWKS
	if s.provider.Remote.DiscoveryPath != "" && (s.jwksPath == "" || failing) {
		s.stage = stageDiscovery
	}
	return true, err
}

// Request returns the callout of the current stage.
func (s *RemoteSync) Request() FetchRequest {
	remote := s.provider.Remote
	req := FetchRequest{
		Cluster: remote.Cluster, Path: s.jwksPath, Authority: remote.Authority,
		Timeout: remote.FetchTimeout, MaxBytes: MaxJWKSBytes,
	}
	if s.stage == stageDiscovery {
		req.Path, req.MaxBytes = remote.DiscoveryPath, MaxDiscoveryBytes
	}
	return req
}

// Complete ends a callout; see Fetcher. A good key set is published for
// every worker and takes effect here. On failure the last good key set
// stays, and the next attempt waits the retry interval.
func (s *RemoteSync) Complete(now time.Time, status int, body []byte) FetchResult {
	req := s.Request()
	if status != 200 {
		document := s.document
		if s.stage == stageDiscovery {
			document = "discovery document"
		}
		return s.fail(now, calloutError(document, req.Cluster, req.Timeout, status, body))
	}
	if s.stage == stageDiscovery {
		return s.discovered(now, body)
	}

	keys, err := ParseRemoteJWKS(s.provider, body)
	if err != nil {
		return s.fail(now, err)
	}
	version, err := s.publish(encodeKeysRecord(s.jwksPath, body), s.verifier.RemoteVersion(s.provider))
	if err != nil {
		return s.fail(now, err)
	}
	res := FetchResult{Version: version, Items: len(keys)}
	res.Changed = s.verifier.SetRemoteKeys(s.provider, keys, version)
	res.Recovered, res.Err = s.succeed(now, version)
	return res
}

// discovered reads the jwks_uri of a discovery document, and goes on with
// the JWKS.
func (s *RemoteSync) discovered(now time.Time, body []byte) FetchResult {
	path, err := ParseDiscovery(s.provider.Issuer, body)
	if err != nil {
		return s.fail(now, err)
	}
	s.jwksPath, s.stage = path, stageJWKS
	return FetchResult{Next: true}
}

// Sync takes over the key set that another worker published, with its
// JWKS path; see Fetcher.
func (s *RemoteSync) Sync() (changed bool, err error) {
	version, record, err := s.shared(s.verifier.RemoteVersion(s.provider))
	if err != nil || record == nil {
		return false, err
	}
	path, body, err := decodeKeysRecord(record)
	if err != nil {
		return false, fmt.Errorf("jwt: the shared key set of provider %q: %w", s.provider.Name, err)
	}
	keys, err := ParseRemoteJWKS(s.provider, body)
	if err != nil {
		return false, fmt.Errorf("jwt: the shared key set of provider %q: %w", s.provider.Name, err)
	}
	s.jwksPath = path
	return s.verifier.SetRemoteKeys(s.provider, keys, version), nil
}

// encodeKeysRecord joins the JWKS path and the key set: a 2-byte length,
// the path, then the key set.
func encodeKeysRecord(path string, body []byte) []byte {
	record := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(path)+len(body)), uint16(len(path)))
	record = append(record, path...)
	return append(record, body...)
}

func decodeKeysRecord(record []byte) (path string, body []byte, err error) {
	if len(record) < 2 || len(record) < 2+int(binary.BigEndian.Uint16(record)) {
		return "", nil, errors.New("truncated record")
	}
	n := 2 + int(binary.BigEndian.Uint16(record))
	return string(record[2:n]), record[n:], nil
}
