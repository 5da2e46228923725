package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// pushOptions are the settings of pushLayout.
type pushOptions struct {
	// insecure allows plain HTTP to any registry. go-containerregistry
	// already uses it for localhost, loopback and private addresses.
	insecure bool

	// transport replaces remote.DefaultTransport; nil keeps it.
	transport http.RoundTripper
}

// pushLayout pushes the only image of the OCI image layout in dir to
// reference, a tag, and returns the tag, the manifest digest and the
// image's version annotation. It
// pushes the image manifest itself, never an index: Istio and Envoy Gateway
// resolve an index to the linux/amd64 image, which a wasip1/wasm image is not.
// Credentials come from authn.DefaultKeychain, the Docker configuration that
// docker login, podman login and crane auth login write.
func pushLayout(ctx context.Context, dir, reference string, opts pushOptions) (pushed, error) {
	var nameOptions []name.Option
	if opts.insecure {
		nameOptions = append(nameOptions, name.Insecure)
	}
	ref, err := parsePushReference(reference, nameOptions)
	if err != nil {
		return pushed{}, err
	}

	img, err := layoutImage(dir)
	if err != nil {
		return pushed{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return pushed{}, fmt.Errorf("reading the image of %s failed: %w", dir, err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return pushed{}, fmt.Errorf("reading the manifest of %s failed: %w", dir, err)
	}

	remoteOptions := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithUserAgent("bulwark-oci-push"),
	}
	if opts.transport != nil {
		remoteOptions = append(remoteOptions, remote.WithTransport(opts.transport))
	}
	if err := remote.Write(ref, img, remoteOptions...); err != nil {
		return pushed{}, pushError(dir, ref, err)
	}
	return pushed{ref: ref, digest: digest, version: manifest.Annotations[annotationVersion]}, nil
}

// pushed describes an image that pushLayout pushed.
type pushed struct {
	ref    name.Tag
	digest v1.Hash

	// version is the image's org.opencontainers.image.version annotation,
	// empty when bulwark oci build had no -version.
	version string
}

// parsePushReference parses REGISTRY/REPOSITORY[:TAG] and rejects a digest
// reference, because a registry stores a pushed manifest under its own
// digest. The printed Istio url and sha256 would then disagree.
func parsePushReference(reference string, options []name.Option) (name.Tag, error) {
	ref, err := name.ParseReference(reference, options...)
	if err != nil {
		hint := "give REGISTRY/REPOSITORY:TAG, for example registry.example.com/bulwark:0.1.0"
		if repo := repositoryPart(reference); repo != strings.ToLower(repo) {
			hint = fmt.Sprintf("repository names must be lower case (got %q); %s", repo, hint)
		}
		return name.Tag{}, fmt.Errorf("invalid image reference %q: %w; %s", reference, err, hint)
	}

	tag, ok := ref.(name.Tag)
	if !ok {
		return name.Tag{}, fmt.Errorf("invalid image reference %q: push needs a tag, not a digest; give REGISTRY/REPOSITORY:TAG and pin the digest that push prints", reference)
	}
	return tag, nil
}

// repositoryPart returns the repository path of a reference, without its
// registry, tag and digest. Like the Docker reference grammar, it takes a
// first component holding '.' or ':', or "localhost", as the registry.
func repositoryPart(reference string) string {
	repo, _, _ := strings.Cut(reference, "@")
	if slash, colon := strings.LastIndex(repo, "/"), strings.LastIndex(repo, ":"); colon > slash {
		repo = repo[:colon]
	}
	first, rest, found := strings.Cut(repo, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return rest
	}
	return repo
}

// layoutImage returns the only image manifest of the layout in dir.
func layoutImage(dir string) (v1.Image, error) {
	index, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the OCI image layout %s failed: %w; run make oci first", dir, err)
	}
	manifest, err := index.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading %s/index.json failed: %w", dir, err)
	}

	if len(manifest.Manifests) != 1 {
		return nil, fmt.Errorf("invalid OCI image layout %s: index.json lists %d manifests, expected the 1 that bulwark oci build writes; run make oci again", dir, len(manifest.Manifests))
	}
	desc := manifest.Manifests[0]
	if desc.MediaType != types.OCIManifestSchema1 {
		return nil, fmt.Errorf("invalid OCI image layout %s: index.json lists a %s, expected an image manifest (%s); run make oci again", dir, desc.MediaType, types.OCIManifestSchema1)
	}

	img, err := index.Image(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading image %s of %s failed: %w", desc.Digest, dir, err)
	}
	return img, nil
}

// pushError explains a failed push. The transport error contains the status
// and the registry's error codes but never the credentials.
func pushError(dir string, ref name.Tag, err error) error {
	var transportErr *transport.Error
	if errors.As(err, &transportErr) {
		switch transportErr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("pushing %s to %s failed: %w; log in with docker login %s (or podman login, crane auth login), or check that the account may push to %s",
				dir, ref.Name(), err, ref.Context().RegistryStr(), ref.Context().Name())
		}
	}
	return fmt.Errorf("pushing %s to %s failed: %w", dir, ref.Name(), err)
}
