package jwt

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// MaxDiscoveryBytes bounds a fetched OpenID Connect discovery document.
const MaxDiscoveryBytes = 64 << 10

// discoverySuffix is appended to the issuer's path to form the discovery
// document's path (OpenID Connect Discovery 1.0 §4).
const discoverySuffix = "/.well-known/openid-configuration"

// DiscoveryPath returns the path of issuer's OpenID Connect discovery
// document: the issuer URL's path without its trailing '/', followed by
// /.well-known/openid-configuration. The issuer must be an https or http
// URL without query or fragment.
func DiscoveryPath(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("jwt: the issuer %q is not an https or http URL without query or fragment, such as \"https://login.example.com/tenant\"", issuer)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/") + discoverySuffix
	if !IsCalloutPath(path) {
		return "", fmt.Errorf("jwt: the path of issuer %q has characters other than visible ASCII", issuer)
	}
	return path, nil
}

// ParseDiscovery reads the jwks_uri of an OpenID Connect discovery
// document and returns its path (with the query, if any), which the plugin
// fetches through the provider's cluster. The document's issuer must equal
// issuer exactly (OpenID Connect Discovery 1.0 §4.3), and jwks_uri must be
// an https or http URL with a path.
func ParseDiscovery(issuer string, body []byte) (string, error) {
	if len(body) > MaxDiscoveryBytes {
		return "", fmt.Errorf("jwt: the discovery document is %d bytes, more than the maximum of %d", len(body), MaxDiscoveryBytes)
	}
	if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
		return "", errors.New("jwt: the discovery document is not a JSON object")
	}

	doc := gjson.ParseBytes(body)
	iss := doc.Get("issuer")
	if iss.Type != gjson.String || iss.Str != issuer {
		return "", fmt.Errorf("jwt: the discovery document's issuer %s differs from the provider's issuer %q; they must be equal exactly",
			quoteForLog(iss), issuer)
	}
	uri := doc.Get("jwks_uri")
	if uri.Type != gjson.String {
		return "", fmt.Errorf("jwt: the discovery document's jwks_uri is missing or not a string; got %s", quoteForLog(uri))
	}
	u, err := url.Parse(uri.Str)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.HasPrefix(u.EscapedPath(), "/") || u.EscapedPath() == "/" {
		return "", fmt.Errorf("jwt: the discovery document's jwks_uri %s is not an https or http URL with a path", quoteForLog(uri))
	}

	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !IsCalloutPath(path) {
		return "", fmt.Errorf("jwt: the discovery document's jwks_uri %s has characters other than visible ASCII", quoteForLog(uri))
	}
	return path, nil
}

// quoteForLog quotes a JSON value of a fetched document, cut to 128 bytes,
// so that a log line stays short. The discovery document is public.
func quoteForLog(v gjson.Result) string {
	if !v.Exists() {
		return "(missing)"
	}
	s := v.Raw
	if v.Type == gjson.String {
		s = v.Str
	}
	if len(s) > 128 {
		s = s[:128] + "..."
	}
	return strconv.Quote(s)
}

// IsCalloutPath reports whether s can be the :path of a callout: it starts
// with '/' and contains only visible ASCII.
func IsCalloutPath(s string) bool {
	if !strings.HasPrefix(s, "/") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
