package clusterlimit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Request is what the rules read from one request.
type Request struct {
	// Route is the matched route's name, "" for the default route.
	Route string

	// Identity is the authenticated caller (API key id or JWT subject),
	// and Tier its tier; "" when there is none.
	Identity, Tier string

	// Method is the :method pseudo-header.
	Method string

	// SourceAddress is the connection's peer (Envoy's source.address).
	SourceAddress string

	// Headers are the request headers as they go upstream, with lower-case
	// names, so that a JWT claim forwarded as a header can be an entry.
	Headers [][2]string

	// Path is the :path pseudo-header, with its query.
	Path string

	// RequestID is the x-request-id, for the reply body.
	RequestID string
}

// DefaultRouteValue is the FromRoute value of the default route.
const DefaultRouteValue = "default"

// maxValueLength is the longest descriptor value sent as is. Longer values
// are sent as "sha256:" and the first 16 bytes of their SHA-256 in hex, so
// that a client cannot make callouts or shared data grow.
const maxValueLength = 128

// descriptor is one rule's descriptor for one request.
type descriptor struct {
	// json is the descriptor as the service reads it:
	// {"entries":[{"key":…,"value":…},…]}.
	json []byte

	// hash identifies the descriptor in its rule's slot.
	hash uint64
}

// builder builds descriptors, reading each request value once.
type builder struct {
	req      *Request
	clientIP *ratelimit.ClientIP

	client        string
	clientOK      bool
	clientChecked bool
}

// build returns the rule's descriptor for the request, or ok false when the
// request lacks one of its values and so skips the rule.
func (b *builder) build(r *Rule) (d descriptor, ok bool) {
	d.json = append(make([]byte, 0, 64), `{"entries":[`...)
	var hashInput []byte
	for i, entry := range r.Entries {
		value, ok := b.value(entry)
		if !ok {
			return descriptor{}, false
		}
		if len(value) > maxValueLength {
			sum := sha256.Sum256([]byte(value))
			value = "sha256:" + hex.EncodeToString(sum[:16])
		}

		if i > 0 {
			d.json = append(d.json, ',')
		}
		d.json = append(d.json, `{"key":`...)
		d.json = jsontext.AppendString(d.json, entry.Key)
		d.json = append(d.json, `,"value":`...)
		d.json = jsontext.AppendString(d.json, value)
		d.json = append(d.json, '}')

		hashInput = binary.AppendUvarint(hashInput, uint64(len(entry.Key)))
		hashInput = append(hashInput, entry.Key...)
		hashInput = binary.AppendUvarint(hashInput, uint64(len(value)))
		hashInput = append(hashInput, value...)
	}
	d.json = append(d.json, "]}"...)
	d.hash = ratelimit.FNV1a(hashInput)
	return d, true
}

// value returns one entry's value for the request.
func (b *builder) value(e Entry) (string, bool) {
	switch e.Source {
	case FromClientIP:
		return b.clientAddr()
	case FromIdentity:
		return b.req.Identity, b.req.Identity != ""
	case FromCaller:
		if b.req.Identity != "" {
			return b.req.Identity, true
		}
		return b.clientAddr()
	case FromRoute:
		if b.req.Route == "" {
			return DefaultRouteValue, true
		}
		return b.req.Route, true
	case FromTier:
		return b.req.Tier, b.req.Tier != ""
	case FromMethod:
		return b.req.Method, b.req.Method != ""
	case FromHeader:
		return ratelimit.HeaderValue(b.req.Headers, e.Name)
	case FromQuery:
		return ratelimit.QueryValue(b.req.Path, e.Name)
	case FromValue:
		return e.Value, true
	}
	return "", false
}

// clientAddr returns the grouped client address in text: the address when
// the group is the whole address, the prefix otherwise.
func (b *builder) clientAddr() (string, bool) {
	if !b.clientChecked {
		b.clientChecked = true
		if addr, ok := b.clientIP.ClientAddr(b.req.SourceAddress, b.req.Headers); ok {
			b.client, b.clientOK = formatGroup(b.clientIP.Group(addr)), true
		}
	}
	return b.client, b.clientOK
}

// formatGroup writes a client group: "203.0.113.7" for a whole address,
// "2001:db8::/64" for a network.
func formatGroup(prefix netip.Prefix) string {
	if prefix.Bits() == prefix.Addr().BitLen() {
		return prefix.Addr().String()
	}
	return prefix.Addr().String() + "/" + strconv.Itoa(prefix.Bits())
}
