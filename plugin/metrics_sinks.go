package main

import (
	"github.com/bulwark-dev/bulwark/filter"
	"github.com/bulwark-dev/bulwark/filter/config"
)

// Names of the metrics of the event sinks, the callouts and the caches.
const (
	metricEventsDropped   = "bulwark_events_dropped"
	metricEventsExported  = "bulwark_events_exported"
	metricCalloutFailures = "bulwark_callout_failures"
	metricCacheHits       = "bulwark_cache_hits"
	metricCacheMisses     = "bulwark_cache_misses"
)

// sinkMetrics are the counters of the OTLP sink, the callouts and the
// engine's caches.
type sinkMetrics struct {
	dropped         map[string]*counter
	exported        *counter
	calloutFailures map[string]*counter

	// cacheStats reads the engine's cache counts; cacheSent is the value
	// that the counters already hold.
	cacheStats func() filter.CacheStats
	cacheSent  filter.CacheStats
	cache      [4]*counter // api_key hits, api_key misses, jwt hits, jwt misses
}

// defineSinkMetrics defines the counters of the OTLP sink and of each
// callout cluster of cfg, and the cache counters of engine.
func (m *metrics) defineSinkMetrics(cfg *config.Config, engine *filter.Engine) {
	m.sinks.dropped = map[string]*counter{}
	m.sinks.calloutFailures = map[string]*counter{}
	if cfg.Events.OTLP != nil {
		for _, reason := range dropReasons {
			m.sinks.dropped[reason] = m.define(metricEventsDropped + ".reason." + reason)
		}
		m.sinks.exported = m.define(metricEventsExported)
		m.defineCalloutFailures(cfg.Events.OTLP.Cluster)
	}
	if len(cfg.ClusterRateLimits.Rules) > 0 {
		m.defineCalloutFailures(cfg.ClusterRateLimits.Service.Cluster)
	}
	if cfg.JWT != nil {
		for _, p := range cfg.JWT.Providers {
			if p.Remote != nil {
				m.defineCalloutFailures(p.Remote.Cluster)
			}
		}
	}

	if engine != nil {
		m.sinks.cacheStats = engine.CacheStats
		m.sinks.cache = [4]*counter{
			m.define(metricCacheHits + ".cache.api_key"), m.define(metricCacheMisses + ".cache.api_key"),
			m.define(metricCacheHits + ".cache.jwt"), m.define(metricCacheMisses + ".cache.jwt"),
		}
	}
}

func (m *metrics) defineCalloutFailures(cluster string) {
	if _, ok := m.sinks.calloutFailures[cluster]; !ok {
		m.sinks.calloutFailures[cluster] = m.define(metricCalloutFailures + ".cluster." + cluster)
	}
}

// countDropped counts n events that the OTLP sink dropped.
func (m *metrics) countDropped(reason string, n int) {
	if m == nil || n <= 0 {
		return
	}
	if c, ok := m.sinks.dropped[reason]; ok {
		m.addN(c, uint64(n))
	}
}

// countExported counts n events that the collector accepted.
func (m *metrics) countExported(n int) {
	if m == nil || n <= 0 || m.sinks.exported == nil {
		return
	}
	m.addN(m.sinks.exported, uint64(n))
}

// countCalloutFailure counts a callout to cluster that failed.
func (m *metrics) countCalloutFailure(cluster string) {
	if m == nil {
		return
	}
	if c, ok := m.sinks.calloutFailures[cluster]; ok {
		m.add(c)
	}
}

// syncCaches adds the cache lookups since the last call to the pending
// counts. It runs on the tick, so cache counters lag by at most a tick.
func (m *metrics) syncCaches() {
	if m == nil || m.sinks.cacheStats == nil {
		return
	}
	now := m.sinks.cacheStats()
	deltas := [4]uint64{
		now.APIKeyHits - m.sinks.cacheSent.APIKeyHits, now.APIKeyMisses - m.sinks.cacheSent.APIKeyMisses,
		now.TokenHits - m.sinks.cacheSent.TokenHits, now.TokenMisses - m.sinks.cacheSent.TokenMisses,
	}
	m.sinks.cacheSent = now
	for i, d := range deltas {
		if d > 0 {
			m.sinks.cache[i].pending += d
			m.updates++
		}
	}
}

// tick sends the pending updates, with the cache lookups since the last
// tick.
func (m *metrics) tick() {
	m.syncCaches()
	m.flush()
}

// addN counts n at once as one update of c.
func (m *metrics) addN(c *counter, n uint64) {
	c.pending += n
	m.updates++
	if m.updates >= flushEvery {
		m.flush()
	}
}
