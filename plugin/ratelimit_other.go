//go:build !wasip1

package main

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
)

// Outside wasm (the proxytest emulator) the rate limiter reads through the
// SDK; ratelimit_wasip1.go has the wasm bindings and the reason for them.

func getSharedData(key string) ([]byte, uint32, error) {
	return proxywasm.GetSharedData(key)
}

func setSharedData(key string, value []byte, cas uint32) error {
	return proxywasm.SetSharedData(key, value, cas)
}

func peerAddress() string {
	source, err := proxywasm.GetProperty(sourceAddressPath)
	if err != nil {
		proxywasm.LogDebugf("reading source.address failed: %v", err)
	}
	return string(source)
}

func wallClock() time.Time { return time.Now() }
