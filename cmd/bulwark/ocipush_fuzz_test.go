package main

import (
	"strings"
	"testing"
)

// FuzzPushReference checks that parsePushReference never panics, that
// every reference it accepts is a tag with a repository, and that every
// error starts with "invalid image reference". The seeds are in
// testdata/fuzz/FuzzPushReference.
func FuzzPushReference(f *testing.F) {
	f.Fuzz(func(t *testing.T, reference string) {
		tag, err := parsePushReference(reference, nil)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid image reference") {
				t.Fatalf("error without the usual prefix for %q: %v", reference, err)
			}
			return
		}
		if tag.RepositoryStr() == "" || tag.TagStr() == "" {
			t.Fatalf("accepted %q without a repository or a tag: %+v", reference, tag)
		}
	})
}
