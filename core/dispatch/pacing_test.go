package dispatch

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// TestRateLimitLetsGoLongWaits paces a destination at one delivery every
// two seconds. The deliveries whose turn is more than paceHorizon away wait
// in the store, unleased, with the hold reason rate_limit and a next_at at
// their turn, so the delivery log says why they wait and an operator can
// retry or cancel them; they still go one every two seconds, one attempt
// each.
func TestRateLimitLetsGoLongWaits(t *testing.T) {
	var mu sync.Mutex
	sent := map[string]time.Time{}
	h := (*harness)(nil)
	paced := &fakeConnector{info: sdk.Info{Capabilities: sdk.Capabilities{RateLimit: &sdk.RateLimit{PerSecond: 0.5, Burst: 1}}},
		script: func(req *sdk.DeliveryRequest, _ int) sdk.Result {
			mu.Lock()
			sent[req.Events[0].ID] = h.clock.Now()
			mu.Unlock()
			return sdk.Delivered(200, "")
		}}
	h = newHarness(t, testPolicy(), map[string]*fakeConnector{"paced": paced})
	h.run()
	var ids []string
	for i := range 6 {
		ids = append(ids, fmt.Sprintf("e%d", i))
	}
	h.accept(true, "paced", "paced", "", ids...)

	h.waitFor("the waiting deliveries to be let go", func() bool {
		for _, id := range ids[1:] {
			if d := h.delivery(id); d.LeaseOwner != "" || d.HoldReason != store.HoldRateLimit {
				return false
			}
		}
		return true
	})
	for i, id := range ids[1:] {
		d := h.delivery(id)
		want := start.Add(time.Duration(2*(i+1)) * time.Second)
		if !d.NextAt.Equal(want) || d.Attempts != 0 {
			t.Errorf("%s: next_at %s, %d attempts; want its turn %s and no attempt", id, d.NextAt.Sub(start), d.Attempts, want.Sub(start))
		}
	}

	h.advanceUntil("every delivery", 250*time.Millisecond, func() bool {
		for _, id := range ids {
			if h.delivery(id).State != store.StateDelivered {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for i, id := range ids {
		if at := sent[id].Sub(start); at < time.Duration(2*i)*time.Second {
			t.Errorf("%s went %s after the start, want at least %ds at one every 2 seconds", id, at, 2*i)
		}
		if d := h.delivery(id); d.Attempts != 1 {
			t.Errorf("%s used %d attempts, want 1: waiting for the rate limit uses none", id, d.Attempts)
		}
	}
}
