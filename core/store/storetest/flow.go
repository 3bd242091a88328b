package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// digestAt returns a request of one event received at at, whose delivery
// joins the digest key, due at due.
func digestAt(id, key string, at, due time.Time) *store.AcceptRequest {
	nd := planned("hourly", "a", "")
	nd.EntityKey = ""
	nd.Digest = &store.DigestSpec{Key: key, MaxItems: 2}
	nd.NotBefore, nd.HoldReason = due, store.HoldDigest
	req := one(id, nd)
	req.ReceivedAt = at
	req.LeaseOwner, req.LeaseUntil = "test", at.Add(time.Minute)
	return req
}

func testDigestCollects(t *testing.T, s store.Store) {
	due := base.Add(time.Hour)
	first := accept(t, s, digestAt("d1", "hourly|w1", base, due))
	accept(t, s, digestAt("d2", "hourly|w1", base.Add(time.Minute), due))
	accept(t, s, digestAt("d3", "hourly|w1", base.Add(59*time.Minute), due))

	if len(first.Deliveries) != 0 {
		t.Errorf("a digest was handed over in memory: %+v", first.Deliveries[0].Delivery)
	}
	if s.Backlog() != 1 {
		t.Errorf("Backlog = %d, want the one digest delivery", s.Backlog())
	}
	ds := deliveriesOf(t, s, "d1")
	if len(ds) != 1 {
		t.Fatalf("d1 has %d deliveries, want the digest", len(ds))
	}
	d := ds[0]
	if d.TotalEvents != 3 || !d.NextAt.Equal(due) || d.HoldReason != store.HoldDigest || d.LeaseOwner != "" {
		t.Errorf("digest delivery: %d events, due %s, hold %q, lease %q; want 3 events due at %s, held for the digest, unleased",
			d.TotalEvents, d.NextAt, d.HoldReason, d.LeaseOwner, due)
	}
	if d.HeldFor != time.Hour {
		t.Errorf("digest delivery held for %s, want the window's 1h", d.HeldFor)
	}
	for _, member := range []string{"d2", "d3"} {
		if got := deliveriesOf(t, s, member); len(got) != 1 || got[0].ID != d.ID {
			t.Errorf("%s lists %d deliveries, want the digest %d", member, len(got), d.ID)
		}
	}

	if got := claim(t, s, due.Add(-time.Nanosecond), 10, 0); len(got) != 0 {
		t.Fatalf("a digest was claimed before its window ended")
	}
	c := claim(t, s, due, 10, 0)
	if len(c) != 1 || c[0].Delivery.TotalEvents != 3 || c[0].Event.EventID != "d1" {
		t.Fatalf("claim at the window's end = %d deliveries, want the digest with 3 events and d1 first", len(c))
	}
	events, err := s.DigestEvents(context.Background(), c[0].Delivery.ID)
	if err != nil {
		t.Fatalf("DigestEvents: %v", err)
	}
	if got := eventIDs(events); got != "d1 d2" {
		t.Errorf("DigestEvents = %s, want the first max_items (2) in arrival order: d1 d2", got)
	}
}

func eventIDs(events []*store.StoredEvent) string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.EventID
	}
	return strings.Join(ids, " ")
}

func testDigestKeys(t *testing.T, s store.Store) {
	due := base.Add(time.Hour)
	accept(t, s, digestAt("a1", "hourly|w1", base, due))
	accept(t, s, digestAt("b1", "hourly|other-target", base, due))
	accept(t, s, digestAt("a2", "hourly|w1", base.Add(time.Minute), due))

	if s.Backlog() != 2 {
		t.Fatalf("Backlog = %d, want a digest per key", s.Backlog())
	}
	if a, b := deliveriesOf(t, s, "a2")[0], deliveriesOf(t, s, "b1")[0]; a.ID == b.ID || a.TotalEvents != 2 || b.TotalEvents != 1 {
		t.Errorf("digests %d (%d events) and %d (%d events); want two, of 2 and 1 events", a.ID, a.TotalEvents, b.ID, b.TotalEvents)
	}
}

func testDigestClosedOnClaim(t *testing.T, s store.Store) {
	due := base.Add(time.Hour)
	accept(t, s, digestAt("c1", "hourly|w1", base, due))
	claimed := claim(t, s, due, 10, 0)
	if len(claimed) != 1 {
		t.Fatalf("claim = %d deliveries, want the digest", len(claimed))
	}

	// An event for the same key after the claim (a clock set back) starts a
	// new digest rather than joining one that may be sending.
	accept(t, s, digestAt("c2", "hourly|w1", base.Add(time.Minute), due))
	ds := deliveriesOf(t, s, "c2")
	if len(ds) != 1 || ds[0].ID == claimed[0].Delivery.ID || ds[0].TotalEvents != 1 {
		t.Errorf("c2 deliveries %+v, want a new digest of its own", ds)
	}
	events, err := s.DigestEvents(context.Background(), claimed[0].Delivery.ID)
	if err != nil || eventIDs(events) != "c1" {
		t.Errorf("the claimed digest has events %v (%v), want only c1", eventIDs(events), err)
	}
}

