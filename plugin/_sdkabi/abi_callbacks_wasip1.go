//go:build wasip1 && !tinygo

// This file binds the proxy-wasm Go SDK v0.24.0 to the proxy-wasm ABI 0.2.1
// when the module is built by the standard Go toolchain for wasip1.
//
// The SDK declares its hostcalls and callbacks with TinyGo's //export
// comments only; under the standard compiler its hostcalls go to a mock host
// (currentHost) and it exports no callback. `make build` copies the SDK module
// out of the module cache, adds this file to its internal package and builds
// bulwark.wasm against that copy, so the SDK itself is never committed. The
// folder name starts with "_" so that the go tool ignores it in this module.
//
// Widths: the ABI passes pointers and sizes as i32, and Go's int and pointers
// are 64-bit on GOARCH=wasm. Linear memory is below 4 GiB, so a Go pointer
// fits an i32 exactly; every size is converted explicitly.
//
// GC safety: a buffer that the host allocates through proxy_on_memory_allocate
// is referenced only by the host until the hostcall returns. It is kept in
// pinnedAllocations until the wrapper that made the hostcall takes it.

package internal

import (
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func init() {
	currentHost = abiHost{}
}

// pinnedAllocations holds the buffers handed to the host during the current
// hostcall. Envoy calls the allocator at most a few times per hostcall, and
// the VM is single-threaded, so a short slice is enough.
var pinnedAllocations [][]byte

// allocationTarget is a buffer that the plugin's own hostcall wrappers
// (plugin/ratelimit_wasip1.go, through go:linkname) offer for the result of
// their next hostcall. The next allocation that fits returns it instead of
// a new buffer and clears the offer. The wrapper clears it after the call
// too, because a missing key allocates nothing.
//
// GC safety: the variable keeps the buffer alive during the call, and a
// buffer that a package variable references is on the heap, which does not
// move. It is never set around an SDK call, so no SDK wrapper receives it.
var allocationTarget []byte

//go:wasmexport proxy_on_memory_allocate
func exportOnMemoryAllocate(size uint32) uint32 {
	// Envoy never requests zero bytes. Returning a 1-byte buffer keeps the
	// pointer valid if a host does.
	if size == 0 {
		size = 1
	}
	if target := allocationTarget; size <= uint32(len(target)) {
		allocationTarget = nil
		return uint32(uintptr(unsafe.Pointer(&target[0])))
	}
	buf := make([]byte, size)
	pinnedAllocations = append(pinnedAllocations, buf)
	return uint32(uintptr(unsafe.Pointer(&buf[0])))
}

// takeAllocationFunc is takeAllocation for the plugin's own hostcall
// imports (plugin/ratelimit_wasip1.go), which read it through go:linkname.
// Without it their results would stay pinned until the next SDK call that
// returns data. A loop of such calls, such as the rate limiter creating its
// slots at start, would then grow the list and the heap with every call.
var takeAllocationFunc = takeAllocation

// takeAllocation returns the pinned buffer that starts at ptr and releases
// every pin of the finished hostcall. A zero pointer is the ABI's empty result.
func takeAllocation(ptr uint32) *byte {
	var found *byte
	for i, buf := range pinnedAllocations {
		if found == nil && ptr != 0 && uint32(uintptr(unsafe.Pointer(&buf[0]))) == ptr {
			found = &buf[0]
		}
		pinnedAllocations[i] = nil
	}
	pinnedAllocations = pinnedAllocations[:0]

	if found == nil && ptr != 0 {
		panic("BUG: the host returned memory that proxy_on_memory_allocate did not allocate")
	}
	return found
}

// recoverCallback logs a panic that escaped the plugin's own recovery (for
// example one raised inside the SDK), so that the VM keeps serving. For a
// stream callback it also ends the request with a 500 JSON reply: failing
// closed is the only safe answer when the state of the stream is unknown.
func recoverCallback(callback string, stream bool) {
	v := recover()
	if v == nil {
		return
	}

	message := "bulwark: recovered panic in " + callback + ": " + panicText(v)
	ProxyLog(LogLevelCritical, StringBytePtr(message), len(message))
	if !stream {
		return
	}

	body := `{"code":"internal_error","message":"The request could not be processed."}`
	headers := SerializeMap([][2]string{{"content-type", "application/json"}})
	details := "bulwark_internal_error"
	ProxySendLocalResponse(500, StringBytePtr(details), len(details),
		StringBytePtr(body), len(body), &headers[0], len(headers), -1)
}

func panicText(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case string:
		return v
	default:
		return "non-error panic value"
	}
}

func boolToUint32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

//go:wasmexport proxy_abi_version_0_2_1
func exportABIVersion() {}

//go:wasmexport proxy_on_vm_start
func exportOnVMStart(rootContextID, vmConfigurationSize uint32) (ok uint32) {
	defer recoverCallback("proxy_on_vm_start", false)
	return boolToUint32(bool(proxyOnVMStart(rootContextID, int(vmConfigurationSize))))
}

//go:wasmexport proxy_on_configure
func exportOnConfigure(rootContextID, pluginConfigurationSize uint32) (ok uint32) {
	defer recoverCallback("proxy_on_configure", false)
	return boolToUint32(bool(proxyOnConfigure(rootContextID, int(pluginConfigurationSize))))
}

