package filter

import (
	"sync"
	"testing"
)

// TestCheckConcurrentUse runs API-key and JWT requests from several
// goroutines on one engine; run it with -race.
func TestCheckConcurrentUse(t *testing.T) {
	e := newTestEngine(t, jwtTestConfig(""))
	token := mintHS256(t, corpSecret, corpClaims("read"))

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if d := e.Check(get("/orders", header("x-api-key", demoKey))); !d.Allow {
					t.Errorf("API key denied: %s", d.Reason)
					return
				}
				if d := e.Check(get("/jwt/a", header("authorization", "Bearer "+token))); !d.Allow {
					t.Errorf("token denied: %s", d.Reason)
					return
				}
			}
		})
	}
	wg.Wait()
}
