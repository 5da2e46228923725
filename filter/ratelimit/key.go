package ratelimit

import (
	"net/netip"
	"strconv"
	"strings"
	"unsafe"
)

// SlotKeyPrefix starts every shared-data key of this package.
const SlotKeyPrefix = "bulwark/rl/"

// slotKey returns the shared-data key of a rule's slot:
// "bulwark/rl/<rule>/<algorithm>/<slot in hex>", where the algorithm is
// "tb" (token bucket) or "sw" (sliding window). A rule that keeps its name
// but changes algorithm counts in new slots, so that while an old plugin
// drains beside the new one, neither reads the other's state as unused and
// starts again.
func slotKey(rule string, alg Algorithm, slot uint64) string {
	buf := make([]byte, 0, len(SlotKeyPrefix)+len(rule)+4+8)
	buf = append(buf, SlotKeyPrefix...)
	buf = append(buf, rule...)
	if alg == SlidingWindow {
		buf = append(buf, "/sw/"...)
	} else {
		buf = append(buf, "/tb/"...)
	}
	return string(strconv.AppendUint(buf, slot, 16))
}

// MaxBytes returns the most shared data, keys and values, that the rules
// of cfg can ever hold: the bound that Prepare fills up to and that no
// traffic can exceed.
func (cfg *Config) MaxBytes() int {
	n := 0
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		n += r.MaxKeys * (len(slotKey(r.Name, r.Algorithm, uint64(r.MaxKeys-1))) + stateSize)
	}
	return n
}

// keyer hashes the key of one request for one rule. Its buffer is kept in
// a Limiter's scratch and reused from request to request.
type keyer struct {
	req      *Request
	clientIP *ClientIP

	// value is the joined lines of a header key part.
	value []byte

	// client is the grouped client address in binary (4 or 16 bytes, then
	// the prefix length), computed once per request; clientOK reports that
	// one was found.
	client        [17]byte
	clientLen     int
	clientOK      bool
	clientChecked bool

	// last remembers the previous peer whose client address was computed,
	// and that address, across requests: requests of one connection share
	// the peer. clientAddr uses it only when the address depends on the
	// peer alone.
	last lastPeer
}

// lastPeer is a peer address (a copy, up to maxMemoPeerLength bytes) and
// the grouped client address found for it.
type lastPeer struct {
	peer      [maxMemoPeerLength]byte
	peerLen   int
	client    [17]byte
	clientLen int
	clientOK  bool
	valid     bool
}

// maxMemoPeerLength is the longest peer address that keyer remembers: an
// IPv6 address with a zone and a port fits.
const maxMemoPeerLength = 64

// reset prepares the keyer for a new request.
func (k *keyer) reset(req *Request, clientIP *ClientIP) {
	k.req, k.clientIP = req, clientIP
	k.clientLen, k.clientOK, k.clientChecked = 0, false, false
}

// slot returns the rule's slot for the request, or ok false when the
// request lacks a value of the rule's key and so skips the rule. Each part
// is hashed as its kind, the length of its value as a uvarint, and the
// value, so that the parts of a combination stay apart. The parts are
// hashed where they are, without copying them into one key first. The
// global, identity and client IP parts, the most common, are found here
// without a call to partValue, because calls cost in Go compiled for
// wasip1.
func (k *keyer) slot(r *Rule) (slot uint64, ok bool) {
	h := uint64(fnvOffset)
	for _, part := range r.Key {
		var prefix, value string
		switch part.Kind {
		case KeyGlobal:
			ok = true
		case KeyIdentity:
			value, ok = k.req.Identity, k.req.Identity != ""
		case KeyClientIP:
			var client []byte
			client, ok = k.clientAddr()
			value = bytesString(client)
		default:
			prefix, value, ok = k.partValue(part)
		}
		if !ok {
			return 0, false
		}

		// The encoded part: kind, the uvarint length of prefix and value
		// together, prefix, value.
		h = fnvAdd(h, byte(part.Kind))
		for n := uint64(len(prefix) + len(value)); ; n >>= 7 {
			if n < 0x80 {
				h = fnvAdd(h, byte(n))
				break
			}
			h = fnvAdd(h, byte(n)|0x80)
		}
		for i := 0; i < len(prefix); i++ {
			h = fnvAdd(h, prefix[i])
		}
		for i := 0; i < len(value); i++ {
			h = fnvAdd(h, value[i])
		}
	}
	return h % uint64(r.MaxKeys), true
}

