package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/apikey"
	"github.com/bulwark-dev/bulwark/filter/route"
)

// Each testdata/invalid/NAME.json must fail with exactly the lines of
// testdata/invalid/NAME.txt.
func TestParseInvalidFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			want, err := os.ReadFile(strings.TrimSuffix(file, ".json") + ".txt")
			require.NoError(t, err)

			cfg, err := Parse(data)
			require.Nil(t, cfg)
			var errs *Errors
			require.True(t, errors.As(err, &errs), "error type %T", err)
			require.Equal(t, strings.TrimSuffix(string(want), "\n"), err.Error())

			for _, fe := range errs.List {
				require.NotEmpty(t, fe.Path)
				require.NotEmpty(t, fe.Problem)
			}
		})
	}
}

func TestParseValidFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)

			cfg, err := Parse(data)
			require.NoError(t, err)
			require.NotNil(t, cfg)
		})
	}
}

func mustParseFile(t *testing.T, name string) *Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "valid", name))
	require.NoError(t, err)
	cfg, err := Parse(data)
	require.NoError(t, err)
	return cfg
}

func TestParseEmptyDocumentDefaults(t *testing.T) {
	cfg := mustParseFile(t, "empty.json")

	require.Equal(t, FailClosed, cfg.FailurePolicy)
	require.Equal(t, "x-bulwark-client-id", cfg.IdentityHeader)
	require.Equal(t, route.Normalization{
		MergeSlashes:      true,
		EncodedSlash:      route.EncodedSlashReject,
		CaseSensitive:     true,
		ForwardNormalized: true,
	}, cfg.PathNormalization)

	require.Equal(t, []apikey.Source{{Kind: apikey.SourceHeader, Name: "x-api-key"}}, cfg.APIKeys.Sources)
	require.Equal(t, apikey.HashSHA256, cfg.APIKeys.Hash)
	require.True(t, cfg.APIKeys.StripCredential)
	require.Equal(t, 256, cfg.APIKeys.MaxKeyLength)
	require.Equal(t, 0, cfg.APIKeys.Store.Len())

	require.Empty(t, cfg.Routes.Routes())
	require.Equal(t, route.AuthAPIKey, cfg.Routes.Default().Auth)
	require.Empty(t, cfg.Routes.Default().Scopes)
}

func TestDefaultEqualsEmptyDocument(t *testing.T) {
	require.Equal(t, mustParseFile(t, "empty.json").PathNormalization, Default().PathNormalization)
	require.Equal(t, route.AuthAPIKey, Default().Routes.Default().Auth)
}

func TestParseFullDocument(t *testing.T) {
	cfg := mustParseFile(t, "full.json")

	require.Equal(t, FailOpen, cfg.FailurePolicy)
	require.Equal(t, "x-bulwark-client-id", cfg.IdentityHeader, "header names are lower-cased")
	require.Equal(t, route.Normalization{
		MergeSlashes:      true,
		EncodedSlash:      route.EncodedSlashDecode,
		CaseSensitive:     true,
		ForwardNormalized: false,
	}, cfg.PathNormalization)

	require.Equal(t, []apikey.Source{
		{Kind: apikey.SourceHeader, Name: "x-api-key"},
		{Kind: apikey.SourceHeader, Name: "authorization", Scheme: "ApiKey"},
		{Kind: apikey.SourceQuery, Name: "api_key"},
		{Kind: apikey.SourceCookie, Name: "api_key"},
	}, cfg.APIKeys.Sources)
	require.False(t, cfg.APIKeys.StripCredential)
	require.Equal(t, 128, cfg.APIKeys.MaxKeyLength)

	keys := cfg.APIKeys.Store.Keys()
	require.Len(t, keys, 2)
	require.Equal(t, &apikey.Key{
		ID:        "demo",
		Tier:      "free",
		Scopes:    []string{"read"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC),
	}, normalizeTimes(keys[0]))
	require.Equal(t, "admin", keys[1].ID)
	require.True(t, keys[1].Disabled)
	require.Same(t, keys[0], cfg.APIKeys.Store.Lookup("demo-key-0123456789"))
	require.Same(t, keys[1], cfg.APIKeys.Store.Lookup("admin-key-0123456789"))

	routes := cfg.Routes.Routes()
	require.Len(t, routes, 3)
	require.Equal(t, "health", routes[0].Name)
	require.Equal(t, route.MatchPath, routes[0].Kind)
	require.Equal(t, "/healthz", routes[0].Value)
	require.Equal(t, route.MethodSet(0).Add(route.MethodGet).Add(route.MethodHead), routes[0].Methods)
	require.Equal(t, route.AuthNone, routes[0].Auth)
	require.Equal(t, route.MatchPrefix, routes[1].Kind)
	require.Equal(t, []string{"admin"}, routes[1].Scopes)
	require.Equal(t, route.MatchRegex, routes[2].Kind)
	require.Equal(t, "^/v[0-9]+/items$", routes[2].Regexp.String())
	require.Equal(t, []string{"read"}, cfg.Routes.Default().Scopes)
}

