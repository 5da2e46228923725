package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image is the "compat" variant of the Wasm image specification
// (github.com/solo-io/wasm, spec/spec-compat.md): an ordinary OCI image whose
// only layer is a tar+gzip archive containing plugin.wasm. Istio's WasmPlugin
// (pkg/wasm/imagefetcher.go) and Envoy Gateway (internal/wasm/imagefetcher.go)
// try this variant first and read plugin.wasm from the last layer. Their
// reader of the other, "oci" variant demands exactly two layers, so an image
// with one raw application/vnd.module.wasm.content.layer.v1+wasm layer would
// be rejected. The compat variant also passes through any registry and
// through docker, crane and skopeo, which may reject custom media types.
const (
	pluginFileName        = "plugin.wasm"
	compatVariantKey      = "module.wasm.image/variant"
	compatVariantValue    = "compat"
	imageTitle            = "bulwark"
	imageDescription      = "Bulwark API-security filter for Envoy and Istio (proxy-wasm HTTP filter)"
	imageSource           = "https://github.com/bulwark-dev/bulwark"
	annotationTitle       = "org.opencontainers.image.title"
	annotationDescription = "org.opencontainers.image.description"
	annotationSource      = "org.opencontainers.image.source"
	annotationVersion     = "org.opencontainers.image.version"
	annotationRevision    = "org.opencontainers.image.revision"
	annotationRefName     = "org.opencontainers.image.ref.name"
)

// wasmPlatform is the platform of a module built with GOOS=wasip1
// GOARCH=wasm. The OCI image specification v1.1.0 takes os and architecture
// values from Go's GOOS and GOARCH, because a draft exception that named the
// os "wasi" was removed before that release.
var wasmPlatform = v1.Platform{OS: "wasip1", Architecture: "wasm"}

// wasmHeader is the magic number and version 1 that start every WebAssembly
// binary module (WebAssembly Core Specification, binary format of modules).
var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// tagPattern is the grammar of a tag in the OCI Distribution Specification.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// imageMetadata is the image's annotations, layout name and creation time.
type imageMetadata struct {
	// Version is the org.opencontainers.image.version annotation and the
	// layout's reference name. An empty version adds neither.
	Version string

	// Revision is the org.opencontainers.image.revision annotation, the
	// source control revision of the build. An empty revision adds none.
	Revision string

	// Created is the image's creation time and the modification time of
	// plugin.wasm in the layer. It is fixed so that a module always gives the
	// same image digest.
	Created time.Time
}

// readWasmModule reads the module at path and checks that it is a
// WebAssembly binary module.
func readWasmModule(path string) ([]byte, error) {
	module, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("wasm module %s not found; run make build first", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading wasm module %s failed: %w", path, err)
	}

	if !bytes.HasPrefix(module, wasmHeader) {
		return nil, fmt.Errorf("%s is not a WebAssembly binary module: it does not start with the magic number \\0asm and version 1; give the .wasm file that make build writes", path)
	}
	return module, nil
}

// creationTime returns the time given by SOURCE_DATE_EPOCH (seconds since
// the Unix epoch, as defined by reproducible-builds.org) or the Unix epoch
// itself when the variable is unset.
func creationTime(sourceDateEpoch string) (time.Time, error) {
	if sourceDateEpoch == "" {
		return time.Unix(0, 0).UTC(), nil
	}

	seconds, err := strconv.ParseInt(sourceDateEpoch, 10, 64)
	if err != nil || seconds < 0 {
		return time.Time{}, fmt.Errorf("invalid SOURCE_DATE_EPOCH %q: give a non-negative number of seconds since 1970-01-01 UTC, or unset it", sourceDateEpoch)
	}
	return time.Unix(seconds, 0).UTC(), nil
}

// buildImage returns the compat-variant image of module.
func buildImage(module []byte, meta imageMetadata) (v1.Image, error) {
	layer, err := pluginLayer(module, meta.Created)
	if err != nil {
		return nil, err
	}

	config := &v1.ConfigFile{
		Architecture: wasmPlatform.Architecture,
		OS:           wasmPlatform.OS,
		Created:      v1.Time{Time: meta.Created},
		RootFS:       v1.RootFS{Type: "layers"},
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, config)
	if err != nil {
		return nil, fmt.Errorf("setting the image configuration failed: %w", err)
	}

	img, err = mutate.Append(img, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: meta.Created},
			CreatedBy: "bulwark oci build",
			Comment:   "add " + pluginFileName,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the %s layer failed: %w", pluginFileName, err)
	}

	return mutate.Annotations(img, manifestAnnotations(meta)).(v1.Image), nil
}

