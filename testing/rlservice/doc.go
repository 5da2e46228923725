// Package rlservice runs a real Redis and a real envoyproxy/ratelimit
// service on loopback for end-to-end tests and benchmarks.
package rlservice
