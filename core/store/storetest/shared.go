package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// PairFactory returns two handles on one new, empty database, as two
// instances open it. The suite closes them.
type PairFactory func(t *testing.T) (store.Store, store.Store)

// RunShared runs the tests of a store that several instances share: claims,
// ordering, idempotent ingest, derived events, leases and notifications across
// two handles on one database.
func RunShared(t *testing.T, newPair PairFactory) {
	tests := []struct {
		name string
		run  func(t *testing.T, a, b store.Store)
	}{
		{"ClaimsSplitWithoutOverlap", testSharedClaims},
		{"ExpiredLeaseTakenOverWithNewToken", testSharedTakeover},
		{"OrderingKeyOneAtATimeAcrossHandles", testSharedOrdering},
		{"SameEventIDAtOnceStoredOnce", testSharedSameID},
		{"ConflictingBodyAtOnceRejected", testSharedConflict},
		{"SameChangeAtOnceDerivedOnce", testSharedDerive},
		{"SchedulerLeaseHasOneOwner", testSharedLease},
		{"SyncLinkSeenByOtherHandle", testSharedAliases},
		{"DigestAndThrottleAtOnce", testSharedFlow},
		{"BacklogSeesOtherHandle", testSharedBacklog},
		{"NotifiesOtherHandle", testSharedNotify},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := newPair(t)
			t.Cleanup(func() { a.Close(); b.Close() })
			tt.run(t, a, b)
		})
	}
}

// parallel runs fn on each handle at once and waits for both.
func parallel(t *testing.T, handles []store.Store, fn func(i int, s store.Store) error) {
	t.Helper()
	errs := make(chan error, len(handles))
	var wg sync.WaitGroup
	for i, s := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- fn(i, s)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// testSharedClaims claims from both handles at once until nothing is due:
// every delivery is claimed exactly once.
func testSharedClaims(t *testing.T, a, b store.Store) {
	const events = 200
	for i := 0; i < events; i++ {
		accept(t, a, one(fmt.Sprintf("e%d", i), planned("r", fmt.Sprintf("dest-%d", i%5), "")))
	}

	claimedBy := make([]map[int64]bool, 2)
	parallel(t, []store.Store{a, b}, func(i int, s store.Store) error {
		claimedBy[i] = map[int64]bool{}
		for round := 0; round < 100; round++ {
			got, err := s.Claim(context.Background(), &store.ClaimRequest{Owner: fmt.Sprint("owner-", i), Now: base,
				LeaseUntil: base.Add(time.Minute), Limit: 7, PerDestination: 3})
			if err != nil {
				return err
			}
			if len(got) == 0 {
				return nil
			}
			for _, c := range got {
				claimedBy[i][c.Delivery.ID] = true
			}
		}
		return errors.New("claims did not run out within 100 rounds")
	})

	for id := range claimedBy[0] {
		if claimedBy[1][id] {
			t.Errorf("delivery %d was claimed by both handles", id)
		}
	}
	if total := len(claimedBy[0]) + len(claimedBy[1]); total != events {
		t.Errorf("claimed %d deliveries in all, want %d", total, events)
	}
	if len(claimedBy[0]) == 0 || len(claimedBy[1]) == 0 {
		t.Logf("one handle claimed everything (%d and %d); the split depends on timing", len(claimedBy[0]), len(claimedBy[1]))
	}
}

// testSharedTakeover lets a lease taken through one handle expire: the other
// handle claims the delivery with a larger token, and the first handle's
// outcome is refused.
func testSharedTakeover(t *testing.T, a, b store.Store) {
	accept(t, a, one("e1", planned("r", "a", "")))
	first := claim(t, a, base, 10, 0)
	if len(first) != 1 {
		t.Fatalf("Claim = %d, want 1", len(first))
	}
	if got := claim(t, b, base.Add(30*time.Second), 10, 0); len(got) != 0 {
		t.Fatalf("the other handle claimed a delivery whose lease holds")
	}
	taken := claim(t, b, base.Add(2*time.Minute), 10, 0)
	if len(taken) != 1 {
		t.Fatalf("the other handle claimed %d after the lease expired, want 1", len(taken))
	}
	if taken[0].Delivery.LeaseToken <= first[0].Delivery.LeaseToken {
		t.Errorf("new lease token %d is not larger than the expired one %d", taken[0].Delivery.LeaseToken, first[0].Delivery.LeaseToken)
	}

	stale := complete(t, a, &store.Update{DeliveryID: first[0].Delivery.ID, LeaseToken: first[0].Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}})
	if !errors.Is(stale, store.ErrLeaseLost) {
		t.Errorf("outcome with the expired lease = %v, want ErrLeaseLost", stale)
	}
	if err := complete(t, b, &store.Update{DeliveryID: taken[0].Delivery.ID, LeaseToken: taken[0].Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}}); err != nil {
		t.Errorf("outcome with the current lease = %v", err)
	}
	if attempts, _ := a.Attempts(context.Background(), taken[0].Delivery.ID); len(attempts) != 1 {
		t.Errorf("%d attempts recorded, want only the current lease's", len(attempts))
	}
}

