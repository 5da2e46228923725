// Package bruteforce bans client addresses that fail authentication too
// often, across all worker VMs of one proxy.
//
// A Guard counts authentication failures per client address and per
// claimed identity in sliding windows kept in a Store (in the plugin, the
// proxy's shared data, which every worker VM reads and writes with
// compare-and-swap). Three thresholds start a ban of the client address:
// failures from the address, distinct identities that failed from the
// address (credential stuffing), and failures of one identity from any
// address (an attack on one account). A ban is a time stored in the
// address's entry, so every worker reads it on its next request and it lifts by
// the clock alone. The account is never locked: only addresses are banned.
//
// Shared data has no expiry and no delete, so both tables hash their keys
// into a fixed number of slots that Prepare creates, each holding a few
// entries. The store's size is fixed by the configuration, whatever the
// number of clients and identities.
//
// The package reads no clock and does no I/O: the time and the store are
// injected. It stores and returns no credential: a claimed identity is a
// key id, a JWT subject or a short SHA-256 prefix of the presented key, and
// the tables keep only 64-bit hashes of it.
package bruteforce