// normalizeTimes returns a copy of key with its times in UTC, so that
// require.Equal compares instants rather than locations.
func normalizeTimes(key *apikey.Key) *apikey.Key {
	k := *key
	k.NotBefore = k.NotBefore.UTC()
	k.ExpiresAt = k.ExpiresAt.UTC()
	return &k
}

func TestParseCaseInsensitiveRoutes(t *testing.T) {
	cfg := mustParseFile(t, "public_by_default.json")
	routes := cfg.Routes.Routes()

	require.Equal(t, "/private/", routes[0].Value)
	require.True(t, routes[1].Regexp.MatchString("/reports/12"))
	require.Equal(t, "Private", cfg.Routes.Match("GET", "/PRIVATE/x").Name)
	require.Equal(t, route.AuthNone, cfg.Routes.Default().Auth)
}

func TestParseHMACStore(t *testing.T) {
	cfg := mustParseFile(t, "hmac.json")

	require.Equal(t, apikey.HashHMACSHA256, cfg.APIKeys.Hash)
	require.NotNil(t, cfg.APIKeys.Store.Lookup("demo-key-0123456789"))
	require.Nil(t, cfg.APIKeys.Store.Lookup("demo-key-012345678"))
}

func TestParseSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"bare word", `nope`, "$: invalid JSON at byte offset 0 (line 1, column 1): invalid literal; expected null"},
		{"leading zero", `{"max": 01}`, "$: invalid JSON at byte offset 9 (line 1, column 10): expected ',' or '}', found character '1'"},
		{"lone minus", `{"a": -}`, "$: invalid JSON at byte offset 6 (line 1, column 7): invalid number"},
		{"exponent without digits", `{"a": 1e}`, "$: invalid JSON at byte offset 6 (line 1, column 7): invalid number"},
		{"bad escape", `{"a": "\x"}`, "$: invalid JSON at byte offset 8 (line 1, column 9): invalid escape sequence in string"},
		{"short unicode escape", `{"a": "\u12"}`, "$: invalid JSON at byte offset 8 (line 1, column 9): invalid \\u escape; expected four hex digits"},
		{"raw newline in string", "{\"a\": \"x\ny\"}", "$: invalid JSON at byte offset 8 (line 1, column 9): control character in string; write it as an escape such as \\n"},
		{"unterminated string", `{"a": "x`, "$: invalid JSON at byte offset 8 (line 1, column 9): unexpected end of input in string"},
		{"key not a string", `{a: 1}`, "$: invalid JSON at byte offset 1 (line 1, column 2): expected a string as object key, found character 'a'"},
		{"missing colon", `{"a" 1}`, "$: invalid JSON at byte offset 5 (line 1, column 6): expected ':' after object key, found character '1'"},
		{"two documents", `{} {}`, "$: invalid JSON at byte offset 3 (line 1, column 4): unexpected data after the top-level value"},
		{"byte order mark", "\xef\xbb\xbf{}", "$: invalid JSON at byte offset 0 (line 1, column 1): the document starts with a UTF-8 byte order mark (EF BB BF), which JSON does not allow; save the file without it"},
		{"second line", "{\n  \"a\": tru\n}", "$: invalid JSON at byte offset 9 (line 2, column 8): invalid literal; expected true"},
		{"only spaces", "  \n ", "$: invalid JSON at byte offset 4 (line 2, column 2): the document is empty"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestParseTopLevelScalars(t *testing.T) {
	for _, doc := range []string{`null`, `"x"`, `12`, `true`} {
		t.Run(doc, func(t *testing.T) {
			_, err := Parse([]byte(doc))
			require.EqualError(t, err, "$: must be a JSON object; got "+doc)
		})
	}
}

// The test pepper and digests are planted in invalid documents; no error
// may contain them.
func TestParseErrorsHideSecrets(t *testing.T) {
	const pepper = "U0VDUkVULU1BUktFUi1wZXBwZXI=" // "SECRET-MARKER-pepper"
	const digest = "5ec2e7000000000000000000000000000000000000000000000000000000000"

	docs := []string{
		`{"api_keys": {"pepper": "` + pepper + `"}}`,
		`{"api_keys": {"hash": "hmac-sha256", "pepper": "` + pepper + `!"}}`,
		`{"api_keys": {"keys": [{"id": "a", "digest": "` + digest + `"}]}}`,
		`{"api_keys": {"keys": [{"id": "a", "digest": "` + digest + `0"}, {"id": "b", "digest": "` + digest + `0"}]}}`,
		`{"api_keys": {"keys": [{"id": "a", "digest": "` + digest + `0", "pepper": "` + pepper + `"}]}}`,
	}
	for i, doc := range docs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := Parse([]byte(doc))
			require.Error(t, err)
			require.NotContains(t, err.Error(), pepper)
			require.NotContains(t, err.Error(), digest)
		})
	}
}

