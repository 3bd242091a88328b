package app

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

// healthInstance answers Health with its health and counts the calls.
type healthInstance struct {
	health sdk.Health
	calls  atomic.Int32
}

func (h *healthInstance) Deliver(context.Context, *sdk.DeliveryRequest) sdk.Result {
	return sdk.Delivered(200, "")
}

func (h *healthInstance) Health(context.Context) sdk.Health {
	h.calls.Add(1)
	return h.health
}

func (h *healthInstance) Close() error { return nil }

func TestHealthOfAsksOnceWithinTTL(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	a := &App{clock: fake}
	failed := &healthInstance{health: sdk.Health{Message: "plugin relay is failed: exit status 1"}}
	fine := &healthInstance{health: sdk.Health{OK: true, Message: "ready"}}
	instances := map[string]sdk.Instance{"c1": failed, "c2": fine}

	got := a.healthOf(instances)
	if got["c1"].OK || got["c1"].Message != failed.health.Message || !got["c2"].OK {
		t.Fatalf("healthOf = %+v, want c1 failed with its reason and c2 healthy", got)
	}
	a.healthOf(instances)
	if n := failed.calls.Load(); n != 1 {
		t.Errorf("Health called %d times within the TTL, want 1", n)
	}
	fake.Advance(healthTTL)
	a.healthOf(instances)
	if n := failed.calls.Load(); n != 2 {
		t.Errorf("Health called %d times after the TTL, want 2", n)
	}
}
