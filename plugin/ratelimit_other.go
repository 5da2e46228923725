//go:build !wasip1

package main

import (
	"errors"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// Outside wasm (the proxytest emulator) the rate limiter reads through the
// SDK; ratelimit_wasip1.go has the wasm bindings and the reason for them.

func (*limiterStore) Get(key string) ([]byte, uint32, error) {
	value, cas, err := proxywasm.GetSharedData(key)
	if err != nil && errors.Is(err, types.ErrorStatusNotFound) {
		return nil, 0, ratelimit.ErrNotFound
	}
	return value, cas, err
}

// GetInto is Get: the emulator's values are copies already.
func (s *limiterStore) GetInto(key string, _ []byte) ([]byte, uint32, error) {
	return s.Get(key)
}

func (*limiterStore) Set(key string, value []byte, cas uint32) error {
	err := proxywasm.SetSharedData(key, value, cas)
	if err != nil && errors.Is(err, types.ErrorStatusCasMismatch) {
		return ratelimit.ErrCASMismatch
	}
	return err
}

func peerAddress() string {
	source, err := proxywasm.GetProperty(sourceAddressPath)
	if err != nil {
		proxywasm.LogDebugf("reading source.address failed: %v", err)
	}
	return string(source)
}

// peerAddressScratch is peerAddress; only the wasm build shares a buffer.
func peerAddressScratch() string { return peerAddress() }

func wallClock() time.Time { return time.Now() }
