package dispatch

import (
	"context"
	"testing"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// TestCancelTakesQueuedNotRunning cancels two deliveries of a destination
// that runs one at a time: the queued one is cancelled at once, the running
// one finishes its attempt.
func TestCancelTakesQueuedNotRunning(t *testing.T) {
	release := make(chan struct{})
	hook := &fakeConnector{script: func(req *sdk.DeliveryRequest, _ int) sdk.Result {
		if req.Events[0].ID == "running" {
			<-release
		}
		return sdk.Delivered(200, "")
	}}
	policy := testPolicy()
	policy.MaxInFlightPerDestination = 1
	h := newHarness(t, policy, map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "running", "queued")
	h.waitFor("the first attempt to start", func() bool { return hook.callCount() == 1 })

	running, queued := h.delivery("running"), h.delivery("queued")
	if queued.LeaseOwner == "" {
		t.Fatalf("the queued delivery is not leased; the test needs it in memory")
	}
	cancelled, err := h.disp.Cancel(context.Background(), []int64{running.ID, queued.ID}, "stale")
	close(release)
	if err != nil || len(cancelled) != 1 || cancelled[0] != queued.ID {
		t.Fatalf("Cancel = %v, %v; want only the queued delivery", cancelled, err)
	}
	if d := h.delivery("queued"); d.State != store.StateCancelled || d.LastError != "stale" || d.LeaseOwner != "" {
		t.Errorf("queued delivery after Cancel = %+v, want cancelled with the reason and no lease", d)
	}
	h.waitState("running", store.StateDelivered)
	if n := hook.callCount(); n != 1 {
		t.Errorf("the connector was called %d times, want once: the cancelled delivery must not be attempted", n)
	}
}