func TestConfigFormattingHidesSecrets(t *testing.T) {
	cfg := mustParseFile(t, "hmac.json")

	for _, verb := range []string{"%v", "%+v", "%#v"} {
		out := fmt.Sprintf(verb, cfg) + fmt.Sprintf(verb, *cfg) + fmt.Sprintf(verb, cfg.APIKeys)
		require.NotContains(t, out, "pepper-for-tests", verb)
		require.NotContains(t, out, "1b1deacc", verb)
		require.NotContains(t, out, "27, 29, 234", verb, "digest bytes printed in decimal")
	}
}

func TestFieldErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  FieldError
		want string
	}{
		{"with value", FieldError{Path: "a.b", Problem: "must be a string", Value: "1"}, "a.b: must be a string; got 1"},
		{"without value", FieldError{Path: "a.c", Problem: "unknown field; expected one of b"}, "a.c: unknown field; expected one of b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.err.Error())
		})
	}

	errs := &Errors{List: []FieldError{tests[0].err, tests[1].err}}
	require.Equal(t, tests[0].want+"\n"+tests[1].want, errs.Error())
}

func TestParsePathNames(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"quoted member", `{"a.b": 1}`, `["a.b"]: unknown field`},
		{"nested index", `{"routes": [{}, {"name": 3}]}`, `routes[1].name: must be a string; got 3`},
		{"long member name", `{"` + strings.Repeat("n", 100) + `!": 1}`, `["` + strings.Repeat("n", 64) + `"]: unknown field`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseShortensLongValues(t *testing.T) {
	number := "1" + strings.Repeat("0", 99)
	_, err := Parse([]byte(`{"api_keys": {"max_key_length": ` + number + `}}`))
	require.EqualError(t, err, "api_keys.max_key_length: must be an integer between 16 and 4096; got "+number[:64]+"... (100 bytes)")
}
