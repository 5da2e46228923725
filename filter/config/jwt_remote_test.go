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
