package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"
)

// testPassword carries a marker so that a leak into output is easy to find.
const testPassword = "SECRET-MARKER-registry-password"

// startRegistry serves an in-memory registry on 127.0.0.1 and returns its
// host:port. With a user, every request needs that user and testPassword.
func startRegistry(t *testing.T, user string) string {
	t.Helper()
	var handler http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if user != "" {
		handler = requireBasicAuth(handler, user, testPassword)
	}
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return strings.TrimPrefix(server.URL, "http://")
}

func requireBasicAuth(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPassword, ok := r.BasicAuth()
		if !ok || gotUser != user || gotPassword != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test registry"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestOCIPushAndPull pushes a layout and pulls it back the way Istio does:
// remote.Get on the tag, then the image, then plugin.wasm from its layer.
func TestOCIPushAndPull(t *testing.T) {
	host := startRegistry(t, "")
	module := testModule(9, 5000)
	dir, _ := buildLayout(t, writeModule(t, module), "-version", "0.1.0")
	_, local := readLayout(t, dir)
	reference := host + "/bulwark:0.1.0"

	code, stdout, stderr := runCommand("oci", "push", "-layout", dir, reference)

	require.Equal(t, 0, code, stderr)
	localDigest := imageDigest(t, local)
	require.Contains(t, stdout, "pushed "+reference+" ("+localDigest.String()+")")
	require.Contains(t, stdout, "url: oci://"+reference+"  sha256: "+localDigest.Hex)

	ref, err := name.ParseReference(reference)
	require.NoError(t, err)
	desc, err := remote.Get(ref)
	require.NoError(t, err)
	require.Equal(t, types.OCIManifestSchema1, desc.MediaType)
	require.Equal(t, localDigest, desc.Digest)

	pulled, err := desc.Image()
	require.NoError(t, err)
	require.Equal(t, localDigest, imageDigest(t, pulled))
	plugin, _ := extractPlugin(t, pulled)
	require.Equal(t, module, plugin)
}

func TestOCIPushWithDockerLogin(t *testing.T) {
	host := startRegistry(t, "ci")
	dir, _ := buildLayout(t, writeModule(t, testModule(10, 100)))
	reference := host + "/bulwark:0.1.0"

	dockerConfig(t, host, "", "")
	code, stdout, stderr := runCommand("oci", "push", "-layout", dir, reference)
	require.Equal(t, 1, code, stdout)
	require.Contains(t, stderr, "docker login "+host)
	require.Contains(t, stderr, "401")

	dockerConfig(t, host, "ci", testPassword)
	code, stdout, stderr = runCommand("oci", "push", "-layout", dir, reference)
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stdout+stderr, testPassword)
}

func TestOCIPushWrongPasswordHidesIt(t *testing.T) {
	host := startRegistry(t, "ci")
	dir, _ := buildLayout(t, writeModule(t, testModule(11, 100)))
	dockerConfig(t, host, "ci", "wrong-"+testPassword)

	code, stdout, stderr := runCommand("oci", "push", "-layout", dir, host+"/bulwark:0.1.0")

	require.Equal(t, 1, code)
	require.Contains(t, stderr, "docker login "+host)
	require.NotContains(t, stdout+stderr, testPassword)
}

func TestOCIPushRejectsBadInput(t *testing.T) {
	host := startRegistry(t, "")
	layoutDir, _ := buildLayout(t, writeModule(t, testModule(12, 10)))
	missing := filepath.Join(t.TempDir(), "oci")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"missing layout", []string{"-layout", missing, host + "/bulwark:1"}, 1, "reading the OCI image layout " + missing + " failed"},
		{"missing layout hint", []string{"-layout", missing, host + "/bulwark:1"}, 1, "run make oci first"},
		{"invalid reference", []string{"-layout", layoutDir, host + "/Bulwark:1"}, 1, `invalid image reference "` + host + `/Bulwark:1"`},
		{"upper-case repository", []string{"-layout", layoutDir, host + "/team/Bulwark:1"}, 1, `repository names must be lower case (got "team/Bulwark")`},
		{"digest reference", []string{"-layout", layoutDir, host + "/bulwark@sha256:" + strings.Repeat("ab", 32)}, 1, "push needs a tag, not a digest"},
		{"tag and digest", []string{"-layout", layoutDir, host + "/bulwark:1@sha256:" + strings.Repeat("ab", 32)}, 1, "push needs a tag, not a digest"},
		{"no reference", []string{"-layout", layoutDir}, 2, "usage: bulwark oci push"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCommand(append([]string{"oci", "push"}, tc.args...)...)

			require.Equal(t, tc.wantCode, code)
			require.Contains(t, stderr, tc.want)
		})
	}
}

// TestOCIPushWarnsOfOtherTag pushes an image built with -version 0.1.0
// under the tag 0.2.0: the push succeeds with a warning on stderr.
func TestOCIPushWarnsOfOtherTag(t *testing.T) {
	host := startRegistry(t, "")
	dir, _ := buildLayout(t, writeModule(t, testModule(13, 100)), "-version", "0.1.0")

	code, stdout, stderr := runCommand("oci", "push", "-layout", dir, host+"/bulwark:0.2.0")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "pushed "+host+"/bulwark:0.2.0")
	require.Contains(t, stderr, `warning: pushed tag "0.2.0" differs from the image's version "0.1.0"`)

	code, _, stderr = runCommand("oci", "push", "-layout", dir, host+"/bulwark:0.1.0")
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stderr)
}

func TestRepositoryPart(t *testing.T) {
	tests := map[string]string{
		"registry.example.com/team/Bulwark:0.1.0": "team/Bulwark",
		"127.0.0.1:5000/bulwark":                  "bulwark",
		"localhost/Bulwark@sha256:00":             "Bulwark",
		"Team/bulwark:1":                          "Team/bulwark",
		"bulwark":                                 "bulwark",
	}
	for reference, want := range tests {
		require.Equal(t, want, repositoryPart(reference), reference)
	}
}
