package dispatch

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// recorder is an Observer that keeps what it heard.
type recorder struct {
	mu       sync.Mutex
	attempts int
	dead     []string
	circuits []string
	disabled []string
	reasons  []string
}

func (r *recorder) Attempted(*store.Delivery, sdk.Result, store.State, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
}

func (r *recorder) Dead(d *store.Delivery, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dead = append(r.dead, d.EventID)
}

func (r *recorder) CircuitOpened(destination string, _ *store.Delivery, _ int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.circuits = append(r.circuits, destination)
}

func (r *recorder) ConnectorDisabled(connector, reason string, _ *store.Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.disabled, r.reasons = append(r.disabled, connector), append(r.reasons, reason)
}

func (r *recorder) count(list *[]string) func() bool {
	return func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(*list) > 0
	}
}

// observed rebuilds the harness's dispatcher with an observer and the
// connectors paused at start.
func (h *harness) observed(paused ...string) *recorder {
	r := &recorder{}
	h.opts.Observer, h.opts.Paused = r, paused
	h.disp = New(h.opts)
	return r
}

func TestPausedConnectorHoldsUntilResume(t *testing.T) {
	hook := &fakeConnector{}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"hook": hook})
	h.observed("hook")
	h.run()
	h.accept(true, "hook", "hook", "", "e1")

	h.waitFor("the pause hold", func() bool {
		d := h.delivery("e1")
		return d.HoldReason == store.HoldPaused && d.LeaseOwner == ""
	})
	if hook.callCount() != 0 || h.delivery("e1").Attempts != 0 {
		t.Fatalf("a paused connector was attempted")
	}
	if err := h.disp.Resume(context.Background(), "hook"); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	d := h.waitState("e1", store.StateDelivered)
	if d.Attempts != 1 {
		t.Errorf("attempts after resume = %d, want 1", d.Attempts)
	}
}

// runningAndQueued runs a dispatcher with one worker on connector "slow",
// whose attempts wait until release is closed, and hands it the deliveries
// of events "running", which it attempts, and "queued", which waits in memory.
func runningAndQueued(t *testing.T) (h *harness, slow *fakeConnector, release chan struct{}) {
	t.Helper()
	release = make(chan struct{})
	slow = &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result {
		<-release
		return sdk.Delivered(200, "ok")
	}}
	policy := testPolicy()
	policy.Workers, policy.MaxInFlightPerDestination = 1, 1
	h = newHarness(t, policy, map[string]*fakeConnector{"slow": slow})
	h.run()
	h.accept(true, "slow", "slow", "", "running", "queued")
	h.waitFor("the first attempt", func() bool { return slow.callCount() == 1 })
	return h, slow, release
}

func TestPauseHoldsQueuedDeliveries(t *testing.T) {
	h, slow, release := runningAndQueued(t)

	h.disp.Pause("slow")
	close(release)
	h.waitState("running", store.StateDelivered)
	h.waitFor("the queued delivery to be held", func() bool {
		d := h.delivery("queued")
		return d.HoldReason == store.HoldPaused && d.LeaseOwner == ""
	})
	if slow.callCount() != 1 {
		t.Errorf("attempts = %d, want only the one running when paused", slow.callCount())
	}
}

func TestGoneEndpointDisablesConnector(t *testing.T) {
	gone := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result {
		return sdk.Result{Outcome: sdk.OutcomePermanent, StatusCode: 410, Reason: "410 Gone"}
	}}
	h := newHarness(t, testPolicy(), map[string]*fakeConnector{"gone": gone})
	rec := h.observed()
	h.run()
	h.accept(true, "gone", "gone", "", "e1")

	h.waitState("e1", store.StateDead)
	h.waitFor("the connector to be disabled", rec.count(&rec.disabled))
	if !h.disp.Paused("gone") || !strings.Contains(rec.reasons[0], "410") {
		t.Errorf("paused %v, reason %q; want paused because of the 410", h.disp.Paused("gone"), rec.reasons[0])
	}
	h.waitFor("the dead delivery to be observed", rec.count(&rec.dead))

	h.accept(true, "gone", "gone", "", "e2")
	h.waitFor("the next delivery to be held", func() bool { return h.delivery("e2").HoldReason == store.HoldPaused })
	if gone.callCount() != 1 {
		t.Errorf("attempts = %d, want 1: the disabled connector must not be tried again", gone.callCount())
	}
}

