//go:build wasip1 && !tinygo

// This file imports the proxy-wasm ABI 0.2.1 hostcalls with //go:wasmimport
// and routes the SDK's hostcall functions to them (see
// abi_callbacks_wasip1.go for how the file reaches the SDK).
//
// Each import takes i32 values: pointers as unsafe.Pointer, which keeps the
// Go value alive for the duration of the call, and sizes as uint32. Results
// that the host allocates come back as an i32 address and length pair in
// resultAddress and resultLength, which fromHost turns into the SDK's *byte
// and int after the call.

package internal

import "unsafe"

//go:wasmimport env proxy_log
func hostLog(level uint32, message unsafe.Pointer, messageSize uint32) uint32

//go:wasmimport env proxy_set_property
func hostSetProperty(path unsafe.Pointer, pathSize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_get_property
func hostGetProperty(path unsafe.Pointer, pathSize uint32, returnData, returnSize *uint32) uint32

//go:wasmimport env proxy_send_local_response
func hostSendLocalResponse(statusCode uint32, details unsafe.Pointer, detailsSize uint32,
	body unsafe.Pointer, bodySize uint32, headers unsafe.Pointer, headersSize uint32, grpcStatus int32) uint32

//go:wasmimport env proxy_get_shared_data
func hostGetSharedData(key unsafe.Pointer, keySize uint32, returnData, returnSize, returnCas *uint32) uint32

//go:wasmimport env proxy_set_shared_data
func hostSetSharedData(key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32, cas uint32) uint32

//go:wasmimport env proxy_register_shared_queue
func hostRegisterSharedQueue(name unsafe.Pointer, nameSize uint32, returnID *uint32) uint32

//go:wasmimport env proxy_resolve_shared_queue
func hostResolveSharedQueue(vmID unsafe.Pointer, vmIDSize uint32, name unsafe.Pointer, nameSize uint32, returnID *uint32) uint32

//go:wasmimport env proxy_dequeue_shared_queue
func hostDequeueSharedQueue(queueID uint32, returnData, returnSize *uint32) uint32

//go:wasmimport env proxy_enqueue_shared_queue
func hostEnqueueSharedQueue(queueID uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_get_header_map_value
func hostGetHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, returnData, returnSize *uint32) uint32

//go:wasmimport env proxy_add_header_map_value
func hostAddHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_replace_header_map_value
func hostReplaceHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_remove_header_map_value
func hostRemoveHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32) uint32

//go:wasmimport env proxy_get_header_map_pairs
func hostGetHeaderMapPairs(mapType uint32, returnData, returnSize *uint32) uint32

//go:wasmimport env proxy_set_header_map_pairs
func hostSetHeaderMapPairs(mapType uint32, pairs unsafe.Pointer, pairsSize uint32) uint32

//go:wasmimport env proxy_get_buffer_bytes
func hostGetBufferBytes(bufferType, start, maxSize uint32, returnData, returnSize *uint32) uint32

//go:wasmimport env proxy_set_buffer_bytes
func hostSetBufferBytes(bufferType, start, size uint32, data unsafe.Pointer, dataSize uint32) uint32

//go:wasmimport env proxy_continue_stream
func hostContinueStream(streamType uint32) uint32

//go:wasmimport env proxy_close_stream
func hostCloseStream(streamType uint32) uint32

//go:wasmimport env proxy_http_call
func hostHttpCall(upstream unsafe.Pointer, upstreamSize uint32, headers unsafe.Pointer, headersSize uint32,
	body unsafe.Pointer, bodySize uint32, trailers unsafe.Pointer, trailersSize uint32,
	timeoutMilliseconds uint32, returnToken *uint32) uint32

//go:wasmimport env proxy_call_foreign_function
func hostCallForeignFunction(name unsafe.Pointer, nameSize uint32, args unsafe.Pointer, argsSize uint32,
	returnData, returnSize *uint32) uint32

//go:wasmimport env proxy_set_tick_period_milliseconds
func hostSetTickPeriodMilliseconds(period uint32) uint32

//go:wasmimport env proxy_set_effective_context
func hostSetEffectiveContext(contextID uint32) uint32

//go:wasmimport env proxy_done
func hostDone() uint32

//go:wasmimport env proxy_define_metric
func hostDefineMetric(metricType uint32, name unsafe.Pointer, nameSize uint32, returnID *uint32) uint32

//go:wasmimport env proxy_increment_metric
func hostIncrementMetric(metricID uint32, offset int64) uint32

//go:wasmimport env proxy_record_metric
func hostRecordMetric(metricID uint32, value uint64) uint32

//go:wasmimport env proxy_get_metric
func hostGetMetric(metricID uint32, returnValue *uint64) uint32

// abiHost is the SDK's ProxyWasmHost backed by the real host.
type abiHost struct{}

var _ ProxyWasmHost = abiHost{}

