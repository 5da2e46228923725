// Command bulwark runs, checks and provisions the Bulwark filter on a
// developer's machine.
//
//	bulwark serve    [-config FILE] [-listen ADDR] [-upstream URL] [-workers N] [-cluster NAME=URL]...
//	bulwark validate FILE
//	bulwark keygen   -id NAME [-tier T] [-scopes a,b] [-pepper-file FILE]
//	bulwark oci build [-wasm FILE] [-out DIR] [-version TAG] [-revision REV]
//	bulwark oci push  [-layout DIR] [-insecure] REGISTRY/REPOSITORY:TAG
//
// serve runs build/bulwark.wasm in the project's proxy-wasm host (the same
// host as the end-to-end tests), so it behaves as the filter does in Envoy.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: bulwark <command> [flags]

commands:
  serve      run a local HTTP proxy that passes every request through bulwark.wasm
  validate   check a plugin configuration file and print every error
  keygen     create a new API key and print its configuration entry
  oci        write bulwark.wasm as an OCI image (Istio, Envoy Gateway) and push it

Run "bulwark <command> -h" for the flags of a command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code: 0 on success,
// 1 when the command failed, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}

	switch args[0] {
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "validate":
		return runValidate(args[1:], stdout, stderr)
	case "keygen":
		return runKeygen(args[1:], stdout, stderr)
	case "oci":
		return runOCI(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "bulwark: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
