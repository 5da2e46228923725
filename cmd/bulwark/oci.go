package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unicode"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const ociUsage = `usage: bulwark oci <command> [flags]

commands:
  build   write the OCI image of bulwark.wasm to an OCI image layout folder
  push    push the image of an OCI image layout folder to a registry

Run "bulwark oci <command> -h" for the flags of a command.
`

// runOCI runs one of the oci commands.
func runOCI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, ociUsage)
		return 2
	}

	switch args[0] {
	case "build":
		return runOCIBuild(args[1:], stdout, stderr)
	case "push":
		return runOCIPush(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, ociUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "bulwark oci: unknown command %q\n\n%s", args[0], ociUsage)
		return 2
	}
}

// runOCIBuild writes the compat-variant image of a module to a layout.
func runOCIBuild(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("oci build", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: bulwark oci build [-wasm FILE] [-out DIR] [-version TAG] [-revision REV]\n\nWrites the module as a Wasm OCI image (compat variant: one tar+gzip layer containing plugin.wasm) to an OCI image layout.\nSOURCE_DATE_EPOCH sets the creation time; without it the image is created at 1970-01-01T00:00:00Z.")
		flags.PrintDefaults()
	}
	wasmPath := flags.String("wasm", "build/bulwark.wasm", "the filter module (make build writes it)")
	out := flags.String("out", "build/oci", "OCI image layout folder to write; an existing layout there is replaced")
	version := flags.String("version", "", "org.opencontainers.image.version and the layout's reference name, a registry tag such as 0.1.0 (optional)")
	revision := flags.String("revision", "", "org.opencontainers.image.revision, the source control revision of the build (optional)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 0 {
		fmt.Fprintf(stderr, "bulwark oci build: unexpected argument %q\n", flags.Arg(0))
		return 2
	}
	if *version != "" && !tagPattern.MatchString(*version) {
		fmt.Fprintf(stderr, "bulwark oci build: invalid -version %q: use a registry tag of 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'\n", *version)
		return 2
	}

	if i := strings.IndexFunc(*revision, unicode.IsControl); i >= 0 {
		fmt.Fprintf(stderr, "bulwark oci build: invalid -revision %q: control character at byte %d; give one line, such as the output of git rev-parse HEAD\n", *revision, i)
		return 2
	}

	created, err := creationTime(os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		fmt.Fprintf(stderr, "bulwark oci build: %v\n", err)
		return 2
	}
	meta := imageMetadata{Version: *version, Revision: *revision, Created: created}

	module, err := readWasmModule(*wasmPath)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark oci build: %v\n", err)
		return 1
	}
	img, err := buildImage(module, meta)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark oci build: %v\n", err)
		return 1
	}
	if err := writeLayout(*out, img, meta); err != nil {
		fmt.Fprintf(stderr, "bulwark oci build: %v\n", err)
		return 1
	}

	if err := printImage(stdout, *out, img, module); err != nil {
		fmt.Fprintf(stderr, "bulwark oci build: %v\n", err)
		return 1
	}
	return 0
}

// printImage prints the digests that a deployment pins. Istio compares the
// sha256 field of a WasmPlugin with an oci:// URL to the manifest digest,
// not to the digest of plugin.wasm.
func printImage(stdout io.Writer, dir string, img v1.Image, module []byte) error {
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	size, err := blobsSize(img)
	if err != nil {
		return err
	}
	moduleDigest, _, err := v1.SHA256(bytes.NewReader(module))
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "wrote %s\n  image        %s (%d bytes of manifest, config and layer)\n  %s  %s (%d bytes)\n",
		dir, digest, size, pluginFileName, moduleDigest, len(module))
	return nil
}

// blobsSize returns the bytes that a registry stores for img.
func blobsSize(img v1.Image) (int64, error) {
	manifest, err := img.Manifest()
	if err != nil {
		return 0, err
	}
	size, err := img.Size()
	if err != nil {
		return 0, err
	}

	size += manifest.Config.Size
	for _, layer := range manifest.Layers {
		size += layer.Size
	}
	return size, nil
}

// runOCIPush pushes the image of a layout with the Docker credentials.
func runOCIPush(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("oci push", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: bulwark oci push [-layout DIR] [-insecure] REGISTRY/REPOSITORY:TAG\n\nPushes the image of an OCI image layout with the credentials of docker login ($DOCKER_CONFIG or ~/.docker/config.json).")
		flags.PrintDefaults()
	}
	dir := flags.String("layout", "build/oci", "OCI image layout folder that bulwark oci build wrote")
	insecure := flags.Bool("insecure", false, "use plain HTTP for the registry; localhost and private addresses use it without this flag")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	image, err := pushLayout(ctx, *dir, flags.Arg(0), pushOptions{insecure: *insecure})
	if err != nil {
		fmt.Fprintf(stderr, "bulwark oci push: %v\n", err)
		return 1
	}
	if tag := image.ref.TagStr(); image.version != "" && image.version != tag {
		fmt.Fprintf(stderr, "bulwark oci push: warning: pushed tag %q differs from the image's version %q (org.opencontainers.image.version, from oci build -version); push with tag %s, or build again with -version %s\n",
			tag, image.version, image.version, tag)
	}
	fmt.Fprintf(stdout, "pushed %s (%s)\n  Istio WasmPlugin: url: oci://%s  sha256: %s\n", image.ref.Name(), image.digest, image.ref.Name(), image.digest.Hex)
	return 0
}
