//go:build wasip1

package main

import (
	"errors"
	"strconv"
	"time"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// The rate limiter's reads bypass the SDK. Each SDK read that returns data
// moved its result variables to the heap and serialized its property path.
// Those three to four heap allocations per call cost about as much in wasm
// as the hostcall itself (BENCHMARKS.md, "Local rate limits").
//
// A value that the host returns goes through the SDK's
// proxy_on_memory_allocate export (plugin/_sdkabi). The rate limiter's
// reads offer it a buffer of their own (sdkAllocationTarget): a slot's
// state goes into the limiter's check, the peer address into peerScratch,
// and neither is allocated. A value that does not fit is allocated and
// pinned until a wrapper takes it. hostBytes takes it through
// sdkTakeAllocation, as the SDK's wrappers do, so that the list of pinned
// allocations does not grow with every direct call.

//go:wasmimport env proxy_get_shared_data
func hostGetSharedData(key unsafe.Pointer, keySize uint32, returnData, returnSize, returnCas *uint32) uint32

//go:wasmimport env proxy_set_shared_data
func hostSetSharedData(key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize, cas uint32) uint32

//go:wasmimport env proxy_get_property
func hostGetProperty(path unsafe.Pointer, pathSize uint32, returnData, returnSize *uint32) uint32

//go:wasmimport wasi_snapshot_preview1 clock_time_get
func wasiClockTimeGet(clockID uint32, precision uint64, time *uint64) uint32

// The result slots of the calls above are package variables: a local whose
// address goes to a //go:wasmimport function is moved to the heap, and a
// stack slot could move while the host calls proxy_on_memory_allocate. The
// VM is single-threaded and the host writes them only before it returns.
var (
	fastAddress, fastLength, fastCAS uint32
	fastClock                        uint64
)

// sourceAddressPathBytes is sourceAddressPath serialized for the ABI: the
// segments separated by NUL bytes.
var sourceAddressPathBytes = []byte("source\x00address")

// Get returns the value and CAS of key (proxy_get_shared_data), with
// ratelimit.ErrNotFound for a missing key.
func (s *limiterStore) Get(key string) ([]byte, uint32, error) {
	return s.GetInto(key, nil)
}

// GetInto is Get with the value written by the host into dst when it fits.
// dst is offered to proxy_on_memory_allocate for this one call
// (sdkAllocationTarget), which saves an allocation per read.
func (*limiterStore) GetInto(key string, dst []byte) ([]byte, uint32, error) {
	fastAddress, fastLength, fastCAS = 0, 0, 0
	sdkAllocationTarget = dst
	status := hostGetSharedData(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)),
		&fastAddress, &fastLength, &fastCAS)
	sdkAllocationTarget = nil

	switch {
	case status == 1:
		return nil, 0, ratelimit.ErrNotFound
	case status != 0:
		return nil, 0, statusError("proxy_get_shared_data", status)
	case inBuffer(dst, fastAddress, fastLength):
		return dst[:fastLength], fastCAS, nil
	}
	return hostBytes(fastAddress, fastLength), fastCAS, nil
}

// Set stores value under key if the key's CAS is still cas
// (proxy_set_shared_data), with ratelimit.ErrCASMismatch otherwise. The
// host copies the value before it returns and allocates nothing in the
// module, so the call needs no result slots.
func (*limiterStore) Set(key string, value []byte, cas uint32) error {
	status := hostSetSharedData(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)),
		unsafe.Pointer(unsafe.SliceData(value)), uint32(len(value)), cas)
	switch status {
	case 0:
		return nil
	case 8:
		return ratelimit.ErrCASMismatch
	}
	return statusError("proxy_set_shared_data", status)
}

// peerAddress returns the connection's peer (Envoy's source.address), ""
// when the host has none.
func peerAddress() string {
	return readPeerAddress(nil)
}

// peerScratch receives the peer address of peerAddressScratch: an IPv6
// address with a zone and a port fits.
var peerScratch [64]byte

// peerAddressScratch is peerAddress in a buffer that the next call
// overwrites: the caller must be done with the string before it calls
// again, and must copy what it keeps.
func peerAddressScratch() string {
	return readPeerAddress(peerScratch[:])
}

// readPeerAddress reads source.address, into dst when it fits.
func readPeerAddress(dst []byte) string {
	fastAddress, fastLength = 0, 0
	sdkAllocationTarget = dst
	status := hostGetProperty(unsafe.Pointer(&sourceAddressPathBytes[0]), uint32(len(sourceAddressPathBytes)),
		&fastAddress, &fastLength)
	sdkAllocationTarget = nil
	if status != 0 || fastLength == 0 {
		return ""
	}

	var data []byte
	if inBuffer(dst, fastAddress, fastLength) {
		data = dst[:fastLength]
	} else {
		data = hostBytes(fastAddress, fastLength)
	}
	// Nothing else references or changes the buffer until the next call
	// with the same dst, so a string can share it.
	return unsafe.String(unsafe.SliceData(data), fastLength)
}

// inBuffer reports whether the host returned its result in dst, the
// buffer offered through sdkAllocationTarget. A result at dst that claims
// more than len(dst) bytes is not, so hostBytes rejects it.
func inBuffer(dst []byte, address, length uint32) bool {
	return len(dst) > 0 && length <= uint32(len(dst)) &&
		address == uint32(uintptr(unsafe.Pointer(&dst[0])))
}

// hostBytes returns the buffer of length bytes at address that the host
// filled; nil for an empty result.
func hostBytes(address, length uint32) []byte {
	// The buffer at address is the host's allocation for this call; taking
	// it releases the pins, and the slice keeps the buffer alive from here.
	data := sdkTakeAllocation(address)
	if data == nil || length == 0 {
		return nil
	}
	return unsafe.Slice(data, length)
}

// sdkTakeAllocation is plugin/_sdkabi's takeAllocationFunc: it returns the
// pinned buffer that starts at address (nil for 0) and releases every pin
// of the finished hostcall. It panics when the host returns memory that
// proxy_on_memory_allocate did not allocate.
//
//go:linkname sdkTakeAllocation github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/internal.takeAllocationFunc
var sdkTakeAllocation func(address uint32) *byte

// sdkAllocationTarget is plugin/_sdkabi's allocationTarget: a buffer that
// the next proxy_on_memory_allocate returns when the result fits, instead
// of allocating. Set it right before one of this file's hostcalls and
// clear it right after, never around an SDK call.
//
//go:linkname sdkAllocationTarget github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/internal.allocationTarget
var sdkAllocationTarget []byte

// wallClock returns the time with one WASI clock read; time.Now makes two,
// one of them for the monotonic reading that the limiter does not use.
func wallClock() time.Time {
	if wasiClockTimeGet(0, 1, &fastClock) != 0 { // 0: the realtime clock
		return time.Now()
	}
	return time.Unix(0, int64(fastClock))
}

// statusError maps a hostcall status to the SDK's error values, so that
// callers compare them with errors.Is as they do for the SDK's calls.
func statusError(call string, status uint32) error {
	switch status {
	case 1:
		return types.ErrorStatusNotFound
	case 2:
		return types.ErrorStatusBadArgument
	case 7:
		return types.ErrorStatusEmpty
	case 8:
		return types.ErrorStatusCasMismatch
	case 10:
		return types.ErrorInternalFailure
	case 12:
		return types.ErrorUnimplemented
	}
	return errors.New(call + " returned unknown status " + strconv.FormatUint(uint64(status), 10))
}
