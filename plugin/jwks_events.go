package main

import (
	"time"

	"github.com/bulwark-dev/bulwark/filter/event"
	"github.com/bulwark-dev/bulwark/filter/jwt"
)

// noteFetch counts a failed JWKS callout and emits a dependency_failure
// event at the first failed fetch of a streak, the one that complete logs
// as a warning. A callout fails when it gets no 200 response. A 200 whose
// body is not a usable key set is a failed fetch, not a failed callout.
func (f *jwksFetcher) noteFetch(s jwt.Fetcher, status int, res jwt.FetchResult) {
	if f.events == nil {
		return
	}
	cluster := s.Request().Cluster
	if status != 200 {
		f.events.metrics.countCalloutFailure(cluster)
	}
	if res.Err == nil || !res.Warn {
		return
	}

	e := event.New(event.DependencyFailure, event.High, event.Logged, &event.Facts{
		Time: time.Now(),
		ID:   newEventID(),
		Details: []event.Detail{
			event.String("provider", s.Provider().Name), event.String("document", s.Document()),
			event.String("cluster", cluster), event.Int("status", int64(status)),
		},
	})
	e.Reason = "jwks_fetch_failed"
	f.events.publish(&e, true)
}
