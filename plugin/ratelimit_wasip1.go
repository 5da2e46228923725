//go:build wasip1

package main

import (
	"errors"
	"strconv"
	"time"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// The rate limiter's reads bypass the SDK. Each SDK read that returns data
// moved its result variables to the heap and serialized its property path.
// Those three to four heap allocations per call cost about as much in wasm
// as the hostcall itself (BENCHMARKS.md, "Local rate limits").
//
// A value that the host returns is still allocated by the SDK's
// proxy_on_memory_allocate export (plugin/_sdkabi), which keeps it in its
// list of pinned allocations until a wrapper takes it. hostBytes takes it
// through sdkTakeAllocation, as the SDK's wrappers do, so that the list
// does not grow with every direct call.

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

// getSharedData returns the value and CAS of key (proxy_get_shared_data),
// with types.ErrorStatusNotFound for a missing key.
func getSharedData(key string) ([]byte, uint32, error) {
	fastAddress, fastLength, fastCAS = 0, 0, 0
	status := hostGetSharedData(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)),
		&fastAddress, &fastLength, &fastCAS)
	if status != 0 {
		return nil, 0, statusError("proxy_get_shared_data", status)
	}
	return hostBytes(fastAddress, fastLength), fastCAS, nil
}

// setSharedData stores value under key if the key's CAS is still cas
// (proxy_set_shared_data), with types.ErrorStatusCasMismatch otherwise.
// The host copies the value before it returns and allocates nothing in the
// module, so the call needs no result slots.
func setSharedData(key string, value []byte, cas uint32) error {
	status := hostSetSharedData(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)),
		unsafe.Pointer(unsafe.SliceData(value)), uint32(len(value)), cas)
	if status != 0 {
		return statusError("proxy_set_shared_data", status)
	}
	return nil
}

// peerAddress returns the connection's peer (Envoy's source.address), ""
// when the host has none.
func peerAddress() string {
	fastAddress, fastLength = 0, 0
	status := hostGetProperty(unsafe.Pointer(&sourceAddressPathBytes[0]), uint32(len(sourceAddressPathBytes)),
		&fastAddress, &fastLength)
	if status != 0 || fastLength == 0 {
		return ""
	}
	// Nothing else references or changes the host's buffer, so a string
	// can share it.
	return unsafe.String(unsafe.SliceData(hostBytes(fastAddress, fastLength)), fastLength)
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
