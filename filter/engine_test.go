package filter

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/config"
)

// Test keys. Each contains "SECRET", which no decision may contain.
const (
	demoKey   = "demo-SECRET-0123456789"
	adminKey  = "admin-SECRET-0123456789"
	oldKey    = "old-SECRET-0123456789"
	futureKey = "future-SECRET-0123456789"
	offKey    = "off-SECRET-0123456789"
	unusedKey = "unknown-SECRET-0123456789"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func sha(key string) string {
	d := apikey.Digest(apikey.HashSHA256, nil, key)
	return hex.EncodeToString(d[:])
}

// testConfig returns a configuration with every source, five keys and four
// routes. extra is inserted at the top level, such as `"failure_policy":
// "fail_open",`.
func testConfig(extra string) string {
	return `{` + extra + `
  "identity_header": "x-client-id",
  "api_keys": {
    "sources": [
      {"header": "x-api-key"},
      {"header": "authorization", "prefix": "ApiKey "},
      {"query": "api_key"},
      {"cookie": "api_key"}
    ],
    "max_key_length": 32,
    "keys": [
      {"id": "demo", "digest": "` + sha(demoKey) + `", "tier": "free", "scopes": ["read"]},
      {"id": "admin", "digest": "` + sha(adminKey) + `", "tier": "gold", "scopes": ["read", "admin"]},
      {"id": "old", "digest": "` + sha(oldKey) + `", "scopes": ["read"], "expires_at": "2026-01-01T00:00:00Z"},
      {"id": "future", "digest": "` + sha(futureKey) + `", "scopes": ["read"], "not_before": "2027-01-01T00:00:00Z"},
      {"id": "off", "digest": "` + sha(offKey) + `", "scopes": ["read"], "disabled": true}
    ]
  },
  "routes": [
    {"name": "health", "match": {"path": "/healthz"}, "methods": ["GET", "HEAD"], "auth": "none"},
    {"name": "admin", "match": {"prefix": "/admin/"}, "scopes": ["admin", "audit"]},
    {"name": "items", "match": {"regex": "^/v[0-9]+/items$"}},
    {"name": "public", "match": {"prefix": "/public/"}, "auth": "none"}
  ],
  "default_route": {"auth": "api_key", "scopes": ["read"]}
}`
}

func newTestEngine(t testing.TB, doc string) *Engine {
	t.Helper()
	cfg, err := config.Parse([]byte(doc))
	require.NoError(t, err)
	return New(cfg, WithClock(func() time.Time { return testNow }))
}

func get(path string, headers ...[2]string) *Request {
	return &Request{Method: "GET", Path: path, Headers: headers}
}

func header(name, value string) [2]string {
	return [2]string{name, value}
}

// Bodies of the replies, pinned byte for byte.
const (
	bodyMissing     = `{"code":"missing_credential","message":"An API key is required."}`
	bodyInvalid     = `{"code":"invalid_credential","message":"The API key is not valid."}`
	bodyMultiple    = `{"code":"multiple_credentials","message":"The request contains more than one API key."}`
	bodyScope       = `{"code":"insufficient_scope","message":"The API key does not grant the required scopes: admin, audit."}`
	bodyBadPath     = `{"code":"malformed_request","message":"The request path is malformed."}`
	bodyTooLong     = `{"code":"malformed_request","message":"The API key is longer than the maximum of 32 bytes."}`
	bodyCharacters  = `{"code":"malformed_request","message":"The API key contains characters other than visible ASCII."}`
	bodyEncoding    = `{"code":"malformed_request","message":"The API key has invalid percent-encoding."}`
	bodyEncodedDash = `{"code":"malformed_request","message":"The request path contains an encoded slash, which is not allowed."}`
)

func TestCheckDenials(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))

	tests := []struct {
		name   string
		req    *Request
		status int
		code   string
		body   string
		reason string
		route  string
	}{
		{"no key", get("/v1/orders"), 401, CodeMissingCredential, bodyMissing, ReasonNoCredential, ""},
		{"empty key header", get("/v1/orders", header("x-api-key", "")), 401, CodeMissingCredential, bodyMissing, ReasonNoCredential, ""},
		{"other authorization scheme", get("/v1/items", header("authorization", "Bearer abc")), 401, CodeMissingCredential, bodyMissing, ReasonNoCredential, "items"},
		{"unknown key", get("/v1/items", header("x-api-key", unusedKey)), 401, CodeInvalidCredential, bodyInvalid, ReasonUnknownKey, "items"},
		{"expired key", get("/v1/items", header("x-api-key", oldKey)), 401, CodeInvalidCredential, bodyInvalid, ReasonExpiredKey, "items"},
		{"key not yet valid", get("/v1/items", header("x-api-key", futureKey)), 401, CodeInvalidCredential, bodyInvalid, ReasonNotYetValidKey, "items"},
		{"disabled key", get("/v1/items", header("x-api-key", offKey)), 401, CodeInvalidCredential, bodyInvalid, ReasonDisabledKey, "items"},
		{"two different keys in one header", get("/v1/items", header("x-api-key", demoKey), header("x-api-key", adminKey)), 401, CodeMultipleCredentials, bodyMultiple, ReasonDifferentCredentials, "items"},
		{"two different keys in two sources", get("/v1/items?api_key="+adminKey, header("x-api-key", demoKey)), 401, CodeMultipleCredentials, bodyMultiple, ReasonDifferentCredentials, "items"},
		{"valid and unknown key", get("/v1/items", header("x-api-key", demoKey), header("cookie", "api_key="+unusedKey)), 401, CodeMultipleCredentials, bodyMultiple, ReasonDifferentCredentials, "items"},
		{"missing scopes", get("/admin/users", header("x-api-key", demoKey)), 403, CodeInsufficientScope, bodyScope, ReasonMissingScope, "admin"},
		{"oversized key", get("/v1/items", header("x-api-key", strings.Repeat("k", 33))), 400, CodeMalformedRequest, bodyTooLong, ReasonCredentialTooLong, "items"},
		{"space in query key", get("/v1/items?api_key=demo+SECRET"), 400, CodeMalformedRequest, bodyCharacters, ReasonCredentialCharacters, "items"},
		{"non-ASCII key", get("/v1/items", header("x-api-key", "d\xc3\xa9mo")), 400, CodeMalformedRequest, bodyCharacters, ReasonCredentialCharacters, "items"},
		{"control character in key", get("/v1/items", header("x-api-key", "demo\x01")), 400, CodeMalformedRequest, bodyCharacters, ReasonCredentialCharacters, "items"},
		{"invalid query escape", get("/v1/items?api_key=%zz"), 400, CodeMalformedRequest, bodyEncoding, ReasonCredentialEncoding, "items"},
		{"invalid path escape", get("/v1/%zz", header("x-api-key", demoKey)), 400, CodeMalformedRequest, bodyBadPath, ReasonPathInvalidEncoding, ""},
		{"encoded nul in path", get("/healthz%00"), 400, CodeMalformedRequest, bodyBadPath, ReasonPathEncodedControl, ""},
		{"raw space in path", get("/a b"), 400, CodeMalformedRequest, bodyBadPath, ReasonPathInvalidCharacter, ""},
		{"asterisk target", &Request{Method: "OPTIONS", Path: "*"}, 400, CodeMalformedRequest, bodyBadPath, ReasonPathNotAbsolute, ""},
		{"empty path", &Request{Method: "GET"}, 400, CodeMalformedRequest, bodyBadPath, ReasonPathNotAbsolute, ""},
		{"public path with other method", &Request{Method: "POST", Path: "/healthz"}, 401, CodeMissingCredential, bodyMissing, ReasonNoCredential, ""},
		{"dot segments leave public prefix", get("/public/../admin/users"), 401, CodeMissingCredential, bodyMissing, ReasonNoCredential, "admin"},
		{"encoded dot segments leave public prefix", get("/public/%2e%2E/v1/items"), 401, CodeMissingCredential, bodyMissing, ReasonNoCredential, "items"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := engine.Check(tc.req)

			require.False(t, d.Allow)
			require.Equal(t, tc.status, d.Status)
			require.Equal(t, tc.code, d.Code)
			require.Equal(t, tc.body, string(d.Body))
			require.Equal(t, tc.reason, d.Reason)
			require.Equal(t, tc.route, d.Route)
			require.Contains(t, d.ReplyHeaders, header("content-type", "application/json"))
			if tc.status == 401 {
				require.Contains(t, d.ReplyHeaders, header("www-authenticate", `ApiKey realm="bulwark"`))
			} else {
				require.Len(t, d.ReplyHeaders, 1)
			}
			require.Empty(t, d.RemoveHeaders)
			require.Empty(t, d.SetHeaders)
			require.Empty(t, d.NewPath)
		})
	}
}

