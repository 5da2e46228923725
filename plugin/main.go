// Command plugin is the proxy-wasm binding of Bulwark, built into
// bulwark.wasm (see the Makefile's build target).
//
// It adapts the host to the filter packages: it reads the plugin
// configuration once per VM, hands each request's headers to filter.Engine and
// applies the decision (local reply, header edits, path rewrite). The security
// logic itself lives in filter/, which never imports the SDK.
package main

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

// init registers the VM context. It runs inside _initialize, where Envoy's
// V8 allows only a few hostcalls, so it must not call the host.
func init() {
	proxywasm.SetVMContext(&vmContext{})
}

// main is required by the go tool but never runs: a -buildmode=c-shared
// module is a WASI reactor, whose entry point is _initialize.
func main() {}
