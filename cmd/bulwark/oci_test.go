package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/stretchr/testify/require"
)

// testModule returns a valid WebAssembly module: the header and one custom
// section named "bulwark-test" whose payload is size bytes derived from seed.
func testModule(seed byte, size int) []byte {
	name := "bulwark-test"
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = seed + byte(i*7)
	}

	content := append([]byte{byte(len(name))}, name...)
	content = append(content, payload...)
	module := append([]byte{}, wasmHeader...)
	module = append(module, 0) // custom section id
	module = appendULEB128(module, uint64(len(content)))
	return append(module, content...)
}

func appendULEB128(out []byte, value uint64) []byte {
	for {
		b := byte(value & 0x7f)
		value >>= 7
		if value == 0 {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

func writeModule(t *testing.T, module []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bulwark.wasm")
	require.NoError(t, os.WriteFile(path, module, 0o600))
	return path
}

// buildLayout runs bulwark oci build on the module at wasmPath and returns
// the layout folder and the command's output.
func buildLayout(t *testing.T, wasmPath string, extra ...string) (dir, stdout string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "oci")
	args := append([]string{"oci", "build", "-wasm", wasmPath, "-out", dir}, extra...)
	code, stdout, stderr := runCommand(args...)
	require.Equal(t, 0, code, stderr)
	return dir, stdout
}

// readLayout returns the layout's index manifest and its only image.
func readLayout(t *testing.T, dir string) (*v1.IndexManifest, v1.Image) {
	t.Helper()
	index, err := layout.ImageIndexFromPath(dir)
	require.NoError(t, err)
	manifest, err := index.IndexManifest()
	require.NoError(t, err)
	require.Len(t, manifest.Manifests, 1)

	img, err := index.Image(manifest.Manifests[0].Digest)
	require.NoError(t, err)
	return manifest, img
}

// extractPlugin reads plugin.wasm as Istio's and Envoy Gateway's pullers do
// for the compat variant: the last layer must be tar+gzip and contain it.
func extractPlugin(t *testing.T, img v1.Image) (module []byte, header *tar.Header) {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	mediaType, err := layers[0].MediaType()
	require.NoError(t, err)
	require.Equal(t, types.OCILayer, mediaType)

	compressed, err := layers[0].Compressed()
	require.NoError(t, err)
	defer compressed.Close()
	unzipped, err := gzip.NewReader(compressed)
	require.NoError(t, err)
	archive := tar.NewReader(unzipped)

	header, err = archive.Next()
	require.NoError(t, err)
	module, err = io.ReadAll(archive)
	require.NoError(t, err)
	_, err = archive.Next()
	require.Equal(t, io.EOF, err, "the layer holds more than plugin.wasm")
	return module, header
}

func imageDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	digest, err := img.Digest()
	require.NoError(t, err)
	return digest
}

func TestOCIBuildWritesCompatImage(t *testing.T) {
	module := testModule(1, 4096)
	dir, stdout := buildLayout(t, writeModule(t, module), "-version", "0.1.0", "-revision", "8f2caec")

	index, img := readLayout(t, dir)
	require.NoError(t, validate.Image(img))
	require.Equal(t, types.OCIManifestSchema1, index.Manifests[0].MediaType)
	require.Equal(t, &wasmPlatform, index.Manifests[0].Platform)
	require.Equal(t, "0.1.0", index.Manifests[0].Annotations[annotationRefName])

	manifest, err := img.Manifest()
	require.NoError(t, err)
	require.Equal(t, types.OCIManifestSchema1, manifest.MediaType)
	require.Equal(t, types.OCIConfigJSON, manifest.Config.MediaType)
	require.Equal(t, map[string]string{
		compatVariantKey:      "compat",
		annotationTitle:       "bulwark",
		annotationDescription: imageDescription,
		annotationSource:      "https://github.com/bulwark-dev/bulwark",
		annotationVersion:     "0.1.0",
		annotationRevision:    "8f2caec",
	}, manifest.Annotations)

	config, err := img.ConfigFile()
	require.NoError(t, err)
	require.Equal(t, "wasip1", config.OS)
	require.Equal(t, "wasm", config.Architecture)
	require.True(t, config.Created.Time.Equal(time.Unix(0, 0)), "created %s", config.Created.Time)

	plugin, header := extractPlugin(t, img)
	require.Equal(t, sha256.Sum256(module), sha256.Sum256(plugin))
	require.Equal(t, "plugin.wasm", header.Name)
	require.Equal(t, byte(tar.TypeReg), header.Typeflag)
	require.Equal(t, 0, header.Uid)
	require.Empty(t, header.Uname)
	require.True(t, header.ModTime.Equal(time.Unix(0, 0)), "modification time %s", header.ModTime)

	moduleSum := sha256.Sum256(module)
	require.Contains(t, stdout, imageDigest(t, img).String())
	require.Contains(t, stdout, "sha256:"+hex.EncodeToString(moduleSum[:]))
}

func TestOCIBuildWithoutVersion(t *testing.T) {
	dir, _ := buildLayout(t, writeModule(t, testModule(1, 64)))

	index, img := readLayout(t, dir)
	manifest, err := img.Manifest()
	require.NoError(t, err)
	require.NotContains(t, manifest.Annotations, annotationVersion)
	require.NotContains(t, manifest.Annotations, annotationRevision)
	require.NotContains(t, index.Manifests[0].Annotations, annotationRefName)
}

func TestOCIBuildIsReproducible(t *testing.T) {
	module := testModule(2, 10000)
	firstDir, _ := buildLayout(t, writeModule(t, module), "-version", "0.1.0")
	secondDir, _ := buildLayout(t, writeModule(t, module), "-version", "0.1.0")
	otherDir, _ := buildLayout(t, writeModule(t, testModule(3, 10000)), "-version", "0.1.0")

	_, first := readLayout(t, firstDir)
	_, second := readLayout(t, secondDir)
	_, other := readLayout(t, otherDir)
	require.Equal(t, imageDigest(t, first), imageDigest(t, second))
	require.NotEqual(t, imageDigest(t, first), imageDigest(t, other))

	firstIndex, err := os.ReadFile(filepath.Join(firstDir, "index.json"))
	require.NoError(t, err)
	secondIndex, err := os.ReadFile(filepath.Join(secondDir, "index.json"))
	require.NoError(t, err)
	require.Equal(t, string(firstIndex), string(secondIndex))

	raw, err := first.RawConfigFile()
	require.NoError(t, err)
	require.NotContains(t, string(raw), filepath.Dir(firstDir), "the config names a host path")
}

func TestOCIBuildSourceDateEpoch(t *testing.T) {
	path := writeModule(t, testModule(4, 100))
	defaultDir, _ := buildLayout(t, path)
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	epochDir, _ := buildLayout(t, path)

	_, defaultImage := readLayout(t, defaultDir)
	_, epochImage := readLayout(t, epochDir)
	require.NotEqual(t, imageDigest(t, defaultImage), imageDigest(t, epochImage))

	config, err := epochImage.ConfigFile()
	require.NoError(t, err)
	require.True(t, config.Created.Time.Equal(time.Unix(1700000000, 0)), "created %s", config.Created.Time)
	_, header := extractPlugin(t, epochImage)
	require.True(t, header.ModTime.Equal(time.Unix(1700000000, 0)), "modification time %s", header.ModTime)
}

func TestOCIBuildRejectsBadInput(t *testing.T) {
	notWasm := filepath.Join(t.TempDir(), "plugin.so")
	require.NoError(t, os.WriteFile(notWasm, []byte("\x7fELF not a wasm module"), 0o600))
	missing := filepath.Join(t.TempDir(), "absent.wasm")

	tests := []struct {
		name     string
		args     []string
		env      string
		wantCode int
		want     string
	}{
		{"missing module", []string{"-wasm", missing}, "", 1, missing + " not found; run make build first"},
		{"not wasm", []string{"-wasm", notWasm}, "", 1, notWasm + " is not a WebAssembly binary module"},
		{"wasm header only in part", []string{"-wasm", writeModule(t, []byte("\x00asm"))}, "", 1, "is not a WebAssembly binary module"},
		{"invalid version", []string{"-version", "v1/2"}, "", 2, `invalid -version "v1/2"`},
		{"revision with newline", []string{"-revision", "abc123\nmalicious: yes"}, "", 2, `invalid -revision "abc123\nmalicious: yes": control character at byte 6`},
		{"invalid epoch", nil, "yesterday", 2, `invalid SOURCE_DATE_EPOCH "yesterday"`},
		{"negative epoch", nil, "-5", 2, `invalid SOURCE_DATE_EPOCH "-5"`},
		{"unexpected argument", []string{"extra"}, "", 2, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SOURCE_DATE_EPOCH", tc.env)
			out := filepath.Join(t.TempDir(), "oci")
			args := append([]string{"oci", "build", "-wasm", writeModule(t, testModule(5, 10)), "-out", out}, tc.args...)

			code, _, stderr := runCommand(args...)

			require.Equal(t, tc.wantCode, code)
			require.Contains(t, stderr, tc.want)
			require.NoDirExists(t, out)
		})
	}
}

