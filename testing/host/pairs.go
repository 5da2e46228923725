package host

import (
	"encoding/binary"
	"strings"
)

// Limits of the host's pair parser (proxy-wasm-cpp-host pairs_util.cc):
// larger input parses as an empty map.
const (
	maxPairs     = 1024
	maxPairBytes = 1 << 20
)

// SerializeHeaderMap encodes pairs in the proxy-wasm map format: a
// little-endian u32 count, then a (key length, value length) u32 pair per
// entry, then every key and value followed by one NUL byte. An empty map
// encodes as nil, because the host returns no bytes for it.
func SerializeHeaderMap(pairs [][2]string) []byte {
	if len(pairs) == 0 {
		return nil
	}
	size := 4
	for _, p := range pairs {
		size += 8 + len(p[0]) + len(p[1]) + 2
	}
	out := make([]byte, 4+8*len(pairs), size)
	binary.LittleEndian.PutUint32(out, uint32(len(pairs)))
	for i, p := range pairs {
		binary.LittleEndian.PutUint32(out[4+8*i:], uint32(len(p[0])))
		binary.LittleEndian.PutUint32(out[8+8*i:], uint32(len(p[1])))
	}
	for _, p := range pairs {
		out = append(out, p[0]...)
		out = append(out, 0)
		out = append(out, p[1]...)
		out = append(out, 0)
	}
	return out
}

// ParseHeaderMap decodes the proxy-wasm map format the way Envoy does: any
// malformed input (short data, more than 1024 pairs or 1 MiB, a missing NUL,
// trailing bytes) yields an empty map, never an error.
func ParseHeaderMap(data []byte) [][2]string {
	if len(data) < 4 || len(data) > maxPairBytes {
		return nil
	}
	n := binary.LittleEndian.Uint32(data)
	if n > maxPairs || uint64(len(data)-4) < uint64(n)*8 {
		return nil
	}
	pos := 4 + int(n)*8
	pairs := make([][2]string, n)
	for i := range pairs {
		keyLen := int(binary.LittleEndian.Uint32(data[4+8*i:]))
		valueLen := int(binary.LittleEndian.Uint32(data[8+8*i:]))
		key, next, ok := readNulTerminated(data, pos, keyLen)
		if !ok {
			return nil
		}
		value, next, ok := readNulTerminated(data, next, valueLen)
		if !ok {
			return nil
		}
		pairs[i] = [2]string{key, value}
		pos = next
	}
	if pos != len(data) {
		return nil
	}
	return pairs
}

// readNulTerminated reads size bytes at pos followed by a NUL byte.
func readNulTerminated(data []byte, pos, size int) (string, int, bool) {
	if size < 0 || size > len(data)-pos-1 {
		return "", 0, false
	}
	end := pos + size
	if data[end] != 0 {
		return "", 0, false
	}
	return string(data[pos:end]), end + 1, true
}

// headerMap is one of Envoy's header maps: entries in order, pseudo-headers
// first, keys lower-case, duplicates allowed. The serialized form is cached
// until the next change.
type headerMap struct {
	pairs      [][2]string
	serialized []byte
}

func newHeaderMap(pairs [][2]string) *headerMap {
	m := &headerMap{pairs: make([][2]string, 0, len(pairs)+2)}
	for _, p := range pairs {
		m.add(p[0], p[1])
	}
	return m
}

func (m *headerMap) changed() { m.serialized = nil }

func (m *headerMap) serialize() []byte {
	if m.serialized == nil && len(m.pairs) > 0 {
		m.serialized = SerializeHeaderMap(m.pairs)
	}
	return m.serialized
}

// get returns the first value of key, as Envoy does (it joins nothing).
func (m *headerMap) get(key string) (string, bool) {
	for _, p := range m.pairs {
		if p[0] == key {
			return p[1], true
		}
	}
	return "", false
}

// joined returns every value of key joined with ",", the form of the
// request.headers property.
func (m *headerMap) joined(key string) (string, bool) {
	var values []string
	for _, p := range m.pairs {
		if p[0] == key {
			values = append(values, p[1])
		}
	}
	return strings.Join(values, ","), values != nil
}

// add appends an entry; a pseudo-header goes after the existing
// pseudo-headers, as Envoy's header map keeps them first.
func (m *headerMap) add(key, value string) {
	key = strings.ToLower(key)
	m.changed()
	if !strings.HasPrefix(key, ":") {
		m.pairs = append(m.pairs, [2]string{key, value})
		return
	}
	at := 0
	for at < len(m.pairs) && strings.HasPrefix(m.pairs[at][0], ":") {
		at++
	}
	m.pairs = append(m.pairs, [2]string{})
	copy(m.pairs[at+1:], m.pairs[at:])
	m.pairs[at] = [2]string{key, value}
}

func (m *headerMap) remove(key string) {
	remaining := m.pairs[:0]
	for _, p := range m.pairs {
		if p[0] != key {
			remaining = append(remaining, p)
		}
	}
	clear(m.pairs[len(remaining):])
	m.pairs = remaining
	m.changed()
}

// replace removes every entry of key and adds one with value.
func (m *headerMap) replace(key, value string) {
	m.remove(key)
	m.add(key, value)
}

// setAll removes every entry, pseudo-headers included, and adds pairs.
func (m *headerMap) setAll(pairs [][2]string) {
	clear(m.pairs)
	m.pairs = m.pairs[:0]
	for _, p := range pairs {
		m.add(p[0], p[1])
	}
	m.changed()
}

// byteSize returns the size proxy_get_header_map_size reports: the sum of
// key and value lengths, not the serialized size.
func (m *headerMap) byteSize() int {
	n := 0
	for _, p := range m.pairs {
		n += len(p[0]) + len(p[1])
	}
	return n
}

// snapshot returns a copy of the entries.
func (m *headerMap) snapshot() [][2]string {
	if m == nil || len(m.pairs) == 0 {
		return nil
	}
	return append([][2]string(nil), m.pairs...)
}

// regular returns a copy of the entries that are not pseudo-headers.
func (m *headerMap) regular() [][2]string {
	if m == nil {
		return nil
	}
	var out [][2]string
	for _, p := range m.pairs {
		if !strings.HasPrefix(p[0], ":") {
			out = append(out, p)
		}
	}
	return out
}
