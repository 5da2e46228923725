package host

import "strconv"

// Status is a proxy-wasm result code, as returned by every hostcall
// (proxy-wasm-cpp-sdk proxy_wasm_common.h). It implements error so that a
// ForeignFunc can return one directly.
type Status uint32

// Status codes of ABI 0.2.1.
const (
	StatusOK                   Status = 0
	StatusNotFound             Status = 1
	StatusBadArgument          Status = 2
	StatusSerializationFailure Status = 3
	StatusParseFailure         Status = 4
	StatusBadExpression        Status = 5
	StatusInvalidMemoryAccess  Status = 6
	StatusEmpty                Status = 7
	StatusCasMismatch          Status = 8
	StatusResultMismatch       Status = 9
	StatusInternalFailure      Status = 10
	StatusBrokenConnection     Status = 11
	StatusUnimplemented        Status = 12
)

var statusNames = [...]string{
	"Ok", "NotFound", "BadArgument", "SerializationFailure", "ParseFailure",
	"BadExpression", "InvalidMemoryAccess", "Empty", "CasMismatch",
	"ResultMismatch", "InternalFailure", "BrokenConnection", "Unimplemented",
}

// String returns the name the proxy-wasm SDKs use for the status.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "Status(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// Error returns the status name, so that a Status can be returned as an error.
func (s Status) Error() string { return "proxy-wasm status " + s.String() }

// Header map types of proxy_get_header_map_* and friends.
const (
	mapRequestHeaders          = 0
	mapRequestTrailers         = 1
	mapResponseHeaders         = 2
	mapResponseTrailers        = 3
	mapGrpcInitialMetadata     = 4
	mapGrpcTrailingMetadata    = 5
	mapHTTPCallResponseHeaders = 6
	mapHTTPCallResponseTrailer = 7
)

// Buffer types of proxy_get_buffer_bytes and friends.
const (
	bufferRequestBody         = 0
	bufferResponseBody        = 1
	bufferDownstreamData      = 2
	bufferUpstreamData        = 3
	bufferHTTPCallResponse    = 4
	bufferGrpcReceive         = 5
	bufferVMConfiguration     = 6
	bufferPluginConfiguration = 7
	bufferCallData            = 8
)

// Action is the value a stream callback returned, after the overrides Envoy
// applies (a local reply or a failed VM forces a stop value).
//
// The numeric values are the ABI's. For header callbacks 1 is StopIteration
// (Envoy turns it into StopAllIterationAndWatermark), 3 StopAllIterationAndBuffer
// and 4 StopAllIterationAndWatermark. For body callbacks 1 is
// StopIterationAndBuffer, 2 StopIterationAndWatermark and 3
// StopIterationNoBuffer. For trailer callbacks 1 is StopIteration.
type Action uint32

// Actions returned by the stream step methods.
const (
	ActionContinue Action = 0
	ActionPause    Action = 1
	// ActionQueued means that no callback ran: the direction is paused, so
	// the data waits, as Envoy buffers it, until proxy_continue_stream.
	ActionQueued Action = 1 << 16
	// ActionEnded means that no callback ran because the direction has
	// already ended: a local reply, a reset or a failed VM.
	ActionEnded Action = 1<<16 + 1
)

// Forced return values after a local reply or a VM failure (Envoy's
// FilterHeadersStatus, FilterDataStatus and FilterTrailersStatus).
const (
	stopHeaders  Action = 4 // StopAllIterationAndWatermark
	stopBody     Action = 3 // StopIterationNoBuffer
	stopTrailers Action = 1 // StopIteration
)

// LogLevel is a proxy-wasm log level: trace=0 … critical=5.
type LogLevel uint32

// Log levels of proxy_log and proxy_get_log_level.
const (
	LogTrace    LogLevel = 0
	LogDebug    LogLevel = 1
	LogInfo     LogLevel = 2
	LogWarn     LogLevel = 3
	LogError    LogLevel = 4
	LogCritical LogLevel = 5
	// LogOff is what proxy_get_log_level returns when logging is off; no
	// module message is captured at this level.
	LogOff LogLevel = 6
)

var levelNames = [...]string{"trace", "debug", "info", "warning", "error", "critical", "off"}

// String returns Envoy's name of the level.
func (l LogLevel) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "level(" + strconv.FormatUint(uint64(l), 10) + ")"
}
