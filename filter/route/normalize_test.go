package route

import (
	"testing"

	"github.com/stretchr/testify/require"
)

var defaultNormalization = Normalization{MergeSlashes: true, EncodedSlash: EncodedSlashKeep, CaseSensitive: true, ForwardNormalized: true}

func withOptions(merge bool, slash EncodedSlash) Normalization {
	n := defaultNormalization
	n.MergeSlashes = merge
	n.EncodedSlash = slash
	return n
}

func TestNormalize(t *testing.T) {
	keep := withOptions(true, EncodedSlashKeep)
	decode := withOptions(true, EncodedSlashDecode)
	reject := withOptions(true, EncodedSlashReject)
	noMerge := withOptions(false, EncodedSlashKeep)

	tests := []struct {
		name string
		path string
		opts Normalization
		want string
		err  error
	}{
		{"root", "/", keep, "/", nil},
		{"plain", "/a/b", keep, "/a/b", nil},
		{"trailing slash kept", "/a/", keep, "/a/", nil},
		{"merge slashes", "//a///b", keep, "/a/b", nil},
		{"merge trailing slashes", "/a//", keep, "/a/", nil},
		{"slashes kept without merge", "//a///b", noMerge, "//a///b", nil},
		{"dot segment", "/a/./b", keep, "/a/b", nil},
		{"dot dot segment", "/a/../b", keep, "/b", nil},
		{"dot dot above root", "/../../a", keep, "/a", nil},
		{"only dot dot", "/..", keep, "/", nil},
		{"trailing dot dot", "/a/b/..", keep, "/a/", nil},
		{"trailing dot", "/a/.", keep, "/a/", nil},
		{"dot dot to root", "/a/..", keep, "/", nil},
		{"dot dot pops empty segment without merge", "/a//../b", noMerge, "/a/b", nil},
		{"trailing dot after empty segment without merge", "/a//.", noMerge, "/a//", nil},
		{"three dots are a name", "/a/.../b", keep, "/a/.../b", nil},
		{"dots inside a name", "/a..b/.well-known", keep, "/a..b/.well-known", nil},
		{"encoded dot dot", "/%2e%2e/admin", keep, "/admin", nil},
		{"mixed encoded dot dot", "/a/.%2E/b", keep, "/b", nil},
		{"encoded trailing dot", "/a/b/%2e", keep, "/a/b/", nil},
		{"encoded unreserved letter", "/%61dmin", keep, "/admin", nil},
		{"encoded tilde and dash", "/%7Euser/a%2Db", keep, "/~user/a-b", nil},
		{"reserved stays encoded with upper hex", "/a%3fb%c3%a9", keep, "/a%3Fb%C3%A9", nil},
		{"encoded percent not decoded twice", "/a%252e%252e", keep, "/a%252e%252e", nil},
		{"encoded space kept", "/a%20b", keep, "/a%20b", nil},
		{"encoded slash kept", "/a%2fb", keep, "/a%2Fb", nil},
		{"kept encoded slash does not split", "/a%2Fb/../c", keep, "/c", nil},
		{"encoded dot dot slash kept", "/a/..%2F..%2Fadmin", keep, "/a/..%2F..%2Fadmin", nil},
		{"encoded slash decoded", "/a%2Fb/../c", decode, "/a/c", nil},
		{"decoded slashes merged", "/a%2F%2Fb", decode, "/a/b", nil},
		{"decoded dot dot slash", "/a/..%2F..%2Fadmin", decode, "/admin", nil},
		{"encoded slash rejected", "/a%2Fb", reject, "", ErrEncodedSlash},
		{"lower-case encoded slash rejected", "/a%2fb", reject, "", ErrEncodedSlash},
		{"invalid hex", "/a%zz", keep, "", ErrInvalidEncoding},
		{"truncated escape", "/a%2", keep, "", ErrInvalidEncoding},
		{"lone percent", "/a%", keep, "", ErrInvalidEncoding},
		{"half hex", "/a%g1/b", keep, "", ErrInvalidEncoding},
		{"encoded nul", "/a%00b", keep, "", ErrEncodedControl},
		{"encoded newline", "/a%0Ab", keep, "", ErrEncodedControl},
		{"encoded unit separator", "/a%1f", keep, "", ErrEncodedControl},
		{"encoded delete", "/a%7f", keep, "", ErrEncodedControl},
		{"empty", "", keep, "", ErrNotAbsolutePath},
		{"relative", "a/b", keep, "", ErrNotAbsolutePath},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(tc.path, tc.opts)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// Normalising a normal path changes nothing, so Normalize is idempotent.
func TestNormalizeIdempotent(t *testing.T) {
	paths := []string{"/a/../b//c/./%2e%2E/d%2f", "/%7e/x/..", "//", "/a/b/c/../../.."}
	for _, opts := range []Normalization{withOptions(true, EncodedSlashKeep), withOptions(false, EncodedSlashKeep), withOptions(true, EncodedSlashDecode)} {
		for _, path := range paths {
			once, err := Normalize(path, opts)
			require.NoError(t, err)
			twice, err := Normalize(once, opts)
			require.NoError(t, err)
			require.Equal(t, once, twice, "path %q", path)
		}
	}
}

func TestNormalizeNormalPathDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = Normalize("/v1/items/123/details", defaultNormalization)
	})
	require.Zero(t, allocs)
}

func TestSplitTarget(t *testing.T) {
	tests := []struct {
		name, target string
		path, query  string
		hasQuery     bool
		err          error
	}{
		{"path only", "/a/b", "/a/b", "", false, nil},
		{"path and query", "/a?b=c&d", "/a", "b=c&d", true, nil},
		{"empty query", "/a?", "/a", "", true, nil},
		{"question mark in query", "/a?b?c", "/a", "b?c", true, nil},
		{"utf-8 passes through", "/caf\xc3\xa9", "/caf\xc3\xa9", "", false, nil},
		{"empty", "", "", "", false, ErrNotAbsolutePath},
		{"asterisk form", "*", "", "", false, ErrNotAbsolutePath},
		{"absolute form", "http://example.com/a", "", "", false, ErrNotAbsolutePath},
		{"space in path", "/a b", "", "", false, ErrInvalidCharacter},
		{"space in query", "/a?b c", "", "", false, ErrInvalidCharacter},
		{"raw nul", "/a\x00", "", "", false, ErrInvalidCharacter},
		{"raw tab", "/a\tb", "", "", false, ErrInvalidCharacter},
		{"raw delete", "/a\x7f", "", "", false, ErrInvalidCharacter},
		{"fragment", "/a#top", "", "", false, ErrInvalidCharacter},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, query, hasQuery, err := SplitTarget(tc.target)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.path, path)
			require.Equal(t, tc.query, query)
			require.Equal(t, tc.hasQuery, hasQuery)
		})
	}
}
