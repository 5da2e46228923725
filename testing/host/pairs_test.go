package host

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSerializeHeaderMapFormat(t *testing.T) {
	got := SerializeHeaderMap([][2]string{{"a", "bc"}, {"", "d"}})
	want := []byte{
		2, 0, 0, 0, // count
		1, 0, 0, 0, 2, 0, 0, 0, // "a" → "bc"
		0, 0, 0, 0, 1, 0, 0, 0, // "" → "d"
		'a', 0, 'b', 'c', 0,
		0, 'd', 0,
	}
	require.Equal(t, want, got)
	require.Nil(t, SerializeHeaderMap(nil), "an empty map is returned as no bytes")
}

func TestHeaderMapRoundTrip(t *testing.T) {
	cases := map[string][][2]string{
		"one pair":        {{":path", "/x"}},
		"empty strings":   {{"", ""}, {"k", ""}},
		"duplicates":      {{"set-cookie", "a"}, {"set-cookie", "b"}},
		"binary value":    {{"x-bin", "\x01\xff\x7f"}},
		"embedded nul":    {{"k", "a\x00b"}},
		"1024 pairs":      manyPairs(1024),
		"long value 64KB": {{"x-long", strings.Repeat("v", 64<<10)}},
	}
	for name, pairs := range cases {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, pairs, ParseHeaderMap(SerializeHeaderMap(pairs)))
		})
	}
}

func manyPairs(n int) [][2]string {
	pairs := make([][2]string, n)
	for i := range pairs {
		pairs[i] = [2]string{"k", "v"}
	}
	return pairs
}

func TestParseHeaderMapMalformedIsEmpty(t *testing.T) {
	valid := SerializeHeaderMap([][2]string{{"key", "value"}})
	withCount := func(n uint32) []byte {
		b := bytes.Clone(valid)
		binary.LittleEndian.PutUint32(b, n)
		return b
	}
	missingNul := bytes.Clone(valid)
	missingNul[len(missingNul)-1] = 'x'
	keyNul := bytes.Clone(valid)
	keyNul[12+3] = 'x'
	cases := []struct {
		name string
		data []byte
	}{
		{"nil", nil},
		{"shorter than the count", []byte{1, 0, 0}},
		{"zero pairs", []byte{0, 0, 0, 0}},
		{"count larger than the data", withCount(2)},
		{"count of 2^32-1", withCount(0xFFFFFFFF)},
		{"more than 1024 pairs", SerializeHeaderMap(manyPairs(1025))},
		{"over 1 MiB", SerializeHeaderMap([][2]string{{"k", strings.Repeat("v", 1<<20)}})},
		{"value without its NUL", missingNul},
		{"key without its NUL", keyNul},
		{"trailing byte", append(bytes.Clone(valid), 0)},
		{"truncated", valid[:len(valid)-1]},
		{"key length past the end", func() []byte {
			b := bytes.Clone(valid)
			binary.LittleEndian.PutUint32(b[4:], 0xFFFFFFF0)
			return b
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Empty(t, ParseHeaderMap(tc.data))
		})
	}
}

func TestHeaderMapKeepsPseudoHeadersFirst(t *testing.T) {
	m := newHeaderMap([][2]string{{":path", "/"}, {"A", "1"}})
	m.add(":authority", "x")
	m.add("B", "2")
	require.Equal(t, [][2]string{{":path", "/"}, {":authority", "x"}, {"a", "1"}, {"b", "2"}}, m.pairs)

	m.replace("a", "3")
	require.Equal(t, [][2]string{{":path", "/"}, {":authority", "x"}, {"b", "2"}, {"a", "3"}}, m.pairs)
	require.Equal(t, len(":path/:authorityxb2a3"), m.byteSize())
}

// FuzzParseHeaderMap checks that any input parses without panic into pairs
// that serialize back to the same bytes, or into nothing.
func FuzzParseHeaderMap(f *testing.F) {
	f.Add(SerializeHeaderMap([][2]string{{":path", "/"}, {"x", "y"}}))
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs := ParseHeaderMap(data)
		if len(pairs) == 0 {
			return
		}
		if !bytes.Equal(SerializeHeaderMap(pairs), data) {
			t.Fatalf("parsed %q from %x, which serializes differently", pairs, data)
		}
	})
}
