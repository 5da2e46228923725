package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// vmContext creates one pluginContext per plugin configured on the VM.
type vmContext struct {
	types.DefaultVMContext
}

func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{}
}

// pluginContext owns the compiled configuration of one plugin on one VM.
type pluginContext struct {
	types.DefaultPluginContext

	engine  *filter.Engine
	limiter *ratelimit.Limiter

	// injection holds the injection policies; nil disables detection.
	injection *config.Injection

	// jwks fetches remote key sets; nil when no provider has one.
	jwks *jwksFetcher

	// events sends security events to the log and the metrics.
	events *eventSink

	// cluster calls the rate limit service. It is nil without cluster-wide
	// rules.
	cluster *clusterLimits

	// brute bans clients that fail authentication too often; nil when off.
	brute *bruteGuard
}

// OnPluginStart parses and compiles the plugin configuration. A rejected
// configuration fails the start, so Envoy rejects it instead of serving
// requests without protection.
func (p *pluginContext) OnPluginStart(int) (status types.OnPluginStartStatus) {
	defer func() {
		if v := recover(); v != nil {
			proxywasm.LogCriticalf("configuration rejected: internal error: %v", v)
			status = types.OnPluginStartStatusFailed
		}
	}()

	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("configuration rejected: reading the plugin configuration failed: %v", err)
		return types.OnPluginStartStatusFailed
	}

	// Envoy passes no bytes when the plugin has no configuration; that
	// means every default.
	if len(data) == 0 {
		data = []byte("{}")
	}

	cfg, err := config.Parse(data)
	if err != nil {
		logConfigRejected(err)
		proxywasm.LogCriticalf("configuration rejected:\n%v", err)
		return types.OnPluginStartStatusFailed
	}

	p.engine = filter.New(cfg, filter.WithSignatureVerifier(nativeSignatureVerifier(cfg)))
	p.limiter = newLimiter(cfg)
	p.injection = cfg.Injection
	p.events = newEventSink(cfg, p.engine)
	p.brute = newBruteGuard(cfg, p.events.metricsOrNil())
	if p.jwks = newJWKSFetcher(p.engine); p.jwks != nil {
		p.jwks.events = p.events
		p.jwks.start()
	}
	p.cluster = newClusterLimits(cfg, p.events.metricsOrNil())
	proxywasm.LogInfo("configuration loaded")
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpContext{engine: p.engine, limiter: p.limiter, inj: injectionState{config: p.injection},
		jwks: jwksStream{fetcher: p.jwks, id: contextID}, ev: eventState{sink: p.events},
		cluster: clusterState{limits: p.cluster}, bf: bruteStream{guard: p.brute}}
}

// OnTick refreshes the remote key sets, reports the cluster-wide hits,
// exports due events and sends pending metrics.
func (p *pluginContext) OnTick() {
	defer func() {
		if v := recover(); v != nil {
			proxywasm.LogCriticalf("recovered panic in the tick: %v", v)
		}
	}()
	if p.jwks != nil {
		p.jwks.tick()
	}
	p.cluster.tick()
	p.events.tick()
}
