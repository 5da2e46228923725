package clusterlimit

import (
	"encoding/binary"
	"time"

	"github.com/bulwark-dev/bulwark/filter/ratelimit"
)

// leaseKey holds which worker reports the Async hits: [owner, 8 bytes]
// [until, 8 bytes of Unix milliseconds].
const leaseKey = KeyPrefix + "lease"

// maxReportsPerRound bounds the callouts of one report round; descriptors
// beyond it wait for the next round.
const maxReportsPerRound = 256

// addHit counts one hit of an Async descriptor in its slot, and lists the
// slot for the next report when it had none pending. A descriptor whose
// slot holds another descriptor with unreported hits or an active block
// is not counted this round: max_keys well above the descriptors active
// in one interval makes that rare.
func (l *Limiter) addHit(m *match) error {
	first := false
	now := l.now()
	err := ratelimit.Update(l.store, slotKey(m.rule.Name, m.slot), func(old []byte) ([]byte, bool) {
		s := decodeSlot(old)
		if s.hash != m.d.hash {
			if s.pending > 0 || s.blockedFor(s.hash, now) > 0 {
				return nil, false
			}
			s = slot{hash: m.d.hash}
		}
		first = s.pending == 0
		if s.pending < 1<<32-1 {
			s.pending++
		}
		s.descriptor = m.d.json
		return s.encode(), true
	})
	if err != nil || !first {
		return err
	}

	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(m.slot))
	return ratelimit.Update(l.store, dirtyKey(m.rule.Name), func(old []byte) ([]byte, bool) {
		if len(old)/4 >= m.rule.MaxKeys {
			return nil, false
		}
		return append(old[:len(old):len(old)], n[:]...), true
	})
}

// breakerOpen reads the breaker without changing it: Async requests never
// probe.
func (l *Limiter) breakerOpen(now time.Time) (bool, time.Duration) {
	value, _, err := l.store.Get(breakerKey)
	if err != nil {
		return false, 0
	}
	b := decodeBreaker(value)
	if b.state == closed || now.UnixMilli() >= b.until {
		return false, 0
	}
	return true, time.UnixMilli(b.until).Sub(now)
}

// Report is one descriptor's hits to send to the service.
type Report struct {
	// Rule names the rule, for logs.
	Rule string

	// Hits is the hitsAddend of the request.
	Hits uint32

	// Body is the RateLimitRequest to send.
	Body []byte

	m match

	// started is when the report was taken, so that the breaker can tell
	// the probe's result from older ones.
	started time.Time
}

// Reports returns the hits to report now: when this VM holds the lease and
// the sync interval has passed since its last round. It takes the hits out
// of shared data. A report that then fails is not retried, because the
// service may have counted it before a timeout. Call it on every tick.
func (l *Limiter) Reports() []Report {
	now := l.now()
	// A tick that comes a little early still reports, so that timer jitter
	// never stretches the interval to two tick periods.
	if !l.hasAsync || now.Sub(l.lastReport) < l.cfg.SyncInterval*9/10 || !l.takeLease(now) {
		return nil
	}
	ok, probe, _ := l.admit(now)
	if !ok {
		// The service is failing: the hits wait in shared data for the
		// breaker's next probe.
		return nil
	}
	l.lastReport = now

	// A probe is one callout, so that a probe that fails loses the hits of
	// one descriptor only. The others wait for the breaker to close.
	limit := maxReportsPerRound
	if probe {
		limit = 1
	}
	var reports []Report
	for i := range l.cfg.Rules {
		r := &l.cfg.Rules[i]
		if r.Mode != Async {
			continue
		}
		for _, n := range l.takeDirty(r, limit-len(reports)) {
			if report, ok := l.takePending(r, n); ok {
				reports = append(reports, report)
			}
		}
	}

	for i := range reports {
		reports[i].started = now
	}
	switch {
	case len(reports) > 0:
		l.saveProbe(&reports[len(reports)-1])
	case probe:
		// Rules with failure_mode deny count no hits while the breaker is
		// open, so the probe sends the last descriptor that any worker
		// reported, which the service counts as one hit.
		if report, ok := l.loadProbe(); ok {
			report.started = now
			reports = append(reports, report)
		} else {
			// Nothing was ever reported: the probe is given back, so the
			// cool-down starts again and the next request or report
			// probes.
			l.failed(now, now)
		}
	}
	return reports
}

