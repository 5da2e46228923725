//go:build !wasip1

package main

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

// Outside wasm (the proxytest emulator) foreign functions go through the
// SDK; jwt_wasip1.go has the wasm binding.

func callForeignFunction(name string, args []byte) ([]byte, error) {
	return proxywasm.CallForeignFunction(name, args)
}
