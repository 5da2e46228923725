package apikey

import (
	"math/bits"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStripCredentials(t *testing.T) {
	tests := []struct {
		name       string
		headers    [][2]string
		query      string
		wantRemove []string
		wantSet    [][2]string
		wantQuery  string
		queryEdit  bool
	}{
		{
			name:       "header",
			headers:    [][2]string{{"x-api-key", "k1"}, {"x-api-key", "k1"}},
			wantRemove: []string{"x-api-key"},
		},
		{
			name:       "empty header is removed too",
			headers:    [][2]string{{"x-api-key", ""}, {"cookie", "api_key=k1"}},
			wantRemove: []string{"x-api-key", "cookie"},
		},
		{
			name:       "only scheme value",
			headers:    [][2]string{{"authorization", "ApiKey k1"}},
			wantRemove: []string{"authorization"},
		},
		{
			name:       "other schemes kept",
			headers:    [][2]string{{"authorization", "Bearer t"}, {"authorization", "apikey k1"}, {"authorization", "Basic b"}},
			wantRemove: []string{"authorization"},
			wantSet:    [][2]string{{"authorization", "Bearer t"}, {"authorization", "Basic b"}},
		},
		{
			name:      "only query parameter",
			query:     "api_key=k1",
			wantQuery: "",
			queryEdit: true,
		},
		{
			name:      "query parameter among others",
			query:     "a=1&api_key=k1&b=%zz&api%5Fkey=k1&api_key",
			wantQuery: "a=1&b=%zz",
			queryEdit: true,
		},
		{
			name:       "only cookie",
			headers:    [][2]string{{"cookie", "api_key=k1"}},
			wantRemove: []string{"cookie"},
		},
		{
			name:       "cookie among others, two headers merged",
			headers:    [][2]string{{"cookie", "a=1; api_key=k1"}, {"cookie", " api_key=\"k1\";b=2;"}},
			wantRemove: []string{"cookie"},
			wantSet:    [][2]string{{"cookie", "a=1; b=2"}},
		},
		{
			name:       "every source",
			headers:    [][2]string{{"x-api-key", "k1"}, {"authorization", "ApiKey k1"}, {"cookie", "s=x; api_key=k1"}},
			query:      "api_key=k1&page=2",
			wantRemove: []string{"x-api-key", "authorization", "cookie"},
			wantSet:    [][2]string{{"cookie", "s=x"}},
			wantQuery:  "page=2",
			queryEdit:  true,
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := Extract(allSources, tc.headers, tc.query)
			var m Mutations
			StripCredentials(&m, allSources, ex.Present, tc.headers, tc.query)

			require.Equal(t, tc.wantRemove, m.RemoveHeaders)
			require.Equal(t, tc.wantSet, m.SetHeaders)
			require.Equal(t, tc.queryEdit, m.QueryChanged)
			require.Equal(t, tc.wantQuery, m.Query)
		})
	}
}

func TestStripCredentialsKeepsAbsentSources(t *testing.T) {
	headers := [][2]string{{"x-api-key", "k1"}, {"authorization", "Bearer t"}, {"cookie", "a=1"}}
	ex := Extract(allSources, headers, "page=2")

	var m Mutations
	StripCredentials(&m, allSources, ex.Present, headers, "page=2")

	require.Equal(t, []string{"x-api-key"}, m.RemoveHeaders)
	require.Empty(t, m.SetHeaders)
	require.False(t, m.QueryChanged)
}

// Every name in SetHeaders must also be in RemoveHeaders, so that a plugin
// that removes first and then adds produces no duplicate.
func TestStripCredentialsSetNamesAreRemoved(t *testing.T) {
	headers := [][2]string{{"authorization", "Bearer t"}, {"authorization", "ApiKey k1"}, {"cookie", "a=1; api_key=k1"}}
	ex := Extract(allSources, headers, "")

	var m Mutations
	StripCredentials(&m, allSources, ex.Present, headers, "")

	require.NotEmpty(t, m.SetHeaders)
	for _, h := range m.SetHeaders {
		require.Contains(t, m.RemoveHeaders, h[0])
	}
}

// TestStripsOneHeaderAgreesWithStripCredentials checks StripsOneHeader
// against what StripCredentials does, for every set of present sources.
func TestStripsOneHeaderAgreesWithStripCredentials(t *testing.T) {
	sources := []Source{
		{Kind: SourceHeader, Name: "x-api-key"},
		{Kind: SourceHeader, Name: "authorization", Scheme: "ApiKey"},
		{Kind: SourceQuery, Name: "api_key"},
		{Kind: SourceCookie, Name: "api_key"},
	}
	headerSets := map[string][][2]string{
		"one value":           {{"x-api-key", "k1"}, {"authorization", "ApiKey k1"}},
		"other scheme beside": {{"authorization", "ApiKey k1"}, {"authorization", "Basic b"}},
		"other scheme only":   {{"authorization", "Bearer t"}},
		"cookie":              {{"cookie", "api_key=k1; a=1"}},
	}
	for name, headers := range headerSets {
		for present := uint32(0); present < 1<<len(sources); present++ {
			var m Mutations
			StripCredentials(&m, sources, present, headers, "api_key=k1&a=1")
			only := len(m.RemoveHeaders) == 1 && len(m.SetHeaders) == 0 && !m.QueryChanged

			got, ok := StripsOneHeader(sources, present, headers)
			if ok {
				require.True(t, only, "%s, present %04b: StripCredentials did more: %+v", name, present, m)
				require.Equal(t, m.RemoveHeaders[0], got, "%s, present %04b", name, present)
			} else if only && present != 0 && present&(present-1) == 0 && sources[bits.TrailingZeros32(present)].Kind == SourceHeader {
				t.Errorf("%s, present %04b: one header source strips one header, yet StripsOneHeader said no: %+v", name, present, m)
			}
		}
	}
}
