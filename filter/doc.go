// Package filter is the security core of Bulwark: given a compiled
// configuration, it decides for each request whether to let it through and
// how to change it, or which local reply to send.
//
// Engine.Check normalises the path, matches a route, authenticates the API
// key when the route requires one, and returns a Decision. The package
// performs no I/O and imports no proxy-wasm package: the plugin reads the
// request from the host, calls Check, and applies the Decision. The clock is
// injected, so tests pin time.
//
// The log fields of a Decision (route name, key id, tier, reason) and its
// reply never contain a credential or its digest.
package filter
