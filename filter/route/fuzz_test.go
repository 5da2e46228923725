package route

import (
	"errors"
	"strings"
	"testing"
)

// FuzzNormalizePath checks that SplitTarget and Normalize never panic, fail
// only with their sentinel errors, and return a path that is absolute, free
// of dot segments and control characters, and normal (idempotent).
func FuzzNormalizePath(f *testing.F) {
	f.Fuzz(func(t *testing.T, target string, options byte) {
		opts := Normalization{
			MergeSlashes: options&1 != 0,
			EncodedSlash: EncodedSlash(options>>1) % 3,
		}

		path, _, _, err := SplitTarget(target)
		if err != nil {
			if !errors.Is(err, ErrNotAbsolutePath) && !errors.Is(err, ErrInvalidCharacter) {
				t.Fatalf("SplitTarget(%q): unexpected error %v", target, err)
			}
			return
		}

		normal, err := Normalize(path, opts)
		if err != nil {
			if !errors.Is(err, ErrInvalidEncoding) && !errors.Is(err, ErrEncodedControl) && !errors.Is(err, ErrEncodedSlash) {
				t.Fatalf("Normalize(%q): unexpected error %v", path, err)
			}
			return
		}
		checkNormal(t, path, normal, opts)
	})
}

func checkNormal(t *testing.T, path, normal string, opts Normalization) {
	t.Helper()

	if !strings.HasPrefix(normal, "/") {
		t.Fatalf("Normalize(%q) = %q, not absolute", path, normal)
	}
	for _, segment := range strings.Split(normal[1:], "/") {
		if segment == "." || segment == ".." {
			t.Fatalf("Normalize(%q) = %q, has a dot segment", path, normal)
		}
	}
	if opts.MergeSlashes && strings.Contains(normal, "//") {
		t.Fatalf("Normalize(%q) = %q, has repeated slashes", path, normal)
	}
	if opts.EncodedSlash == EncodedSlashDecode && strings.Contains(strings.ToUpper(normal), "%2F") {
		t.Fatalf("Normalize(%q) = %q, has an encoded slash", path, normal)
	}
	for i := 0; i < len(normal); i++ {
		if normal[i] < 0x20 || normal[i] == 0x7f {
			t.Fatalf("Normalize(%q) = %q, has a control character", path, normal)
		}
	}

	again, err := Normalize(normal, opts)
	if err != nil || again != normal {
		t.Fatalf("Normalize is not idempotent: %q -> %q -> %q, %v", path, normal, again, err)
	}
}