// An unknown, expired, not yet valid or disabled key gets the same reply,
// so a client cannot learn which keys exist.
func TestCheckInvalidKeyRepliesAreIdentical(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))

	var first Decision
	for i, key := range []string{unusedKey, oldKey, futureKey, offKey} {
		req := get("/v1/items", header("x-api-key", key))
		req.RequestID = "req-7"
		d := engine.Check(req)

		require.Equal(t, `{"code":"invalid_credential","message":"The API key is not valid.","request_id":"req-7"}`, string(d.Body))
		if i == 0 {
			first = d
			continue
		}
		require.Equal(t, first.Status, d.Status)
		require.Equal(t, first.Code, d.Code)
		require.Equal(t, first.Body, d.Body)
		require.Equal(t, first.ReplyHeaders, d.ReplyHeaders)
		if d.KeyID != "" {
			require.NotContains(t, string(d.Body), `"`+d.KeyID+`"`, "the reply must not name the key")
		}
		require.NotEqual(t, first.Reason, d.Reason)
	}
}

func TestCheckRequestIDIsEscaped(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))
	req := get("/v1/items")
	req.RequestID = "a\"b<c>\n"

	d := engine.Check(req)
	require.Equal(t, `{"code":"missing_credential","message":"An API key is required.","request_id":"a\"b\u003cc\u003e\n"}`, string(d.Body))
}

