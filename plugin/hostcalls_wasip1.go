//go:build wasip1

package main

import "unsafe"

// callForeignFunction bypasses the SDK for the same reason as the rate
// limiter's reads (ratelimit_wasip1.go): the SDK's CallForeignFunction
// moves its two result variables to the heap on every call. The result is
// allocated by the SDK's proxy_on_memory_allocate export and pinned as
// described there.

//go:wasmimport env proxy_call_foreign_function
func hostCallForeignFunction(name unsafe.Pointer, nameSize uint32, args unsafe.Pointer, argsSize uint32, returnData, returnSize *uint32) uint32

// callForeignFunction calls the host's foreign function name with args
// (proxy_call_foreign_function) and returns its result.
func callForeignFunction(name string, args []byte) ([]byte, error) {
	fastAddress, fastLength = 0, 0
	status := hostCallForeignFunction(unsafe.Pointer(unsafe.StringData(name)), uint32(len(name)),
		unsafe.Pointer(unsafe.SliceData(args)), uint32(len(args)), &fastAddress, &fastLength)
	if status != 0 {
		return nil, statusError("proxy_call_foreign_function", status)
	}
	return hostBytes(fastAddress, fastLength), nil
}

//go:wasmimport env proxy_set_property
func hostSetProperty(path unsafe.Pointer, pathSize uint32, value unsafe.Pointer, valueSize uint32) uint32

// decisionPathBytes is propertyDecision serialized for the ABI, a path of
// one segment.
var decisionPathBytes = []byte(propertyDecision)

// setDecisionProperty sets the filter-state property propertyDecision to
// value (proxy_set_property) without the SDK's copies of the path and the
// value: the host copies both before it returns.
func setDecisionProperty(value string) error {
	status := hostSetProperty(unsafe.Pointer(unsafe.SliceData(decisionPathBytes)), uint32(len(decisionPathBytes)),
		unsafe.Pointer(unsafe.StringData(value)), uint32(len(value)))
	if status != 0 {
		return statusError("proxy_set_property", status)
	}
	return nil
}
