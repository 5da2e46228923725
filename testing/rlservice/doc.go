// Package rlservice runs a real Redis and a real envoyproxy/ratelimit
// service on loopback for end-to-end tests and benchmarks.
//
// Ensure finds redis-server (installing it with apt-get when the user is
// root) and builds the service at ServiceVersion from the Go module proxy
// into build/tools/. StartRedis and StartService start the two processes on
// free ports of 127.0.0.1 with everything in tb.TempDir(). Both can be
// stopped and started again on the same ports during a test, and Redis can
// be paused. Every process runs in its own process group, is killed when
// the test ends, and its output is printed only when the test fails.
//
// # Observed behaviour of the HTTP API
//
// The tests of this package pin these responses of POST /json at
// ServiceVersion, with the settings of StartService (REDIS_POOL_SIZE 10, the
// default). Latencies are from a 2-core test machine on loopback.
//
//	situation                                   status  body
//	under the limit                             200     JSON, overallCode "OK"
//	over the limit (any descriptor)             429     JSON, overallCode "OVER_LIMIT"
//	no limit for the descriptor, unknown domain 200     {"overallCode":"OK","statuses":[{"code":"OK"}]}
//	rate_limit with unlimited: true             200     status {"code":"OK","limitRemaining":4294967295}
//	malformed JSON, empty body, unknown field,  400     "Bad Request\n" (text/plain; charset=utf-8)
//	  negative hitsAddend, empty domain,
//	  empty descriptors
//	Redis stopped: up to 10 requests, one per   400     "Bad Request\n" in about 1 ms
//	  pooled connection
//	Redis stopped: later requests               -       no response until Redis is back
//	Redis paused (accepts, never responds)      -       no response until Redis responds
//	Redis back after either                     200     waiting requests return within the
//	                                                    redial backoff (125 ms to 4 s; 0.2 to 1.3 s seen)
//	service stopped                             -       connection refused (ECONNREFUSED)
//	Redis down when the service starts          -       the service exits (panic: connection refused)
//	limits file rejected, service defaults      400     "Bad Request\n", while /healthcheck is 200
//
// A Redis failure therefore gives either the same 400 as a malformed request
// or no response at all: REDIS_TIMEOUT (1 s here) bounds only the dial,
// because the service calls Redis with context.Background() (src/redis/
// driver_impl.go). A client must set its
// own timeout. GET /healthcheck stays 200 while Redis is down. Redis runs
// without persistence, so its restart resets every counter, while a
// restart of the service keeps them.
//
// The service only logs a limits file it rejects. StartService sets
// HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED=true and reads the log, so that
// such a file fails the start instead.
//
// # JSON of a response
//
// The body is protobuf JSON of envoy.service.ratelimit.v3.RateLimitResponse.
// Its whitespace varies at random between builds, so clients must parse it.
// Fields with zero values are left out. A response to two descriptors, the
// first with 1 request left:
//
//	{"overallCode":"OK","statuses":[
//	  {"code":"OK","currentLimit":{"requestsPerUnit":2,"unit":"SECOND"},
//	   "limitRemaining":1,"durationUntilReset":"1s"},
//	  {"code":"OK","currentLimit":{"requestsPerUnit":3,"unit":"MINUTE"},
//	   "durationUntilReset":"26s"}]}
//
// The fields:
//
//   - overallCode and code are "OK" or "OVER_LIMIT". statuses has one entry
//     per request descriptor, in order.
//   - currentLimit is an object with requestsPerUnit (a number) and unit
//     ("SECOND", "MINUTE", "HOUR", "DAY"). It is missing when no limit
//     applies.
//   - limitRemaining is a number, missing when 0, so the last allowed request
//     and every OVER_LIMIT status have none.
//   - durationUntilReset is a string of whole seconds with an "s" suffix, the
//     time to the end of the fixed window, which is aligned to the clock.
//
// The request accepts hitsAddend as a number or a string, and the proto name
// hits_addend too. Each descriptor counts hitsAddend hits, 1 when it is 0 or
// missing.
package rlservice