func TestCheckInsufficientScopeNamesKey(t *testing.T) {
	engine := newTestEngine(t, testConfig(""))

	d := engine.Check(get("/admin/users", header("x-api-key", adminKey)))
	require.Equal(t, `{"code":"insufficient_scope","message":"The API key does not grant the required scopes: audit."}`, string(d.Body))
	require.Equal(t, "admin", d.KeyID)
	require.Equal(t, "gold", d.Tier)
}

// TestCheckCachedKeyExpires checks that a key found in the cache is still
// rejected once its validity period ends.
func TestCheckCachedKeyExpires(t *testing.T) {
	cfg, err := config.Parse([]byte(`{"api_keys": {"keys": [{"id": "short", "digest": "` + sha(demoKey) + `", "expires_at": "2026-06-01T12:00:10Z"}]}}`))
	require.NoError(t, err)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	e := New(cfg, WithClock(func() time.Time { return now }))
	req := get("/orders", header("x-api-key", demoKey))

	require.True(t, e.Check(req).Allow)
	require.Equal(t, 1, e.keys.Len(), "the matched key was not cached")
	require.True(t, e.Check(req).Allow)

	now = now.Add(10 * time.Second)
	d := e.Check(req)
	require.False(t, d.Allow)
	require.Equal(t, ReasonExpiredKey, d.Reason)
}

// TestCheckUnknownKeysNotCached checks that unknown keys cannot fill the cache.
func TestCheckUnknownKeysNotCached(t *testing.T) {
	e := newTestEngine(t, testConfig(""))

	for i := range 50 {
		e.Check(get("/orders", header("x-api-key", "bwk_unknown_"+strconv.Itoa(i))))
	}

	require.Zero(t, e.keys.Len())
}
