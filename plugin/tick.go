package main

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
)

// A plugin has one tick period, shared by the metrics flush, the JWKS
// refresh, the OTLP export and the cluster-wide rate limit reports.
// baseTickPeriod is the regular period: one second, or the sync_interval of
// the cluster-wide rules when it is shorter. The OTLP sink brings one tick
// forward and then returns to it.
var baseTickPeriod = time.Second

// shortenTickPeriod lowers the regular tick period to d when d is shorter,
// and applies it.
func shortenTickPeriod(d time.Duration) error {
	baseTickPeriod = min(baseTickPeriod, d)
	return proxywasm.SetTickPeriodMilliSeconds(uint32(baseTickPeriod / time.Millisecond))
}