func TestOCIBuildReplacesLayout(t *testing.T) {
	dir, _ := buildLayout(t, writeModule(t, testModule(6, 100)))
	newModule := testModule(7, 100)

	code, _, stderr := runCommand("oci", "build", "-wasm", writeModule(t, newModule), "-out", dir)

	require.Equal(t, 0, code, stderr)
	_, img := readLayout(t, dir)
	plugin, _ := extractPlugin(t, img)
	require.Equal(t, newModule, plugin)
	leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(dir), ".oci-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers)
}

func TestOCIBuildKeepsOtherFolder(t *testing.T) {
	dir := t.TempDir()
	unrelated := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(unrelated, []byte("keep"), 0o600))

	code, _, stderr := runCommand("oci", "build", "-wasm", writeModule(t, testModule(8, 10)), "-out", dir)

	require.Equal(t, 1, code)
	require.Contains(t, stderr, "has no oci-layout file")
	require.FileExists(t, unrelated)
}

// TestOCIBuildBuiltFilter packages the module that make build wrote, so the
// image of the real filter is checked too.
func TestOCIBuildBuiltFilter(t *testing.T) {
	path, err := filepath.Abs("../../build/bulwark.wasm")
	require.NoError(t, err)
	module, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("%s is missing; run make build to check the image of the real filter", path)
	}
	require.NoError(t, err)

	dir, _ := buildLayout(t, path)

	_, img := readLayout(t, dir)
	require.NoError(t, validate.Image(img))
	plugin, _ := extractPlugin(t, img)
	require.True(t, bytes.Equal(module, plugin), "plugin.wasm differs from %s", path)
}