func manifestAnnotations(meta imageMetadata) map[string]string {
	annotations := map[string]string{
		compatVariantKey:      compatVariantValue,
		annotationTitle:       imageTitle,
		annotationDescription: imageDescription,
		annotationSource:      imageSource,
	}
	if meta.Version != "" {
		annotations[annotationVersion] = meta.Version
	}
	if meta.Revision != "" {
		annotations[annotationRevision] = meta.Revision
	}
	return annotations
}

// pluginLayer returns a tar+gzip layer with module as plugin.wasm. The
// archive has no owner names, host paths or times other than modTime, and
// the gzip header has no name and no time, so equal modules give equal
// layer digests with the same Go release.
func pluginLayer(module []byte, modTime time.Time) (v1.Layer, error) {
	var archive bytes.Buffer
	zipper, err := gzip.NewWriterLevel(&archive, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}

	tarWriter := tar.NewWriter(zipper)
	header := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     pluginFileName,
		Mode:     0o644,
		Size:     int64(len(module)),
		ModTime:  modTime,
		Format:   tar.FormatUSTAR,
	}
	if err := tarWriter.WriteHeader(header); err != nil {
		return nil, fmt.Errorf("writing the %s tar header failed: %w", pluginFileName, err)
	}
	if _, err := tarWriter.Write(module); err != nil {
		return nil, fmt.Errorf("writing %s to the layer failed: %w", pluginFileName, err)
	}
	if err := tarWriter.Close(); err != nil {
		return nil, err
	}
	if err := zipper.Close(); err != nil {
		return nil, err
	}

	// The opener returns gzip data, so tarball keeps these bytes as the
	// compressed layer and computes the DiffID by decompressing them.
	compressed := archive.Bytes()
	opener := func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(compressed)), nil
	}
	return tarball.LayerFromOpener(opener, tarball.WithMediaType(types.OCILayer))
}

// writeLayout writes img as the only image of an OCI image layout in dir.
// It builds the layout in a new folder beside dir and then replaces dir, so
// dir never holds a partial layout or an older image. A dir that exists but
// is neither empty nor an OCI image layout is left alone.
func writeLayout(dir string, img v1.Image, meta imageMetadata) error {
	if err := checkReplaceable(dir); err != nil {
		return err
	}

	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("creating %s failed: %w", parent, err)
	}
	staging, err := os.MkdirTemp(parent, ".oci-")
	if err != nil {
		return fmt.Errorf("creating a folder in %s failed: %w", parent, err)
	}
	defer os.RemoveAll(staging)

	if err := appendImage(staging, img, meta); err != nil {
		return fmt.Errorf("writing the OCI image layout failed: %w", err)
	}
	if err := makeReadable(staging); err != nil {
		return fmt.Errorf("setting the permissions of the layout failed: %w", err)
	}

	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing the previous layout %s failed: %w", dir, err)
	}
	if err := os.Rename(staging, dir); err != nil {
		return fmt.Errorf("moving the layout to %s failed: %w", dir, err)
	}
	return nil
}

func appendImage(dir string, img v1.Image, meta imageMetadata) error {
	path, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}

	options := []layout.Option{layout.WithPlatform(wasmPlatform)}
	if meta.Version != "" {
		options = append(options, layout.WithAnnotations(map[string]string{annotationRefName: meta.Version}))
	}
	return path.AppendImage(img, options...)
}

// makeReadable gives every folder of root mode 0755 and every file 0644.
// layout writes blobs through temporary files of mode 0600 and index.json
// with the executable bits, and os.MkdirTemp creates root with 0700.
func makeReadable(root string) error {
	return filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if entry.IsDir() {
			mode = 0o755
		}
		return os.Chmod(path, mode)
	})
}

// checkReplaceable returns an error when dir exists and is neither an empty
// folder nor an OCI image layout, which has an oci-layout file.
func checkReplaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("invalid -out %s: %w", dir, err)
	}

	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return fmt.Errorf("invalid -out %s: the folder is not empty and has no oci-layout file, so it is not replaced; choose another folder", dir)
	}
	return nil
}
