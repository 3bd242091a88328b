package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

func testCancelScheduled(t *testing.T, s store.Store) {
	accept(t, s, one("waiting", planned("r", "a", "")))
	accept(t, s, one("running", planned("r", "b", "")))
	accept(t, s, one("done", planned("r", "c", "")))
	ctx := context.Background()
	waiting, running, done := deliveriesOf(t, s, "waiting")[0], deliveriesOf(t, s, "running")[0], deliveriesOf(t, s, "done")[0]
	for _, c := range claim(t, s, base, 10, 0) {
		switch c.Delivery.ID {
		case running.ID:
			running = c.Delivery
		case done.ID:
			complete(t, s, &store.Update{DeliveryID: done.ID, LeaseToken: c.Delivery.LeaseToken, At: base, State: store.StateDelivered,
				Attempt: &store.Attempt{Number: 1, StartedAt: base, Outcome: "delivered"}})
		case waiting.ID:
			// Held for a rate limit, as the dispatcher lets it go.
			complete(t, s, &store.Update{DeliveryID: waiting.ID, LeaseToken: c.Delivery.LeaseToken, At: base,
				State: store.StateScheduled, NextAt: base.Add(time.Hour), HoldReason: store.HoldRateLimit, HeldFor: time.Hour})
		}
	}

	later := base.Add(time.Second)
	cancelled, err := s.Cancel(ctx, []int64{waiting.ID, running.ID, done.ID, done.ID + 100}, "route retired", later)
	if err != nil || len(cancelled) != 1 || cancelled[0] != waiting.ID {
		t.Fatalf("Cancel = %v, %v; want only the waiting delivery: the others run, are final or unknown", cancelled, err)
	}
	got := deliveriesOf(t, s, "waiting")[0]
	if got.State != store.StateCancelled || got.LastError != "route retired" || got.HoldReason != "" || !got.UpdatedAt.Equal(later) {
		t.Errorf("cancelled delivery = %+v, want cancelled with the reason", got)
	}
	if s.Backlog() != 1 {
		t.Errorf("backlog after the cancel = %d, want 1 (the running delivery)", s.Backlog())
	}
	if err := complete(t, s, &store.Update{DeliveryID: running.ID, LeaseToken: running.LeaseToken, At: later, State: store.StateDelivered,
		Attempt: &store.Attempt{Number: 1, StartedAt: base, Outcome: "delivered"}}); err != nil {
		t.Errorf("the running attempt lost its lease to the cancel: %v", err)
	}
	if got := claim(t, s, base.Add(2*time.Hour), 10, 0); len(got) != 0 {
		t.Errorf("claims after the cancel = %d, want none", len(got))
	}
	again, err := s.Cancel(ctx, []int64{waiting.ID}, "twice", later)
	if err != nil || len(again) != 0 {
		t.Errorf("Cancel of a cancelled delivery = %v, %v; want nothing cancelled", again, err)
	}
}

func testCancelPromotesOrdering(t *testing.T, s store.Store) {
	accept(t, s, one("first", planned("sync", "gh", "gh|issue:1")))
	accept(t, s, one("second", planned("sync", "gh", "gh|issue:1")))
	first := deliveriesOf(t, s, "first")[0]
	if second := deliveriesOf(t, s, "second")[0]; second.HoldReason != store.HoldOrdering {
		t.Fatalf("second delivery of the key: hold %q, want ordering", second.HoldReason)
	}

	cancelled, err := s.Cancel(context.Background(), []int64{first.ID}, "stale", base)
	if err != nil || len(cancelled) != 1 {
		t.Fatalf("Cancel = %v, %v; want the first delivery", cancelled, err)
	}
	got := claim(t, s, base, 10, 0)
	if len(got) != 1 || got[0].Delivery.EventID != "second" {
		t.Errorf("claims after cancelling the head of the key = %d, want the second delivery", len(got))
	}
}
