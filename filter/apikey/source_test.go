package apikey

import (
	"testing"

	"github.com/stretchr/testify/require"
)

var allSources = []Source{
	{Kind: SourceHeader, Name: "x-api-key"},
	{Kind: SourceHeader, Name: "authorization", Scheme: "ApiKey"},
	{Kind: SourceQuery, Name: "api_key"},
	{Kind: SourceCookie, Name: "api_key"},
}

const (
	bitHeader = 1 << iota
	bitAuthorization
	bitQuery
	bitCookie
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name    string
		headers [][2]string
		query   string
		outcome Outcome
		want    string
		present uint32
	}{
		{"nothing", [][2]string{{":path", "/"}}, "", OutcomeMissing, "", 0},
		{"header", [][2]string{{"x-api-key", "k1"}}, "", OutcomeFound, "k1", bitHeader},
		{"header name case ignored", [][2]string{{"X-Api-Key", "k1"}}, "", OutcomeFound, "k1", bitHeader},
		{"repeated identical header", [][2]string{{"x-api-key", "k1"}, {"x-api-key", "k1"}}, "", OutcomeFound, "k1", bitHeader},
		{"repeated different header", [][2]string{{"x-api-key", "k1"}, {"x-api-key", "k2"}}, "", OutcomeMultiple, "", bitHeader},
		{"empty header ignored", [][2]string{{"x-api-key", ""}}, "", OutcomeMissing, "", bitHeader},
		{"empty header beside a key", [][2]string{{"x-api-key", ""}, {"x-api-key", "k1"}}, "", OutcomeFound, "k1", bitHeader},
		{"scheme", [][2]string{{"authorization", "ApiKey k1"}}, "", OutcomeFound, "k1", bitAuthorization},
		{"scheme case ignored", [][2]string{{"authorization", "APIKEY k1"}}, "", OutcomeFound, "k1", bitAuthorization},
		{"spaces after scheme", [][2]string{{"authorization", "ApiKey   k1"}}, "", OutcomeFound, "k1", bitAuthorization},
		{"other scheme", [][2]string{{"authorization", "Bearer t"}}, "", OutcomeMissing, "", 0},
		{"scheme without space", [][2]string{{"authorization", "ApiKeyk1"}}, "", OutcomeMissing, "", 0},
		{"scheme without credential", [][2]string{{"authorization", "ApiKey"}}, "", OutcomeMissing, "", bitAuthorization},
		{"scheme among others", [][2]string{{"authorization", "Bearer t"}, {"authorization", "ApiKey k1"}}, "", OutcomeFound, "k1", bitAuthorization},
		{"query", nil, "api_key=k1", OutcomeFound, "k1", bitQuery},
		{"query among others", nil, "a=1&api_key=k1&b", OutcomeFound, "k1", bitQuery},
		{"query percent-decoded", nil, "api_key=a%2Bb%3D", OutcomeFound, "a+b=", bitQuery},
		{"query plus is space", nil, "api_key=a+b", OutcomeFound, "a b", bitQuery},
		{"query encoded name", nil, "api%5Fkey=k1", OutcomeFound, "k1", bitQuery},
		{"query name is case-sensitive", nil, "API_KEY=k1", OutcomeMissing, "", 0},
		{"query longer name", nil, "api_keys=k1", OutcomeMissing, "", 0},
		{"query without value", nil, "api_key", OutcomeMissing, "", bitQuery},
		{"query repeated identical", nil, "api_key=k1&api_key=k1", OutcomeFound, "k1", bitQuery},
		{"query repeated different", nil, "api_key=k1&api_key=k2", OutcomeMultiple, "", bitQuery},
		{"query invalid escape", nil, "api_key=%zz", OutcomeUndecodable, "", bitQuery},
		{"query truncated escape", nil, "api_key=k%2", OutcomeUndecodable, "", bitQuery},
		{"query invalid escape in other parameter", nil, "x=%zz&api_key=k1", OutcomeFound, "k1", bitQuery},
		{"cookie", [][2]string{{"cookie", "a=1; api_key=k1; b=2"}}, "", OutcomeFound, "k1", bitCookie},
		{"cookie quoted", [][2]string{{"cookie", `api_key="k1"`}}, "", OutcomeFound, "k1", bitCookie},
		{"cookie spaces around name", [][2]string{{"cookie", "a=1;api_key =k1"}}, "", OutcomeFound, "k1", bitCookie},
		{"cookie in second header", [][2]string{{"cookie", "a=1"}, {"cookie", "api_key=k1"}}, "", OutcomeFound, "k1", bitCookie},
		{"cookie repeated different", [][2]string{{"cookie", "api_key=k1; api_key=k2"}}, "", OutcomeMultiple, "", bitCookie},
		{"cookie name is case-sensitive", [][2]string{{"cookie", "API_KEY=k1"}}, "", OutcomeMissing, "", 0},
		{"same key in every source", [][2]string{{"x-api-key", "k1"}, {"authorization", "ApiKey k1"}, {"cookie", "api_key=k1"}}, "api_key=k1", OutcomeFound, "k1", bitHeader | bitAuthorization | bitQuery | bitCookie},
		{"different keys in two sources", [][2]string{{"x-api-key", "k1"}}, "api_key=k2", OutcomeMultiple, "", bitHeader | bitQuery},
		{"multiple wins over undecodable", [][2]string{{"x-api-key", "k1"}, {"cookie", "api_key=k2"}}, "api_key=%zz", OutcomeMultiple, "", bitHeader | bitQuery | bitCookie},
		{"undecodable beside a key", [][2]string{{"x-api-key", "k1"}}, "api_key=%zz", OutcomeUndecodable, "", bitHeader | bitQuery},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := Extract(allSources, tc.headers, tc.query)
			require.Equal(t, tc.outcome, ex.Outcome)
			require.Equal(t, tc.want, ex.Credential)
			require.Equal(t, tc.present, ex.Present)
		})
	}
}

func TestExtractHeaderDoesNotAllocate(t *testing.T) {
	headers := [][2]string{{":method", "GET"}, {":path", "/v1/items"}, {"x-api-key", "k1"}, {"accept", "*/*"}}
	allocs := testing.AllocsPerRun(100, func() {
		_ = Extract(allSources, headers, "page=2")
	})
	require.Zero(t, allocs)
}
