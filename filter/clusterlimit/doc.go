// Package clusterlimit counts requests across every proxy of a cluster
// through the Envoy rate limit service (github.com/envoyproxy/ratelimit),
// reached by HTTP callouts to its JSON API (POST /json).
//
// Each rule is one descriptor, built per request from its entries. A Sync
// rule asks the service on every request and decides from the answer. An
// Async rule decides at once from shared data, where the hits of every
// worker are summed and one worker at a time reports them. Both remember an
// OVER_LIMIT answer in shared data until the service's reset, so that no
// worker asks again or admits the descriptor before then.
//
// The package does no I/O: it builds the callout bodies and reads the
// answers that the plugin passes in, and keeps its state in a
// ratelimit.Store.
package clusterlimit