// testSharedOrdering accepts deliveries of one ordering key through both
// handles in turn and runs them from both: one is claimable at a time, in
// the order they were accepted.
func testSharedOrdering(t *testing.T, a, b store.Store) {
	handles := []store.Store{a, b}
	const n = 6
	for i := 0; i < n; i++ {
		accept(t, handles[i%2], one(fmt.Sprintf("e%d", i), planned("sync", "gh", "gh|issue:1")))
	}

	now := base
	for i := 0; i < n; i++ {
		claimer, other := handles[i%2], handles[(i+1)%2]
		got := claim(t, claimer, now, 10, 0)
		if len(got) != 1 || got[0].Delivery.EventID != fmt.Sprintf("e%d", i) {
			t.Fatalf("step %d: claimed %d deliveries (%v), want only e%d", i, len(got), claimedEventIDs(got), i)
		}
		if more := claim(t, other, now, 10, 0); len(more) != 0 {
			t.Fatalf("step %d: the other handle claimed %v while e%d runs", i, claimedEventIDs(more), i)
		}
		now = now.Add(time.Second)
		complete(t, claimer, &store.Update{DeliveryID: got[0].Delivery.ID, LeaseToken: got[0].Delivery.LeaseToken,
			State: store.StateDelivered, At: now, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}})
	}
}

func claimedEventIDs(claimed []*store.Claimed) []string {
	ids := make([]string, len(claimed))
	for i, c := range claimed {
		ids[i] = c.Delivery.EventID
	}
	return ids
}

// testSharedSameID accepts the same new event through both handles at once,
// many times: each time exactly one stores it.
func testSharedSameID(t *testing.T, a, b store.Store) {
	for round := 0; round < 20; round++ {
		id := fmt.Sprintf("same-%d", round)
		results := make([]*store.AcceptResult, 2)
		parallel(t, []store.Store{a, b}, func(i int, s store.Store) error {
			req := one(id, planned("r", "a", ""))
			req.ReceivedAt = base
			var err error
			results[i], err = s.Accept(context.Background(), req)
			return err
		})
		if results[0].Events[0].Duplicate == results[1].Events[0].Duplicate {
			t.Fatalf("round %d: duplicate flags %t and %t, want exactly one stored", round,
				results[0].Events[0].Duplicate, results[1].Events[0].Duplicate)
		}
		if got := len(deliveriesOf(t, a, id)); got != 1 {
			t.Fatalf("round %d: %d deliveries, want 1", round, got)
		}
	}
}