//go:wasmexport proxy_on_context_create
func exportOnContextCreate(contextID, rootContextID uint32) {
	defer recoverCallback("proxy_on_context_create", false)
	proxyOnContextCreate(contextID, rootContextID)
}

//go:wasmexport proxy_on_request_headers
func exportOnRequestHeaders(contextID, numHeaders, endOfStream uint32) (action uint32) {
	action = uint32(types.ActionPause)
	defer recoverCallback("proxy_on_request_headers", true)
	return uint32(proxyOnRequestHeaders(contextID, int(numHeaders), endOfStream != 0))
}

//go:wasmexport proxy_on_request_body
func exportOnRequestBody(contextID, bodySize, endOfStream uint32) (action uint32) {
	action = uint32(types.ActionPause)
	defer recoverCallback("proxy_on_request_body", true)
	return uint32(proxyOnRequestBody(contextID, int(bodySize), endOfStream != 0))
}

//go:wasmexport proxy_on_request_trailers
func exportOnRequestTrailers(contextID, numTrailers uint32) (action uint32) {
	action = uint32(types.ActionPause)
	defer recoverCallback("proxy_on_request_trailers", true)
	return uint32(proxyOnRequestTrailers(contextID, int(numTrailers)))
}

//go:wasmexport proxy_on_response_headers
func exportOnResponseHeaders(contextID, numHeaders, endOfStream uint32) (action uint32) {
	action = uint32(types.ActionPause)
	defer recoverCallback("proxy_on_response_headers", true)
	return uint32(proxyOnResponseHeaders(contextID, int(numHeaders), endOfStream != 0))
}

//go:wasmexport proxy_on_response_body
func exportOnResponseBody(contextID, bodySize, endOfStream uint32) (action uint32) {
	action = uint32(types.ActionPause)
	defer recoverCallback("proxy_on_response_body", true)
	return uint32(proxyOnResponseBody(contextID, int(bodySize), endOfStream != 0))
}

//go:wasmexport proxy_on_response_trailers
func exportOnResponseTrailers(contextID, numTrailers uint32) (action uint32) {
	action = uint32(types.ActionPause)
	defer recoverCallback("proxy_on_response_trailers", true)
	return uint32(proxyOnResponseTrailers(contextID, int(numTrailers)))
}

//go:wasmexport proxy_on_http_call_response
func exportOnHttpCallResponse(rootContextID, calloutID, numHeaders, bodySize, numTrailers uint32) {
	defer recoverCallback("proxy_on_http_call_response", false)
	proxyOnHttpCallResponse(rootContextID, calloutID, int(numHeaders), int(bodySize), int(numTrailers))
}

//go:wasmexport proxy_on_tick
func exportOnTick(rootContextID uint32) {
	defer recoverCallback("proxy_on_tick", false)
	proxyOnTick(rootContextID)
}

//go:wasmexport proxy_on_queue_ready
func exportOnQueueReady(rootContextID, queueID uint32) {
	defer recoverCallback("proxy_on_queue_ready", false)
	proxyOnQueueReady(rootContextID, queueID)
}

//go:wasmexport proxy_on_new_connection
func exportOnNewConnection(contextID uint32) (action uint32) {
	defer recoverCallback("proxy_on_new_connection", false)
	return uint32(proxyOnNewConnection(contextID))
}

//go:wasmexport proxy_on_downstream_data
func exportOnDownstreamData(contextID, dataSize, endOfStream uint32) (action uint32) {
	defer recoverCallback("proxy_on_downstream_data", false)
	return uint32(proxyOnDownstreamData(contextID, int(dataSize), endOfStream != 0))
}

//go:wasmexport proxy_on_downstream_connection_close
func exportOnDownstreamConnectionClose(contextID, peerType uint32) {
	defer recoverCallback("proxy_on_downstream_connection_close", false)
	proxyOnDownstreamConnectionClose(contextID, types.PeerType(peerType))
}

//go:wasmexport proxy_on_upstream_data
func exportOnUpstreamData(contextID, dataSize, endOfStream uint32) (action uint32) {
	defer recoverCallback("proxy_on_upstream_data", false)
	return uint32(proxyOnUpstreamData(contextID, int(dataSize), endOfStream != 0))
}

//go:wasmexport proxy_on_upstream_connection_close
func exportOnUpstreamConnectionClose(contextID, peerType uint32) {
	defer recoverCallback("proxy_on_upstream_connection_close", false)
	proxyOnUpstreamConnectionClose(contextID, types.PeerType(peerType))
}

//go:wasmexport proxy_on_log
func exportOnLog(contextID uint32) {
	defer recoverCallback("proxy_on_log", false)
	proxyOnLog(contextID)
}

//go:wasmexport proxy_on_done
func exportOnDone(contextID uint32) (done uint32) {
	done = 1
	defer recoverCallback("proxy_on_done", false)
	return boolToUint32(proxyOnDone(contextID))
}

//go:wasmexport proxy_on_delete
func exportOnDelete(contextID uint32) {
	defer recoverCallback("proxy_on_delete", false)
	proxyOnDelete(contextID)
}
