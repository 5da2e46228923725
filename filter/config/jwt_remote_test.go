package config

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/jwt"
)

func TestRemoteJWKSDefaults(t *testing.T) {
	data, err := os.ReadFile("testdata/valid/jwt_remote.json")
	require.NoError(t, err)
	cfg, err := Parse(data)
	require.NoError(t, err)

	p := cfg.JWT.Providers[0]
	require.Empty(t, p.Keys)
	require.Equal(t, &jwt.RemoteJWKS{
		Cluster:           "idp",
		Path:              "/.well-known/jwks.json",
		Authority:         "idp",
		RefreshInterval:   10 * time.Minute,
		FetchTimeout:      5 * time.Second,
		WaitForFirstFetch: 5 * time.Second,
	}, p.Remote)
}

func TestRemoteJWKSFields(t *testing.T) {
	cfg, err := Parse([]byte(`{"default_route": {"auth": "jwt"}, "jwt": {"providers": [{"name": "idp",
		"issuer": "https://idp.test", "audiences": ["api"], "algorithms": ["RS256"],
		"remote_jwks": {"cluster": "outbound|443||idp.test", "path": "/keys?v=2", "authority": "idp.test",
		"refresh_interval": "1h30m", "fetch_timeout": "250ms", "wait_for_first_fetch": "0s"}}]}}`))
	require.NoError(t, err)
	require.Equal(t, &jwt.RemoteJWKS{
		Cluster:           "outbound|443||idp.test",
		Path:              "/keys?v=2",
		Authority:         "idp.test",
		RefreshInterval:   90 * time.Minute,
		FetchTimeout:      250 * time.Millisecond,
		WaitForFirstFetch: 0,
	}, cfg.JWT.Providers[0].Remote)
}

func TestRemoteJWKSDiscovery(t *testing.T) {
	cfg, err := Parse([]byte(`{"default_route": {"auth": "jwt"}, "jwt": {"providers": [{"name": "idp",
		"issuer": "https://idp.test/tenants/7/", "audiences": ["api"], "algorithms": ["ES256"],
		"remote_jwks": {"cluster": "idp", "discovery": true}}]}}`))
	require.NoError(t, err)
	require.Equal(t, &jwt.RemoteJWKS{
		Cluster:           "idp",
		DiscoveryPath:     "/tenants/7/.well-known/openid-configuration",
		Authority:         "idp",
		RefreshInterval:   10 * time.Minute,
		FetchTimeout:      5 * time.Second,
		WaitForFirstFetch: 5 * time.Second,
	}, cfg.JWT.Providers[0].Remote)
}

func TestRevocationListFields(t *testing.T) {
	provider := `{"name": "idp", "issuer": "https://idp.test", "audiences": ["api"], "algorithms": ["HS256"],
		"hmac_secrets": [{"kid": "k", "secret": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}], "revocation_list": `
	cases := []struct {
		name string
		list string
		want *jwt.RevocationList
	}{
		{"defaults", `{"cluster": "idp", "path": "/revoked"}`, &jwt.RevocationList{
			Cluster: "idp", Path: "/revoked", Authority: "idp",
			RefreshInterval: time.Minute, FetchTimeout: 5 * time.Second, MaxEntries: 10_000,
		}},
		{"every field", `{"cluster": "c", "path": "/r?x=1", "authority": "idp.test", "refresh_interval": "10s",
			"fetch_timeout": "1s", "max_entries": 5}`, &jwt.RevocationList{
			Cluster: "c", Path: "/r?x=1", Authority: "idp.test",
			RefreshInterval: 10 * time.Second, FetchTimeout: time.Second, MaxEntries: 5,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(`{"default_route": {"auth": "jwt"}, "jwt": {"providers": [` + provider + tc.list + `}]}}`))
			require.NoError(t, err)
			require.Equal(t, tc.want, cfg.JWT.Providers[0].Revocation)
		})
	}
}
