package ratelimit

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// SlotKeyPrefix starts every shared-data key of this package.
const SlotKeyPrefix = "bulwark/rl/"

// slotKey returns the shared-data key of a rule's slot:
// "bulwark/rl/<rule>/<slot in hex>".
func slotKey(rule string, slot uint64) string {
	buf := make([]byte, 0, len(SlotKeyPrefix)+len(rule)+1+8)
	buf = append(buf, SlotKeyPrefix...)
	buf = append(buf, rule...)
	buf = append(buf, '/')
	return string(strconv.AppendUint(buf, slot, 16))
}

// MaxSlotKeyLength is the longest slot key: a 64-byte rule name and a
// slot below 2^24.
const MaxSlotKeyLength = len(SlotKeyPrefix) + 64 + 1 + 6

// MaxBytes returns the most shared data, keys and values, that the rules
// of cfg can ever hold: the bound that Prepare fills up to and that no
// traffic can exceed.
func (cfg *Config) MaxBytes() int {
	n := 0
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		n += r.MaxKeys * (len(slotKey(r.Name, uint64(r.MaxKeys-1))) + stateSize)
	}
	return n
}

// keyer builds the key of one request for one rule.
type keyer struct {
	req *Request

	// client is the grouped client address in binary, computed once per
	// request; clientOK reports that one was found.
	client        []byte
	clientOK      bool
	clientChecked bool
	clientIP      *ClientIP
}

// slot returns the rule's slot for the request, or ok false when the
// request lacks a value of the rule's key and so skips the rule.
func (k *keyer) slot(r *Rule, buf []byte) (slot uint64, ok bool) {
	buf = buf[:0]
	for _, part := range r.Key {
		value, ok := k.value(part)
		if !ok {
			return 0, false
		}
		buf = append(buf, byte(part.Kind))
		buf = binary.AppendUvarint(buf, uint64(len(value)))
		buf = append(buf, value...)
	}

	return fnv1a(buf) % uint64(r.MaxKeys), true
}

// value returns the value of one key part; the length prefix in slot keeps
// the parts of a combination apart.
func (k *keyer) value(part KeyPart) (string, bool) {
	switch part.Kind {
	case KeyGlobal:
		return "", true
	case KeyIdentity:
		return k.req.Identity, k.req.Identity != ""
	case KeyCaller:
		if k.req.Identity != "" {
			return "id:" + k.req.Identity, true
		}
		ip, ok := k.clientAddr()
		return "ip:" + ip, ok
	case KeyClientIP:
		return k.clientAddr()
	case KeyRoute:
		return k.req.Route, true
	case KeyHeader:
		return headerValue(k.req.Headers, part.Name)
	case KeyQuery:
		return queryValue(k.req.Path, part.Name)
	}
	return "", false
}

func (k *keyer) clientAddr() (string, bool) {
	if !k.clientChecked {
		k.clientChecked = true
		if addr, ok := k.clientIP.ClientAddr(k.req.SourceAddress, k.req.Headers); ok {
			prefix := k.clientIP.Group(addr)
			k.client = append(prefix.Addr().AsSlice(), byte(prefix.Bits()))
			k.clientOK = true
		}
	}
	return string(k.client), k.clientOK
}

// headerValue joins every line of the header name with ",".
func headerValue(headers [][2]string, name string) (string, bool) {
	value, found := "", false
	for _, header := range headers {
		if header[0] != name {
			continue
		}
		if found {
			value += "," + header[1]
		} else {
			value, found = header[1], true
		}
	}
	return value, found
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
	h := uint64(14695981039346656037)
	for _, c := range data {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