// testSharedConflict sends one id with two bodies through both handles at
// once: one is stored, the other rejected with a conflict.
func testSharedConflict(t *testing.T, a, b store.Store) {
	for round := 0; round < 10; round++ {
		id := fmt.Sprintf("conflict-%d", round)
		errs := make([]error, 2)
		parallel(t, []store.Store{a, b}, func(i int, s store.Store) error {
			req := &store.AcceptRequest{ReceivedAt: base, Events: []*store.NewEvent{
				{Incoming: NewIncoming(id, "issue.created", fmt.Sprint("body ", i)), Deliveries: []*store.NewDelivery{planned("r", "a", "")}}}}
			_, errs[i] = s.Accept(context.Background(), req)
			return nil
		})
		var conflict *store.ConflictError
		rejected := 0
		for _, err := range errs {
			switch {
			case errors.As(err, &conflict):
				rejected++
			case err != nil:
				t.Fatalf("round %d: Accept = %v", round, err)
			}
		}
		if rejected != 1 {
			t.Fatalf("round %d: %d requests rejected with a conflict, want 1 (errors %v)", round, rejected, errs)
		}
	}
}

// testSharedDerive sends two updates that report the same change of one
// issue through both handles at once: the change is derived once.
func testSharedDerive(t *testing.T, a, b store.Store) {
	acceptDerived(t, a, envelope(t, "c0", "issue.created", nil, `{"status":"open","updated_at":"t0"}`))
	for round := 1; round <= 10; round++ {
		status := map[bool]string{true: "closed", false: "open"}[round%2 == 1]
		current := fmt.Sprintf(`{"status":%q,"updated_at":"t%d"}`, status, round)
		parallel(t, []store.Store{a, b}, func(i int, s store.Store) error {
			in := envelope(t, fmt.Sprintf("u%d-%d", round, i), "issue.updated", nil, current)
			req := &store.AcceptRequest{ReceivedAt: base, Derive: true, Plan: planAll,
				Events: []*store.NewEvent{{Incoming: in, Deliveries: []*store.NewDelivery{planned("all", "a", "")}}}}
			_, err := s.Accept(context.Background(), req)
			return err
		})
	}
	changes := 0
	all, err := a.Deliveries(context.Background(), store.DeliveryFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if d.EventType == "issue.status_changed" {
			changes++
		}
	}
	if changes != 10 {
		t.Errorf("%d issue.status_changed stored for 10 changes each reported twice at once, want 10", changes)
	}
}

// testSharedLease requests the scheduler's lease from both handles at once:
// one gets it.
func testSharedLease(t *testing.T, a, b store.Store) {
	for round := 0; round < 10; round++ {
		now := base.Add(time.Duration(round) * time.Hour)
		got := make([]bool, 2)
		parallel(t, []store.Store{a, b}, func(i int, s store.Store) error {
			var err error
			got[i], err = s.AcquireLease(context.Background(), "scheduler", fmt.Sprint("instance-", i), now, time.Minute)
			return err
		})
		if got[0] == got[1] {
			t.Fatalf("round %d: lease granted %t and %t, want exactly one owner", round, got[0], got[1])
		}
	}
}

