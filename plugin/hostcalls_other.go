//go:build !wasip1

package main

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

// Outside wasm (the proxytest emulator) these hostcalls go through the SDK;
// hostcalls_wasip1.go has the wasm bindings.

func callForeignFunction(name string, args []byte) ([]byte, error) {
	return proxywasm.CallForeignFunction(name, args)
}

func setDecisionProperty(value string) error {
	return proxywasm.SetProperty([]string{propertyDecision}, []byte(value))
}