func TestFailingTooLongDisablesConnector(t *testing.T) {
	down := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result { return sdk.Retry("connection refused", 0) }}
	policy := testPolicy()
	policy.DisableAfter, policy.CircuitThreshold, policy.MaxAttempts = 10*time.Second, 0, 100
	h := newHarness(t, policy, map[string]*fakeConnector{"down": down})
	rec := h.observed()
	h.run()
	h.accept(true, "down", "down", "", "e1")

	h.advanceUntil("the connector to be disabled", time.Second, rec.count(&rec.disabled))
	if !strings.Contains(rec.reasons[0], "disable_after") || h.disp.Health()["down"].SuccessRate() != 0 {
		t.Errorf("reason %q, health %+v", rec.reasons[0], h.disp.Health()["down"])
	}
	h.advanceUntil("the delivery to be held", time.Second, func() bool {
		d := h.delivery("e1")
		return d.HoldReason == store.HoldPaused && d.LeaseOwner == "" && d.State == store.StateScheduled
	})
}

func TestCircuitOpenIsObserved(t *testing.T) {
	down := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result { return sdk.Retry("502 Bad Gateway", 0) }}
	policy := testPolicy()
	policy.Workers, policy.MaxInFlightPerDestination = 1, 1
	h := newHarness(t, policy, map[string]*fakeConnector{"down": down})
	rec := h.observed()
	h.run()
	h.accept(true, "down", "down", "", "e1", "e2", "e3", "e4")
	h.waitFor("the circuit to open", rec.count(&rec.circuits))
	if rec.circuits[0] != "down" {
		t.Errorf("circuit opened for %q, want down", rec.circuits[0])
	}
	if _, open := h.disp.OpenCircuits()["down"]; !open {
		t.Errorf("OpenCircuits does not list down")
	}
}

func TestOperatorRetryGetsNewAttempts(t *testing.T) {
	fail := true
	var mu sync.Mutex
	hook := &fakeConnector{script: func(*sdk.DeliveryRequest, int) sdk.Result {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return sdk.Retry("503 Service Unavailable", 0)
		}
		return sdk.Delivered(200, "ok")
	}}
	policy := testPolicy()
	policy.MaxAttempts, policy.CircuitThreshold = 2, 0
	h := newHarness(t, policy, map[string]*fakeConnector{"hook": hook})
	h.run()
	h.accept(true, "hook", "hook", "", "e1")
	h.advanceUntil("the delivery to die", time.Second, func() bool { return h.delivery("e1").State == store.StateDead })

	if _, err := h.store.Retry(context.Background(), []int64{h.delivery("e1").ID}, h.clock.Now()); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	h.disp.Wake()
	// The retried delivery has two attempts again: the first fails, the
	// second is delivered.
	h.advanceUntil("the third attempt", time.Second, func() bool { return hook.callCount() >= 3 })
	mu.Lock()
	fail = false
	mu.Unlock()
	d := h.delivery("e1")
	if d.State == store.StateDead {
		t.Fatalf("the retried delivery died after one attempt: %s", d.LastError)
	}
	h.advanceUntil("delivery", time.Second, func() bool { return h.delivery("e1").State == store.StateDelivered })
	if d := h.delivery("e1"); d.Attempts != 4 {
		t.Errorf("attempts = %d, want 4 (2 before the retry, 2 after)", d.Attempts)
	}
}
