package config

import (
	"time"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// keys reads the key list and rejects duplicate ids and duplicate digests.
func (p *parser) keys(path string, v gjson.Result) []apikey.Entry {
	items, ok := p.array(path, v)
	if !ok {
		return nil
	}

	entries := make([]apikey.Entry, 0, len(items))
	idIndex := make(map[string]int, len(items))
	digestOwner := make(map[[32]byte]string, len(items))

	for i, item := range items {
		itemPath := index(path, i)
		entry, idOK, digestOK, valid := p.key(itemPath, item)

		if idOK {
			if first, dup := idIndex[entry.Key.ID]; dup {
				p.fail(child(itemPath, "id"), "duplicate key id; "+index(path, first)+" has the same id", item.Get("id"))
				valid = false
			} else {
				idIndex[entry.Key.ID] = i
			}
		}
		if digestOK {
			if owner, dup := digestOwner[entry.Digest]; dup {
				p.failSecret(child(itemPath, "digest"), "duplicate digest; key "+jsontext.Quote(owner)+" has the same secret")
				valid = false
			} else {
				digestOwner[entry.Digest] = entry.Key.ID
			}
		}

		if valid {
			entries = append(entries, entry)
		}
	}
	return entries
}

// key reads one key. idOK and digestOK report whether the id and the
// digest are valid on their own, so the caller can check them for
// duplicates. valid reports whether the whole key is valid.
func (p *parser) key(path string, v gjson.Result) (entry apikey.Entry, idOK, digestOK, valid bool) {
	entry.Key = &apikey.Key{}
	members, ok := p.fields(path, v, "id", "digest", "tier", "scopes", "not_before", "expires_at", "disabled")
	if !ok {
		return entry, false, false, false
	}
	before := len(p.errs)

	if m, ok := members["id"]; !ok {
		p.failNoValue(child(path, "id"), "missing required field")
	} else if id, ok := p.str(child(path, "id"), m); ok && !isKeyID(id) {
		p.fail(child(path, "id"), "must be 1 to 128 visible ASCII characters, without spaces", m)
	} else if ok {
		entry.Key.ID, idOK = id, true
	}

	if m, ok := members["digest"]; !ok {
		p.failNoValue(child(path, "digest"), "missing required field")
	} else {
		entry.Digest, digestOK = p.digest(child(path, "digest"), m)
	}

	if m, ok := members["tier"]; ok {
		if tier, ok := p.str(child(path, "tier"), m); ok && !isName(tier) {
			p.fail(child(path, "tier"), "must be 1 to 64 letters, digits, '-' or '_'", m)
		} else {
			entry.Key.Tier = tier
		}
	}
	if m, ok := members["scopes"]; ok {
		entry.Key.Scopes = p.scopes(child(path, "scopes"), m)
	}
	if m, ok := members["disabled"]; ok {
		entry.Key.Disabled, _ = p.boolean(child(path, "disabled"), m)
	}
	p.validity(path, members, entry.Key)

	return entry, idOK, digestOK, len(p.errs) == before
}

// validity reads not_before and expires_at, which must be RFC 3339
// timestamps in that order.
func (p *parser) validity(path string, members map[string]gjson.Result, key *apikey.Key) {
	notBefore, hasStart := p.timestamp(child(path, "not_before"), members["not_before"])
	expiresAt, hasEnd := p.timestamp(child(path, "expires_at"), members["expires_at"])

	if hasStart && hasEnd && !notBefore.Before(expiresAt) {
		p.fail(child(path, "expires_at"), "must be later than not_before, which is "+jsontext.Quote(members["not_before"].Str), members["expires_at"])
		return
	}
	key.NotBefore = notBefore
	key.ExpiresAt = expiresAt
}

// timestamp reads an optional RFC 3339 timestamp; ok is false when it is
// absent or invalid.
func (p *parser) timestamp(path string, v gjson.Result) (t time.Time, ok bool) {
	if !v.Exists() {
		return time.Time{}, false
	}
	s, ok := p.str(path, v)
	if !ok {
		return time.Time{}, false
	}

	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		p.fail(path, `must be an RFC 3339 timestamp such as "2026-01-31T00:00:00Z"`, v)
		return time.Time{}, false
	}
	return t, true
}