// partValue returns the prefix and the value of one key part, which stay
// valid until the next call.
func (k *keyer) partValue(part KeyPart) (prefix, value string, ok bool) {
	switch part.Kind {
	case KeyGlobal:
		return "", "", true
	case KeyIdentity:
		return "", k.req.Identity, k.req.Identity != ""
	case KeyCaller:
		if k.req.Identity != "" {
			return "id:", k.req.Identity, true
		}
		client, ok := k.clientAddr()
		return "ip:", bytesString(client), ok
	case KeyClientIP:
		client, ok := k.clientAddr()
		return "", bytesString(client), ok
	case KeyRoute:
		return "", k.req.Route, true
	case KeyHeader:
		k.value, ok = appendHeaderValue(k.value[:0], k.req.Headers, part.Name)
		return "", bytesString(k.value), ok
	case KeyQuery:
		value, ok := queryValue(k.req.Path, part.Name)
		return "", value, ok
	}
	return "", "", false
}

// bytesString returns b as a string without a copy: the hash only reads it
// before b changes.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// clientAddr returns the grouped client address: its bytes, then the
// prefix length.
func (k *keyer) clientAddr() ([]byte, bool) {
	if !k.clientChecked {
		k.clientChecked = true
		k.findClient()
	}
	return k.client[:k.clientLen], k.clientOK
}

// findClient sets the request's client address. When the configuration
// reads no X-Forwarded-For, the address depends on the peer alone, so a
// request from the previous request's peer reuses its address instead of
// parsing and grouping it again.
func (k *keyer) findClient() {
	source := k.req.SourceAddress
	peerOnly := k.clientIP.TrustedHops == 0 && len(k.clientIP.TrustedProxies) == 0
	last := &k.last
	if peerOnly && last.valid && string(last.peer[:last.peerLen]) == source {
		k.client, k.clientLen, k.clientOK = last.client, last.clientLen, last.clientOK
		return
	}

	k.clientLen, k.clientOK = 0, false
	if addr, ok := k.clientIP.ClientAddr(source, k.req.Headers); ok {
		prefix := k.clientIP.Group(addr)
		k.clientLen = len(appendAddr(k.client[:0], prefix.Addr()))
		k.client[k.clientLen] = byte(prefix.Bits())
		k.clientLen++
		k.clientOK = true
	}

	last.valid = peerOnly && len(source) <= len(last.peer)
	if last.valid {
		last.peerLen = copy(last.peer[:], source)
		last.client, last.clientLen, last.clientOK = k.client, k.clientLen, k.clientOK
	}
}

// appendAddr appends the binary form of addr, as netip.Addr.AsSlice
// returns it (4 bytes for IPv4, 16 for IPv6), without allocating.
func appendAddr(dst []byte, addr netip.Addr) []byte {
	if addr.Is4() {
		a := addr.As4()
		return append(dst, a[:]...)
	}
	a := addr.As16()
	return append(dst, a[:]...)
}

// appendHeaderValue appends every line of the header name, joined with
// ",".
func appendHeaderValue(dst []byte, headers [][2]string, name string) ([]byte, bool) {
	found := false
	for _, header := range headers {
		if header[0] != name {
			continue
		}
		if found {
			dst = append(dst, ',')
		}
		dst, found = append(dst, header[1]...), true
	}
	return dst, found
}

// queryValue returns the percent-decoded value of the first parameter name
// in the query of the request target path, so that different encodings of
// one value share a key. A value with invalid escapes is used as sent.
func queryValue(path, name string) (string, bool) {
	_, query, found := strings.Cut(path, "?")
	if !found {
		return "", false
	}
	query, _, _ = strings.Cut(query, "#")

	for query != "" {
		var param string
		param, query, _ = strings.Cut(query, "&")
		key, value, _ := strings.Cut(param, "=")
		if decoded, ok := unescape(key); ok && decoded == name {
			if v, ok := unescape(value); ok {
				return v, true
			}
			return value, true
		}
	}
	return "", false
}

// unescape decodes %XX escapes and '+' as a space
// (application/x-www-form-urlencoded).
func unescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return string(out), true
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// fnv1a is the 64-bit FNV-1a hash, written out so that it does not
// allocate. It is not keyed: NOTE: a client that controls a key value (a
// header or a query parameter) can choose values that share another
// value's slot, but it could as well send that value itself.
func fnv1a(data []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range data {
		h = fnvAdd(h, c)
	}
	return h
}

// The FNV-1a offset basis and one step of the hash.
const fnvOffset = 14695981039346656037

func fnvAdd(h uint64, c byte) uint64 { return (h ^ uint64(c)) * 1099511628211 }