func testDigestKeptFromPrune(t *testing.T, s store.Store) {
	due := base.Add(time.Hour)
	accept(t, s, digestAt("p1", "hourly|w1", base, due))
	accept(t, s, digestAt("p2", "hourly|w1", base.Add(time.Minute), due))
	accept(t, s, one("plain", planned("r", "b", "")))
	finish(t, s, base, store.StateDelivered, "plain")
	digestID := deliveriesOf(t, s, "p1")[0].ID

	cutoff := base.Add(48 * time.Hour)
	if n, _, err := s.Prune(context.Background(), cutoff, 100); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want only the delivered plain event", n, err)
	}
	for _, id := range []string{"p1", "p2"} {
		if _, err := s.Event(context.Background(), id); err != nil {
			t.Errorf("%s, in a pending digest, was pruned: %v", id, err)
		}
	}

	finish(t, s, due, store.StateDelivered, "p1")
	if n, _, err := s.Prune(context.Background(), cutoff, 100); err != nil || n != 2 {
		t.Errorf("Prune after the digest was delivered = %d, %v; want both of its events", n, err)
	}
	if _, err := s.DigestEvents(context.Background(), digestID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DigestEvents of a pruned digest: %v, want ErrNotFound", err)
	}
}

// throttled returns a request of one event received at at, throttled by key
// for per.
func throttled(id, key string, at time.Time, per time.Duration) *store.AcceptRequest {
	nd := planned("per-issue", "a", "")
	nd.Throttle = &store.ThrottleSpec{Key: key, Per: per}
	req := one(id, nd)
	req.ReceivedAt = at
	return req
}

func testThrottleCounts(t *testing.T, s store.Store) {
	per := 10 * time.Minute
	steps := []struct {
		id         string
		after      time.Duration
		key        string
		state      store.State
		suppressed int
	}{
		{"t1", 0, "k", store.StateScheduled, 0},
		{"t2", time.Minute, "k", store.StateSkipped, 0},
		{"other-key", 2 * time.Minute, "other", store.StateScheduled, 0},
		{"t3", per - time.Nanosecond, "k", store.StateSkipped, 0},
		{"t4", per, "k", store.StateScheduled, 2},
		{"t5", per + time.Minute, "k", store.StateSkipped, 0},
		{"t6", 3 * per, "k", store.StateScheduled, 1},
	}
	for _, step := range steps {
		t.Run(step.id, func(t *testing.T) {
			accept(t, s, throttled(step.id, step.key, base.Add(step.after), per))
			ds := deliveriesOf(t, s, step.id)
			if len(ds) != 1 {
				t.Fatalf("%d deliveries, want 1", len(ds))
			}
			d := ds[0]
			if d.State != step.state || d.Suppressed != step.suppressed {
				t.Errorf("state %s with %d suppressed, want %s with %d", d.State, d.Suppressed, step.state, step.suppressed)
			}
			if step.state == store.StateSkipped && !strings.Contains(d.LastError, "throttle") {
				t.Errorf("skipped delivery's reason %q does not name the throttle", d.LastError)
			}
		})
	}

	var counted []string
	for _, c := range claim(t, s, base.Add(3*per), 100, 0) {
		counted = append(counted, fmt.Sprintf("%s:%d", c.Delivery.EventID, c.Delivery.Suppressed))
	}
	if got := strings.Join(counted, " "); got != "t1:0 other-key:0 t4:2 t6:1" {
		t.Errorf("claimed %s, want t1:0 other-key:0 t4:2 t6:1", got)
	}
}

func testThrottleHandoffCarriesCount(t *testing.T, s store.Store) {
	per := time.Minute
	accept(t, s, throttled("h1", "k", base, per))
	accept(t, s, throttled("h2", "k", base.Add(time.Second), per))

	req := throttled("h3", "k", base.Add(per), per)
	req.LeaseOwner, req.LeaseUntil = "test", base.Add(2*per)
	res := accept(t, s, req)
	if len(res.Deliveries) != 1 || res.Deliveries[0].Delivery.Suppressed != 1 {
		t.Fatalf("handed over %d deliveries, want h3 counting 1 suppressed", len(res.Deliveries))
	}
}

func testHeldUntilNotBefore(t *testing.T, s store.Store) {
	until := base.Add(9 * time.Hour)
	nd := planned("night", "a", "issue:1")
	nd.NotBefore, nd.HoldReason = until, store.HoldQuietHours
	req := one("q1", nd)
	req.LeaseOwner, req.LeaseUntil = "test", base.Add(time.Minute)
	res := accept(t, s, req)

	if len(res.Deliveries) != 0 {
		t.Errorf("a held delivery was handed over in memory")
	}
	d := deliveriesOf(t, s, "q1")[0]
	if !d.NextAt.Equal(until) || d.HoldReason != store.HoldQuietHours || d.HeldFor != 9*time.Hour || d.TotalEvents != 0 {
		t.Errorf("held delivery: due %s, hold %q, held %s, %d events; want due %s for quiet hours, held 9h, no digest",
			d.NextAt, d.HoldReason, d.HeldFor, d.TotalEvents, until)
	}
	if got := claim(t, s, until.Add(-time.Second), 10, 0); len(got) != 0 {
		t.Errorf("a held delivery was claimed before its hold ended")
	}
	if got := claim(t, s, until, 10, 0); len(got) != 1 {
		t.Errorf("claim at the hold's end = %d deliveries, want 1", len(got))
	}
}

func testThrottlePruned(t *testing.T, s store.Store) {
	per := time.Minute
	accept(t, s, throttled("r1", "k", base, per))
	accept(t, s, throttled("r2", "k", base.Add(time.Second), per))

	// A throttle whose period ended before the retention cutoff is deleted
	// with its count, like the skipped match it counted.
	if _, _, err := s.Prune(context.Background(), base.Add(time.Hour), 100); err != nil {
		t.Fatalf("Prune: %v", err)
	}
	accept(t, s, throttled("r3", "k", base.Add(2*time.Hour), per))

	if d := deliveriesOf(t, s, "r3")[0]; d.State != store.StateScheduled || d.Suppressed != 0 {
		t.Errorf("after retention: %s with %d suppressed, want scheduled with none", d.State, d.Suppressed)
	}
}
