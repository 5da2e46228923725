package jwt

import (
	"crypto/rsa"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// NativeVerifier checks an RSA PKCS #1 v1.5 or ECDSA signature outside Go,
// like Envoy's verify_signature foreign function: hash is "sha256",
// "sha384" or "sha512", publicKey a DER SubjectPublicKeyInfo, signature
// PKCS #1 v1.5 or ASN.1 DER ECDSA. It returns an error when the host could
// not run the check, and then the Verifier falls back to Go.
type NativeVerifier func(hash string, publicKey, signature, text []byte) (bool, error)

// Verifier verifies tokens against the providers of one Config. It is safe
// for concurrent use; its cache and remote keys belong to one VM, so use one
// Verifier per VM.
type Verifier struct {
	// mu guards cache, remote and unavailable, so that a Verifier can
	// serve concurrent native callers; inside wasm it is never contended.
	mu sync.Mutex

	cfg    *Config
	now    func() time.Time
	native NativeVerifier
	cache  *cache

	// maxTokenBytes is the largest MaxTokenBytes of every provider.
	maxTokenBytes int

	// remote holds the fetched keys of each provider with a RemoteJWKS.
	remote map[*Provider]*remoteKeys

	// revoked holds the fetched revocation list of each provider with a
	// RevocationList.
	revoked map[*Provider]*revokedIDs

	// unavailable is the provider of the latest ErrKeysUnavailable.
	unavailable *Provider

	// claimHeaders is ClaimHeaderNames(cfg), made once.
	claimHeaders []string

	// identityHeader names the header of Result.IdentityHeaders; "" leaves
	// that field nil.
	identityHeader string

	// token is the Token that Verify parses into, guarded by mu, so that
	// the Token with its member arrays is not allocated per call. No Result
	// references it: the strings of a Result share the decoded segments,
	// which each parse allocates anew. It references the last token until
	// the next Verify, as the cache does.
	token Token

	// headers caches the JOSE headers of verified tokens, guarded by mu.
	headers headerCache

	// der holds the DER form of the ECDSA signature being checked,
	// guarded by mu.
	der [maxECDSASignatureDER]byte
}

// NewVerifier returns a verifier for cfg that reads the time from now. A
// nil native checks every signature in Go.
func NewVerifier(cfg *Config, now func() time.Time, native NativeVerifier) *Verifier {
	v := &Verifier{
		cfg: cfg, now: now, native: native,
		cache:        newCache(cfg.CacheEntries, cfg.CacheBytes),
		claimHeaders: ClaimHeaderNames(cfg),
	}
	for _, p := range cfg.Providers {
		v.maxTokenBytes = max(v.maxTokenBytes, p.MaxTokenBytes)
	}
	v.initRemote()
	return v
}

// SetIdentityHeader makes each Result that Verify returns carry
// IdentityHeaders, with name as the identity header. Call it before the
// first Verify: results already cached keep IdentityHeaders nil.
func (v *Verifier) SetIdentityHeader(name string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.identityHeader = name
}

// ClaimHeaderNames returns the claim headers of every provider, each once.
// The slice is shared: do not modify it.
func (v *Verifier) ClaimHeaderNames() []string {
	return v.claimHeaders
}

// Verify checks token: its form, its provider (selected by iss), its
// signature with a key that fits alg, and its claims. On failure the error
// is one of the *Failure values of this package.
func (v *Verifier) Verify(token string) (*Result, error) {
	v.mu.Lock()
	defer v.mu.Unlock()

	if len(token) > v.maxTokenBytes {
		return nil, ErrTooLarge
	}
	now := v.now()
	if r := v.cache.get(token, now); r != nil {
		return r, nil
	}

	t := &v.token
	if err := t.parse(token, &v.headers); err != nil {
		return nil, err
	}
	p, err := v.provider(t)
	if err != nil {
		return nil, err
	}
	if len(token) > p.MaxTokenBytes {
		return nil, ErrTooLarge
	}
	if err := v.checkSignature(p, t); err != nil {
		return nil, err
	}

	r, err := validateClaims(p, t, now)
	if err != nil {
		return nil, err
	}
	if v.isRevoked(p, r.JTI) {
		return nil, ErrRevoked
	}
	if v.identityHeader != "" {
		if n := 1 + len(r.Headers); n <= len(r.identityArray) {
			r.IdentityHeaders = r.identityArray[:0:n]
		} else {
			r.IdentityHeaders = make([][2]string, 0, n)
		}
		r.IdentityHeaders = append(r.IdentityHeaders, [2]string{v.identityHeader, r.Identity})
		r.IdentityHeaders = append(r.IdentityHeaders, r.Headers...)
	}
	v.cache.put(token, r)
	if !t.headerCached {
		v.headers.add(t.headerSegment, t.Alg, t.KID)
	}
	return r, nil
}

// provider selects the provider whose issuer equals iss exactly.
func (v *Verifier) provider(t *Token) (*Provider, error) {
	iss, ok := t.claims.get("iss")
	if !ok {
		return nil, ErrNoIssuer
	}
	for _, p := range v.cfg.Providers {
		if iss.Type == gjson.String && iss.Str == p.Issuer {
			return p, nil
		}
	}
	return nil, ErrWrongIssuer
}

// checkSignature tries the keys that may have signed t: the keys with its
// kid, or every key when it has none. A kid is only a lookup key; the key
// found must still fit alg.
func (v *Verifier) checkSignature(p *Provider, t *Token) error {
	if !p.allows(t.Alg) {
		return ErrAlgNotAllowed
	}

	keys, ok := v.keysOf(p)
	if !ok {
		return ErrKeysUnavailable
	}
	tried := false
	for _, key := range keys {
		if t.KID != "" && key.ID != t.KID {
			continue
		}
		if !key.Fits(t.Alg) {
			continue
		}
		tried = true
		if v.verifyWith(key, t) {
			return nil
		}
	}

	switch {
	case tried:
		return ErrSignature
	case t.KID != "" && !hasKID(keys, t.KID):
		v.noteUnknownKID(p)
		return ErrUnknownKID
	}
	return ErrAlgKeyMismatch
}

func hasKID(keys []*Key, kid string) bool {
	for _, key := range keys {
		if key.ID == kid {
			return true
		}
	}
	return false
}

// verifyWith checks the signature of t with one key, natively when it can.
func (v *Verifier) verifyWith(key *Key, t *Token) bool {
	if v.native != nil && key.der != nil {
		if ok, handled := v.verifyNative(key, t); handled {
			return ok
		}
	}
	return verifyGo(key, t.Alg, t.input, t.Signature)
}

// verifyNative runs RS* and ES* through the NativeVerifier. handled is false
// for other algorithms and when the host failed, so Go checks instead.
func (v *Verifier) verifyNative(key *Key, t *Token) (ok, handled bool) {
	hash := nativeHash(t.Alg)
	if hash == "" {
		return false, false
	}

	// checkSignature calls this only for a key that Fits t.Alg, so an EC
	// key's esAlg is t.Alg.
	signature := t.Signature
	if key.esAlg != "" {
		der, valid := appendECDSASignatureDER(v.der[:0], esScalarBytes(key.esAlg), signature)
		if !valid {
			return false, true
		}
		signature = der
	} else if _, isRSA := key.public.(*rsa.PublicKey); !isRSA {
		return false, false
	}

	ok, err := v.native(hash, key.der, signature, t.input)
	if err != nil {
		return false, false
	}
	return ok, true
}

func nativeHash(alg string) string {
	switch alg {
	case "RS256", "ES256":
		return "sha256"
	case "RS384", "ES384":
		return "sha384"
	case "RS512":
		return "sha512"
	}
	return ""
}
