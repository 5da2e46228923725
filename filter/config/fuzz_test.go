package config

import (
	"errors"
	"testing"

	"github.com/tidwall/gjson"
)

// maxShownValue bounds FieldError.Value: a shortened string whose bytes may
// each become a six-byte escape, plus its quotes and length note.
const maxShownValue = maxShownBytes*6 + 40

// FuzzParseConfig checks that Parse never panics, finishes, and returns
// either a usable Config or errors that each name a path and show no more
// than a short value. It also checks that every document the syntax check
// accepts is valid for gjson, so the error without a position stays
// unreachable.
func FuzzParseConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkSyntax(data) == nil && !gjson.ValidBytes(data) {
			t.Fatalf("the syntax check accepts a document that gjson rejects: %q", data)
		}

		cfg, err := Parse(data)
		if err == nil {
			if cfg == nil || cfg.Routes == nil || cfg.APIKeys.Store == nil {
				t.Fatalf("Parse returned no error and an incomplete config: %+v", cfg)
			}
			return
		}

		var errs *Errors
		if !errors.As(err, &errs) || len(errs.List) == 0 {
			t.Fatalf("Parse returned %T with no field errors: %v", err, err)
		}
		for _, fe := range errs.List {
			if fe.Path == "" || fe.Problem == "" {
				t.Fatalf("field error without path or problem: %#v", fe)
			}
			if len(fe.Value) > maxShownValue {
				t.Fatalf("field error shows %d bytes of value: %.80q", len(fe.Value), fe.Value)
			}
		}
	})
}