// probeKey holds the last reported descriptor, [rule index, 2 bytes][hash,
// 8 bytes][JSON], so that whichever worker holds the lease can probe the
// service with it.
const probeKey = KeyPrefix + "probe"

// saveProbe stores the descriptor of r for later probes.
func (l *Limiter) saveProbe(r *Report) {
	for i := range l.cfg.Rules {
		if &l.cfg.Rules[i] != r.m.rule {
			continue
		}
		value := binary.BigEndian.AppendUint16(make([]byte, 0, 10+len(r.m.d.json)), uint16(i))
		value = binary.BigEndian.AppendUint64(value, r.m.d.hash)
		_ = l.store.Set(probeKey, append(value, r.m.d.json...), 0)
	}
}

// loadProbe returns a report of one hit of the last reported descriptor.
func (l *Limiter) loadProbe() (Report, bool) {
	value, _, err := l.store.Get(probeKey)
	if err != nil || len(value) < 11 {
		return Report{}, false
	}
	i := int(binary.BigEndian.Uint16(value))
	if i >= len(l.cfg.Rules) || l.cfg.Rules[i].Mode != Async {
		return Report{}, false
	}
	r := &l.cfg.Rules[i]
	d := descriptor{json: append([]byte{}, value[10:]...), hash: binary.BigEndian.Uint64(value[2:])}
	return Report{
		Rule: r.Name,
		Hits: 1,
		Body: appendRequest(nil, l.cfg.Domain, [][]byte{d.json}, 1),
		m:    match{rule: r, d: d, slot: d.hash % uint64(r.MaxKeys)},
	}, true
}

// takeLease makes this VM the reporter, or keeps it so, for three sync
// intervals. It returns false while another live VM holds the lease.
func (l *Limiter) takeLease(now time.Time) bool {
	won := false
	err := ratelimit.Update(l.store, leaseKey, func(old []byte) ([]byte, bool) {
		won = false
		if len(old) == 16 {
			owner, until := binary.BigEndian.Uint64(old), int64(binary.BigEndian.Uint64(old[8:]))
			if owner != l.owner && now.UnixMilli() < until {
				return nil, false
			}
		}
		won = true
		next := make([]byte, 16)
		binary.BigEndian.PutUint64(next, l.owner)
		binary.BigEndian.PutUint64(next[8:], uint64(now.Add(3*l.cfg.SyncInterval).UnixMilli()))
		return next, true
	})
	return err == nil && won
}

// takeDirty takes up to limit slot numbers off the rule's list.
func (l *Limiter) takeDirty(r *Rule, limit int) []uint64 {
	var taken []uint64
	_ = ratelimit.Update(l.store, dirtyKey(r.Name), func(old []byte) ([]byte, bool) {
		taken = taken[:0]
		if len(old) == 0 || limit <= 0 {
			return nil, false
		}
		count := min(len(old)/4, limit)
		for i := range count {
			taken = append(taken, uint64(binary.BigEndian.Uint32(old[4*i:])))
		}
		return append([]byte{}, old[4*count:len(old)/4*4]...), true
	})
	return taken
}

// takePending takes the pending hits out of one slot.
func (l *Limiter) takePending(r *Rule, n uint64) (Report, bool) {
	var report Report
	err := ratelimit.Update(l.store, slotKey(r.Name, n), func(old []byte) ([]byte, bool) {
		s := decodeSlot(old)
		if s.pending == 0 || len(s.descriptor) == 0 {
			report.Hits = 0
			return nil, false
		}
		report = Report{Rule: r.Name, Hits: s.pending,
			m: match{rule: r, d: descriptor{json: append([]byte{}, s.descriptor...), hash: s.hash}, slot: n}}
		s.pending = 0
		return s.encode(), true
	})
	if err != nil || report.Hits == 0 {
		return Report{}, false
	}
	report.Body = appendRequest(nil, l.cfg.Domain, [][]byte{report.m.d.json}, report.Hits)
	return report, true
}

// Reported handles the service's response to a report. An OVER_LIMIT
// verdict blocks the descriptor on every worker until the reset. Only the
// result's Err, CalloutFailed and Transition are set.
func (l *Limiter) Reported(r *Report, a Answer) Result {
	now := l.now()
	statuses, err := l.parse(a, 1)
	if err != nil {
		return Result{Err: err, CalloutFailed: true, Transition: l.failed(r.started, now)}
	}
	res := Result{Transition: l.succeeded(r.started)}
	if statuses[0].overLimit {
		l.block(&r.m, statuses[0], now)
	}
	return res
}
