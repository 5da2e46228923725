// Package e2e runs the compiled build/bulwark.wasm in the project's
// proxy-wasm host (testing/host) with two worker VMs, the way Envoy runs it,
// and checks what clients and upstreams see.
//
// The module must be built first (`make build`; `make test` does it). A
// missing module fails every test instead of skipping it.
package e2e