// testSharedBacklog counts on one handle the deliveries the other accepted,
// within a few seconds.
func testSharedBacklog(t *testing.T, a, b store.Store) {
	for i := 0; i < 5; i++ {
		accept(t, a, one(fmt.Sprintf("e%d", i), planned("r", "a", "")))
	}
	if got := a.Backlog(); got != 5 {
		t.Errorf("Backlog of the accepting handle = %d, want 5 at once", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.Backlog() != 5 {
		if time.Now().After(deadline) {
			t.Fatalf("Backlog of the other handle = %d after 10s, want 5", b.Backlog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testSharedNotify accepts a delivery that any instance may claim through one
// handle: the other handle is notified.
func testSharedNotify(t *testing.T, a, b store.Store) {
	notifier, ok := b.(store.Notifier)
	if !ok {
		t.Skip("the store sends no notifications")
	}
	for drained := false; !drained; {
		select {
		case <-notifier.Notifications():
		default:
			drained = true
		}
	}
	accept(t, a, one("e1", planned("r", "a", "")))
	select {
	case <-notifier.Notifications():
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10s of accepting an unleased delivery through the other handle")
	}
}

// testSharedAliases links two keys of one entity (a sync link) through one
// handle: the other handle reads and writes the state through the alias at
// once, and resolves the alias within a few seconds.
func testSharedAliases(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	accept(t, a, one("e1", planned("r", "a", ""), planned("r2", "a", "")))
	cs := claim(t, a, base, 10, 0)
	if err := complete(t, a, &store.Update{DeliveryID: cs[0].Delivery.ID, LeaseToken: cs[0].Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"},
		EntityState: &store.EntityStateUpdate{Connector: "gh", EntityKey: "issue:1", Data: []byte(`{"n":1}`),
			Aliases: []string{"github_issue:o/r#7"}}}); err != nil {
		t.Fatalf("write with an alias: %v", err)
	}

	data, version, err := b.EntityState(ctx, "gh", "github_issue:o/r#7")
	if err != nil || string(data) != `{"n":1}` || version != 1 {
		t.Fatalf("EntityState(alias) through the other handle = %s v%d, %v; want the linked state", data, version, err)
	}
	if err := complete(t, b, &store.Update{DeliveryID: cs[1].Delivery.ID, LeaseToken: cs[1].Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"},
		EntityState: &store.EntityStateUpdate{Connector: "gh", EntityKey: "github_issue:o/r#7", Version: 1,
			Data: []byte(`{"n":2}`)}}); err != nil {
		t.Fatalf("write through the alias on the other handle: %v", err)
	}
	if data, version, _ := a.EntityState(ctx, "gh", "issue:1"); string(data) != `{"n":2}` || version != 2 {
		t.Errorf("state after the other handle wrote through the alias = %s v%d, want {\"n\":2} v2", data, version)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		key, err := b.ResolveEntityKey(ctx, "gh", "github_issue:o/r#7")
		if err == nil && key == "issue:1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ResolveEntityKey(alias) on the other handle = %q, %v after 10s; want issue:1", key, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testSharedFlow sends matches of one digest key and of one throttle key
// through both handles at once: they make one digest delivery that counts
// every match, and one message through the throttle with the others skipped.
func testSharedFlow(t *testing.T, a, b store.Store) {
	const each = 10
	due := base.Add(time.Hour)
	parallel(t, []store.Store{a, b}, func(i int, s store.Store) error {
		for n := 0; n < each; n++ {
			digest := digestAt(fmt.Sprintf("d%d-%d", i, n), "hourly|w1", base, due)
			throttled := planned("quiet", "b", "")
			throttled.Throttle = &store.ThrottleSpec{Key: "quiet|b", Per: time.Hour}
			digest.Events = append(digest.Events, &store.NewEvent{
				Incoming:   NewIncoming(fmt.Sprintf("t%d-%d", i, n), "issue.created", "x"),
				Deliveries: []*store.NewDelivery{throttled}})
			if _, err := s.Accept(context.Background(), digest); err != nil {
				return err
			}
		}
		return nil
	})

	all, err := a.Deliveries(context.Background(), store.DeliveryFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	digests, sent, skipped := 0, 0, 0
	for _, d := range all {
		switch {
		case d.Route == "hourly":
			digests++
			if d.TotalEvents != 2*each {
				t.Errorf("digest delivery counts %d events, want %d", d.TotalEvents, 2*each)
			}
		case d.State == store.StateSkipped:
			skipped++
		default:
			sent++
		}
	}
	if digests != 1 || sent != 1 || skipped != 2*each-1 {
		t.Errorf("%d digest deliveries, %d throttled messages sent, %d skipped; want 1, 1, %d", digests, sent, skipped, 2*each-1)
	}
}