func TestOCIUsage(t *testing.T) {
	code, _, stderr := runCommand("oci")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "usage: bulwark oci <command>")

	code, _, stderr = runCommand("oci", "pull")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `unknown command "pull"`)
}

func TestCreationTimeDefault(t *testing.T) {
	created, err := creationTime("")
	require.NoError(t, err)
	require.Equal(t, "1970-01-01T00:00:00Z", created.Format(time.RFC3339))
}

// dockerConfig writes a Docker config.json that logs in to registry and
// points DOCKER_CONFIG at it; no user and password writes an empty config.
func dockerConfig(t *testing.T, registry, user, password string) {
	t.Helper()
	dir := t.TempDir()
	content := `{}`
	if user != "" {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
		content = fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, registry, auth)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(content), 0o600))
	t.Setenv("DOCKER_CONFIG", dir)
}

func TestMain(m *testing.M) {
	// Tests must never read the developer's registry credentials.
	empty, err := os.MkdirTemp("", "docker-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("DOCKER_CONFIG", empty)
	code := m.Run()
	os.RemoveAll(empty)
	os.Exit(code)
}

func TestOCIBuildLayoutIsReadable(t *testing.T) {
	dir, _ := buildLayout(t, writeModule(t, testModule(13, 100)))

	err := filepath.WalkDir(dir, func(path string, entry fs.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := entry.Info()
		require.NoError(t, err)
		want := fs.FileMode(0o644)
		if entry.IsDir() {
			want = fs.ModeDir | 0o755
		}
		require.Equal(t, want, info.Mode(), path)
		return nil
	})
	require.NoError(t, err)
}