// size converts a Go length to the ABI's u32. Lengths come from Go values
// that live in linear memory, which is smaller than 4 GiB.
func size(n int) uint32 { return uint32(n) }

// resultAddress and resultLength receive the address and length of a result
// that the host allocated. The compiler moves a local whose address goes to
// a //go:wasmimport function to the heap, which cost 100 - 150 ns per call
// here. A stack slot could move, because the re-entrant
// proxy_on_memory_allocate can grow the goroutine stack; a package variable
// does not. Each wrapper clears the pair before its call and reads it right
// after, and the host writes it last, after any allocation.
var resultAddress, resultLength uint32

// fromHost stores the result that the host allocated (resultAddress,
// resultLength) into the SDK's output variables. On a failed call it only
// releases the pins.
func fromHost(status uint32, returnData **byte, returnSize *int) Status {
	if status != uint32(StatusOK) {
		takeAllocation(0)
		return Status(status)
	}
	*returnData = takeAllocation(resultAddress)
	*returnSize = int(resultLength)
	return StatusOK
}

func (abiHost) ProxyLog(logLevel LogLevel, messageData *byte, messageSize int) Status {
	return Status(hostLog(uint32(logLevel), unsafe.Pointer(messageData), size(messageSize)))
}

func (abiHost) ProxySetProperty(pathData *byte, pathSize int, valueData *byte, valueSize int) Status {
	return Status(hostSetProperty(unsafe.Pointer(pathData), size(pathSize), unsafe.Pointer(valueData), size(valueSize)))
}

func (abiHost) ProxyGetProperty(pathData *byte, pathSize int, returnValueData **byte, returnValueSize *int) Status {
	resultAddress, resultLength = 0, 0
	st := hostGetProperty(unsafe.Pointer(pathData), size(pathSize), &resultAddress, &resultLength)
	return fromHost(st, returnValueData, returnValueSize)
}

func (abiHost) ProxySendLocalResponse(statusCode uint32, statusCodeDetailData *byte, statusCodeDetailsSize int,
	bodyData *byte, bodySize int, headersData *byte, headersSize int, grpcStatus int32) Status {
	return Status(hostSendLocalResponse(statusCode,
		unsafe.Pointer(statusCodeDetailData), size(statusCodeDetailsSize),
		unsafe.Pointer(bodyData), size(bodySize),
		unsafe.Pointer(headersData), size(headersSize), grpcStatus))
}

func (abiHost) ProxyGetSharedData(keyData *byte, keySize int, returnValueData **byte, returnValueSize *int, returnCas *uint32) Status {
	resultAddress, resultLength = 0, 0
	st := hostGetSharedData(unsafe.Pointer(keyData), size(keySize), &resultAddress, &resultLength, returnCas)
	return fromHost(st, returnValueData, returnValueSize)
}

func (abiHost) ProxySetSharedData(keyData *byte, keySize int, valueData *byte, valueSize int, cas uint32) Status {
	return Status(hostSetSharedData(unsafe.Pointer(keyData), size(keySize), unsafe.Pointer(valueData), size(valueSize), cas))
}

func (abiHost) ProxyRegisterSharedQueue(nameData *byte, nameSize int, returnID *uint32) Status {
	return Status(hostRegisterSharedQueue(unsafe.Pointer(nameData), size(nameSize), returnID))
}

func (abiHost) ProxyResolveSharedQueue(vmIDData *byte, vmIDSize int, nameData *byte, nameSize int, returnID *uint32) Status {
	return Status(hostResolveSharedQueue(unsafe.Pointer(vmIDData), size(vmIDSize), unsafe.Pointer(nameData), size(nameSize), returnID))
}

func (abiHost) ProxyDequeueSharedQueue(queueID uint32, returnValueData **byte, returnValueSize *int) Status {
	resultAddress, resultLength = 0, 0
	st := hostDequeueSharedQueue(queueID, &resultAddress, &resultLength)
	return fromHost(st, returnValueData, returnValueSize)
}

func (abiHost) ProxyEnqueueSharedQueue(queueID uint32, valueData *byte, valueSize int) Status {
	return Status(hostEnqueueSharedQueue(queueID, unsafe.Pointer(valueData), size(valueSize)))
}

func (abiHost) ProxyGetHeaderMapValue(mapType MapType, keyData *byte, keySize int, returnValueData **byte, returnValueSize *int) Status {
	resultAddress, resultLength = 0, 0
	st := hostGetHeaderMapValue(uint32(mapType), unsafe.Pointer(keyData), size(keySize), &resultAddress, &resultLength)
	return fromHost(st, returnValueData, returnValueSize)
}

func (abiHost) ProxyAddHeaderMapValue(mapType MapType, keyData *byte, keySize int, valueData *byte, valueSize int) Status {
	return Status(hostAddHeaderMapValue(uint32(mapType), unsafe.Pointer(keyData), size(keySize), unsafe.Pointer(valueData), size(valueSize)))
}

