package ratelimit

import "time"

// The helpers below let the cluster-wide limits of filter/clusterlimit read
// request values and answer exactly as the local rules do.

// HeaderValue returns every line of the header name joined with ",", and
// whether the request has the header.
func HeaderValue(headers [][2]string, name string) (string, bool) {
	value, ok := appendHeaderValue(nil, headers, name)
	return string(value), ok
}

// QueryValue returns the percent-decoded value of the first query parameter
// name in the request target path, and whether there is one.
func QueryValue(path, name string) (string, bool) {
	return queryValue(path, name)
}

// ReplyBody returns the JSON body of a 429 reply that names rule.
func ReplyBody(rule, requestID string) []byte {
	return replyBody(rule, requestID)
}

// RetryAfterSeconds is the Retry-After value of a wait d: whole seconds,
// rounded up, never 0.
func RetryAfterSeconds(d time.Duration) int64 {
	return retryAfterSeconds(d)
}

// CeilSeconds rounds d up to whole seconds; it is 0 when d is not positive.
func CeilSeconds(d time.Duration) int64 {
	return ceilSeconds(d)
}

// FNV1a is the 64-bit FNV-1a hash that the rules hash their keys with.
func FNV1a(data []byte) uint64 {
	return fnv1a(data)
}
