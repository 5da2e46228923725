// Package ratelimit applies local rate limits that hold across all worker
// VMs of one proxy.
//
// Each rule counts requests per key (global, caller identity, client IP,
// route, a header's or a query parameter's value, or a combination) with a
// token bucket or a sliding window. The counters live in a Store, which in
// the plugin is the proxy's shared data: one key-value store that every
// worker VM reads and writes with compare-and-swap (CAS). A Limiter reads
// each matching rule's state, decides, and writes the new state back with
// CAS, retrying a bounded number of times before the rule's failure mode
// decides.
//
// Shared data has no expiry and no delete, so each rule hashes its keys into
// a fixed number of slots (Rule.MaxKeys). Two keys that land in one slot
// share its counter: a client may be limited early by another client's
// traffic, but no key is ever let through beyond its own limit. Prepare
// creates every slot once, so the store's size is fixed by the
// configuration, whatever the number of distinct clients.
//
// The package reads no clock and does no I/O: the time and the store are
// injected. It does not authenticate; the caller passes the identity and
// tier that authentication found.
package ratelimit