func (abiHost) ProxyReplaceHeaderMapValue(mapType MapType, keyData *byte, keySize int, valueData *byte, valueSize int) Status {
	return Status(hostReplaceHeaderMapValue(uint32(mapType), unsafe.Pointer(keyData), size(keySize), unsafe.Pointer(valueData), size(valueSize)))
}

func (abiHost) ProxyContinueStream(streamType StreamType) Status {
	return Status(hostContinueStream(uint32(streamType)))
}

func (abiHost) ProxyCloseStream(streamType StreamType) Status {
	return Status(hostCloseStream(uint32(streamType)))
}

func (abiHost) ProxyRemoveHeaderMapValue(mapType MapType, keyData *byte, keySize int) Status {
	return Status(hostRemoveHeaderMapValue(uint32(mapType), unsafe.Pointer(keyData), size(keySize)))
}

func (abiHost) ProxyGetHeaderMapPairs(mapType MapType, returnValueData **byte, returnValueSize *int) Status {
	resultAddress, resultLength = 0, 0
	st := hostGetHeaderMapPairs(uint32(mapType), &resultAddress, &resultLength)
	return fromHost(st, returnValueData, returnValueSize)
}

func (abiHost) ProxySetHeaderMapPairs(mapType MapType, mapData *byte, mapSize int) Status {
	return Status(hostSetHeaderMapPairs(uint32(mapType), unsafe.Pointer(mapData), size(mapSize)))
}

func (abiHost) ProxyGetBufferBytes(bufferType BufferType, start int, maxSize int, returnBufferData **byte, returnBufferSize *int) Status {
	resultAddress, resultLength = 0, 0
	st := hostGetBufferBytes(uint32(bufferType), clampSize(start), clampSize(maxSize), &resultAddress, &resultLength)
	return fromHost(st, returnBufferData, returnBufferSize)
}

func (abiHost) ProxySetBufferBytes(bufferType BufferType, start int, maxSize int, bufferData *byte, bufferSize int) Status {
	return Status(hostSetBufferBytes(uint32(bufferType), clampSize(start), clampSize(maxSize), unsafe.Pointer(bufferData), size(bufferSize)))
}

// clampSize converts a caller-chosen offset or limit to u32. The SDK passes
// math.MaxInt (64-bit) for "everything"; it becomes the largest i32 value,
// which Envoy reads the same way and which cannot overflow start+size there.
func clampSize(n int) uint32 {
	const maxInt32 = 1<<31 - 1
	if n < 0 || n > maxInt32 {
		return maxInt32
	}
	return uint32(n)
}

func (abiHost) ProxyHttpCall(upstreamData *byte, upstreamSize int, headerData *byte, headerSize int, bodyData *byte,
	bodySize int, trailersData *byte, trailersSize int, timeout uint32, calloutIDPtr *uint32) Status {
	return Status(hostHttpCall(unsafe.Pointer(upstreamData), size(upstreamSize),
		unsafe.Pointer(headerData), size(headerSize),
		unsafe.Pointer(bodyData), size(bodySize),
		unsafe.Pointer(trailersData), size(trailersSize),
		timeout, calloutIDPtr))
}

func (abiHost) ProxyCallForeignFunction(funcNamePtr *byte, funcNameSize int, paramPtr *byte, paramSize int, returnData **byte, returnSize *int) Status {
	resultAddress, resultLength = 0, 0
	st := hostCallForeignFunction(unsafe.Pointer(funcNamePtr), size(funcNameSize), unsafe.Pointer(paramPtr), size(paramSize), &resultAddress, &resultLength)

	// Envoy writes the result before it returns the function's own status, so
	// the result is kept on failure too: it may carry the error text.
	*returnData = takeAllocation(resultAddress)
	*returnSize = int(resultLength)
	return Status(st)
}

func (abiHost) ProxySetTickPeriodMilliseconds(period uint32) Status {
	return Status(hostSetTickPeriodMilliseconds(period))
}

func (abiHost) ProxySetEffectiveContext(contextID uint32) Status {
	return Status(hostSetEffectiveContext(contextID))
}

func (abiHost) ProxyDone() Status {
	return Status(hostDone())
}

func (abiHost) ProxyDefineMetric(metricType MetricType, metricNameData *byte, metricNameSize int, returnMetricIDPtr *uint32) Status {
	return Status(hostDefineMetric(uint32(metricType), unsafe.Pointer(metricNameData), size(metricNameSize), returnMetricIDPtr))
}

func (abiHost) ProxyIncrementMetric(metricID uint32, offset int64) Status {
	return Status(hostIncrementMetric(metricID, offset))
}

func (abiHost) ProxyRecordMetric(metricID uint32, value uint64) Status {
	return Status(hostRecordMetric(metricID, value))
}

func (abiHost) ProxyGetMetric(metricID uint32, returnMetricValue *uint64) Status {
	return Status(hostGetMetric(metricID, returnMetricValue))
}
