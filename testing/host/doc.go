// Package host runs a compiled proxy-wasm module (ABI 0.2.1) the way Envoy
// does, on wazero, for end-to-end tests and the local dev proxy.
//
// New compiles the module once and starts Options.Workers VMs, one per
// Envoy worker thread. Each VM is single-threaded: every call into it holds
// the worker's lock, and hostcalls run re-entrantly under that lock. The
// VMs share what Envoy shares across workers: shared data and queues (per
// vm_id), metrics, logs and the clock.
//
// Host.Do drives one HTTP exchange through the filter as Envoy's connection
// manager does, including pauses, proxy_continue_stream, local replies that
// pass the filter's own response callbacks, and proxy_on_log,
// proxy_on_done and proxy_on_delete in that order. Worker.NewStream gives
// the same steps one at a time.
//
// Each hostcall follows Envoy's observable behaviour: status codes, the
// header-map serialization, availability windows of maps and buffers,
// property encodings, callout results, tick re-arming, metric ids and the
// verify_signature foreign function. A callout timeout is a 504 response.
// WASI works as in Envoy too: stdout and stderr become log lines,
// poll_oneoff never sleeps and proc_exit returns. A trap fails the VM closed: the running and every later stream
// on that worker get a 503 with details "wasm_fail_stream".
//
// Tests can pin time with a ManualClock and Host.Advance, inject hostcall
// faults with Host.InjectFault, record hostcalls with Options.Transcript,
// and restrict them with Options.AllowedHostcalls.
//
// The package does not implement TCP (network filter) callbacks, gRPC
// calls (proxy_grpc_call returns BadArgument as for an unknown cluster),
// Envoy's canary VM, VM reload after a failure (FAIL_RELOAD) or the
// foreign functions other than verify_signature.
package host
