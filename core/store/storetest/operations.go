package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// operationTests are the cases of the management API's reads and writes.
var operationTests = []struct {
	name string
	run  func(t *testing.T, s store.Store)
}{
	{"DeliveriesFilterAndCursor", testDeliveriesFilter},
	{"DeliveryByID", testDeliveryByID},
	{"EventsFilterAndCursor", testEventsFilter},
	{"EventsDerivedFromParent", testEventsDerived},
	{"RetryRevivesDead", testRetryDead},
	{"RetrySkipsRunning", testRetrySkipsRunning},
	{"CancelScheduled", testCancelScheduled},
	{"CancelPromotesOrdering", testCancelPromotesOrdering},
	{"AddDeliveriesForReplay", testAddDeliveries},
	{"ReleaseConnectorHolds", testReleaseConnectorHolds},
	{"PausesSetAndClear", testPauses},
	{"ActionsNewestFirst", testActions},
	{"ActionsFilter", testActionsFilter},
	{"StatsCountDeadAndOldest", testStats},
}

// kill claims every due delivery and makes it dead after one attempt.
func kill(t *testing.T, s store.Store, now time.Time) {
	t.Helper()
	for _, c := range claim(t, s, now, 100, 0) {
		complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, At: now,
			State: store.StateDead, Reason: "410 Gone", Attempt: &store.Attempt{Number: 1, StartedAt: now, Outcome: "permanent"}})
	}
}

func testDeliveriesFilter(t *testing.T, s store.Store) {
	for i, id := range []string{"a", "b", "c", "d"} {
		req := one(id, planned("r1", "x", ""), planned("r2", "y", ""))
		req.ReceivedAt = base.Add(time.Duration(i) * time.Minute)
		accept(t, s, req)
	}
	ctx := context.Background()

	page, err := s.Deliveries(ctx, store.DeliveryFilter{Route: "r1", Limit: 3})
	if err != nil || len(page) != 3 {
		t.Fatalf("first page = %d, %v; want 3", len(page), err)
	}
	if page[0].EventID != "d" || page[2].EventID != "b" {
		t.Errorf("first page events %s..%s, want d..b (newest first)", page[0].EventID, page[2].EventID)
	}
	rest, err := s.Deliveries(ctx, store.DeliveryFilter{Route: "r1", Limit: 3, BeforeID: page[2].ID})
	if err != nil || len(rest) != 1 || rest[0].EventID != "a" {
		t.Errorf("second page = %d, %v; want the delivery of a", len(rest), err)
	}

	window, err := s.Deliveries(ctx, store.DeliveryFilter{CreatedAfter: base.Add(time.Minute), CreatedBefore: base.Add(3 * time.Minute)})
	if err != nil || len(window) != 4 {
		t.Errorf("deliveries created in [1m, 3m) = %d, %v; want 4 (events b and c)", len(window), err)
	}
	typed, err := s.Deliveries(ctx, store.DeliveryFilter{EventType: "issue.updated"})
	if err != nil || len(typed) != 0 {
		t.Errorf("deliveries of issue.updated = %d, %v; want 0", len(typed), err)
	}
	typed, _ = s.Deliveries(ctx, store.DeliveryFilter{EventType: "issue.created", Connector: "hook"})
	if len(typed) != 8 {
		t.Errorf("deliveries of issue.created to hook = %d, want 8", len(typed))
	}
}

func testDeliveryByID(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	want := deliveriesOf(t, s, "e1")[0]
	got, err := s.Delivery(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("Delivery(%d): %v", want.ID, err)
	}
	if got.EventID != "e1" || got.EventType != "issue.created" || got.Route != "r" || string(got.Target) != string(want.Target) {
		t.Errorf("Delivery = %+v, want the delivery of e1", got)
	}
	if _, err := s.Delivery(context.Background(), want.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delivery of an unknown id: error %v, want ErrNotFound", err)
	}
}

// withBody returns an event whose stored body is its whole envelope, as
// ingest stores it, so that filters on envelope fields find it.
func withBody(t *testing.T, id string) *store.AcceptRequest {
	t.Helper()
	in := NewIncoming(id, "issue.created", "body of "+id)
	body, err := in.Envelope.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	in.Body = body
	return &store.AcceptRequest{Events: []*store.NewEvent{{Incoming: in}}}
}

func testEventsFilter(t *testing.T, s store.Store) {
	for i, id := range []string{"a", "b", "c"} {
		req := withBody(t, id)
		req.ReceivedAt = base.Add(time.Duration(i) * time.Minute)
		accept(t, s, req)
	}
	ctx := context.Background()

	page, err := s.Events(ctx, store.EventFilter{Limit: 2})
	if err != nil || len(page) != 2 || page[0].EventID != "c" {
		t.Fatalf("first page = %d, %v; want c, b", len(page), err)
	}
	rest, _ := s.Events(ctx, store.EventFilter{Limit: 2, BeforeSeq: page[1].Seq})
	if len(rest) != 1 || rest[0].EventID != "a" {
		t.Errorf("second page = %d events, want a", len(rest))
	}
	window, _ := s.Events(ctx, store.EventFilter{ReceivedAfter: base.Add(time.Minute), ReceivedBefore: base.Add(2 * time.Minute)})
	if len(window) != 1 || window[0].EventID != "b" {
		t.Errorf("events received in [1m, 2m) = %d, want b", len(window))
	}
	byEntity, err := s.Events(ctx, store.EventFilter{EntityType: "issue", EntityID: "issue-b"})
	if err != nil || len(byEntity) != 1 || byEntity[0].EventID != "b" {
		t.Errorf("events of issue-b = %d, %v; want b", len(byEntity), err)
	}
	byType, _ := s.Events(ctx, store.EventFilter{EventType: "issue.deleted"})
	if len(byType) != 0 {
		t.Errorf("events of issue.deleted = %d, want 0", len(byType))
	}
}

func testEventsDerived(t *testing.T, s store.Store) {
	parent := NewIncoming("p1", "issue.updated", "parent")
	child, err := derive.Incoming(&event.Envelope{EventID: "c1", EventType: "issue.closed", Timestamp: base,
		EntityType: "issue", EntityID: "1", Action: "closed", Derived: true, ParentEventID: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	accept(t, s, &store.AcceptRequest{Events: []*store.NewEvent{{Incoming: parent}, {Incoming: child}}})
	accept(t, s, one("unrelated"))

	derived, err := s.Events(context.Background(), store.EventFilter{ParentEventID: "p1"})
	if err != nil || len(derived) != 1 || derived[0].EventID != "c1" {
		t.Errorf("events derived from p1 = %d, %v; want c1", len(derived), err)
	}
	if _, err := s.Events(context.Background(), store.EventFilter{ParentEventID: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("events derived from an unknown parent: error %v, want ErrNotFound", err)
	}
}

func testRetryDead(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	kill(t, s, base)
	if s.Backlog() != 0 {
		t.Fatalf("backlog after the delivery died = %d, want 0", s.Backlog())
	}
	d := deliveriesOf(t, s, "e1")[0]

	later := base.Add(48 * time.Hour)
	retried, err := s.Retry(context.Background(), []int64{d.ID, d.ID + 100}, later)
	if err != nil || len(retried) != 1 || retried[0] != d.ID {
		t.Fatalf("Retry = %v, %v; want only the known delivery", retried, err)
	}
	d = deliveriesOf(t, s, "e1")[0]
	if d.State != store.StateScheduled || !d.NextAt.Equal(later) || d.RetryBase != 1 || d.LastError != "" {
		t.Errorf("retried delivery = %+v, want scheduled now with retry base 1", d)
	}
	if d.HeldFor != 48*time.Hour {
		t.Errorf("held for %s, want its age (48h), so max_age counts from the retry", d.HeldFor)
	}
	if s.Backlog() != 1 {
		t.Errorf("backlog after the retry = %d, want 1", s.Backlog())
	}
	if got := claim(t, s, later, 10, 0); len(got) != 1 {
		t.Errorf("claims after the retry = %d, want 1", len(got))
	}
}

func testRetrySkipsRunning(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	c := claim(t, s, base, 10, 0)[0]
	retried, err := s.Retry(context.Background(), []int64{c.Delivery.ID}, base)
	if err != nil || len(retried) != 0 {
		t.Errorf("Retry of a leased delivery = %v, %v; want nothing retried", retried, err)
	}
	if err := complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateDelivered,
		Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}}); err != nil {
		t.Errorf("the running attempt lost its lease to the retry: %v", err)
	}
}

func testAddDeliveries(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	later := base.Add(time.Hour)
	created, err := s.AddDeliveries(context.Background(), "e1", []*store.NewDelivery{planned("replay", "b", "")}, later)
	if err != nil || len(created) != 1 {
		t.Fatalf("AddDeliveries = %d, %v; want 1", len(created), err)
	}
	if created[0].ID == 0 || created[0].EventID != "e1" || !created[0].CreatedAt.Equal(later) {
		t.Errorf("created = %+v, want a new delivery of e1 created now", created[0])
	}
	if len(deliveriesOf(t, s, "e1")) != 2 || s.Backlog() != 2 {
		t.Errorf("e1 has %d deliveries, backlog %d; want 2 and 2", len(deliveriesOf(t, s, "e1")), s.Backlog())
	}
	if _, err := s.AddDeliveries(context.Background(), "nope", nil, later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddDeliveries to an unknown event: error %v, want ErrNotFound", err)
	}
}

func testReleaseConnectorHolds(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	c := claim(t, s, base, 10, 0)[0]
	far := base.Add(24 * time.Hour)
	complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateScheduled,
		NextAt: far, HoldReason: store.HoldPaused, HeldFor: 24 * time.Hour})

	if n, _ := s.ReleaseConnectorHolds(context.Background(), "other", store.HoldPaused, base); n != 0 {
		t.Errorf("released %d deliveries of another connector", n)
	}
	n, err := s.ReleaseConnectorHolds(context.Background(), "hook", store.HoldPaused, base.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("ReleaseConnectorHolds = %d, %v; want 1", n, err)
	}
	d := deliveriesOf(t, s, "e1")[0]
	if d.HoldReason != "" || !d.NextAt.Equal(base.Add(time.Minute)) || d.HeldFor != time.Minute {
		t.Errorf("released delivery: hold %q, due %s, held %s; want none, base+1m, 1m", d.HoldReason, d.NextAt, d.HeldFor)
	}
}

func testPauses(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.SetPause(ctx, &store.Pause{Connector: "slack", Reason: "maintenance", Actor: "ops", At: base}); err != nil {
		t.Fatalf("SetPause: %v", err)
	}
	if err := s.SetPause(ctx, &store.Pause{Connector: "slack", Reason: "410 Gone", Actor: "switchboard", Automatic: true, At: base}); err != nil {
		t.Fatalf("SetPause again: %v", err)
	}
	pauses, err := s.Pauses(ctx)
	if err != nil || len(pauses) != 1 {
		t.Fatalf("Pauses = %d, %v; want 1", len(pauses), err)
	}
	if p := pauses[0]; p.Reason != "410 Gone" || !p.Automatic || p.Actor != "switchboard" || !p.At.Equal(base) {
		t.Errorf("pause = %+v, want the second one", p)
	}
	if was, err := s.ClearPause(ctx, "slack"); err != nil || !was {
		t.Errorf("ClearPause = %v, %v; want true", was, err)
	}
	if was, _ := s.ClearPause(ctx, "slack"); was {
		t.Errorf("ClearPause of a running connector reported a pause")
	}
}

func testActions(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i, name := range []string{"retry", "replay", "pause"} {
		if err := s.RecordAction(ctx, &store.Action{At: base.Add(time.Duration(i) * time.Second), Actor: "ops", Action: name, Target: "x"}); err != nil {
			t.Fatalf("RecordAction: %v", err)
		}
	}
	page, err := s.Actions(ctx, store.ActionFilter{Limit: 2})
	if err != nil || len(page) != 2 || page[0].Action != "pause" || page[1].Action != "replay" {
		t.Fatalf("first page = %+v, %v; want pause, replay", page, err)
	}
	rest, _ := s.Actions(ctx, store.ActionFilter{Limit: 2, BeforeID: page[1].ID})
	if len(rest) != 1 || rest[0].Action != "retry" || rest[0].Actor != "ops" || !rest[0].At.Equal(base) {
		t.Errorf("second page = %+v, want retry by ops at base", rest)
	}
}

func testActionsFilter(t *testing.T, s store.Store) {
	ctx := context.Background()
	recorded := []store.Action{
		{Actor: "ana", Action: "retry", Target: "d-1"},
		{Actor: "ben", Action: "retry", Target: "d-2"},
		{Actor: "ana", Action: "pause", Target: "slack"},
		{Actor: "ana", Action: "retry", Target: "d-3"},
	}
	for i := range recorded {
		a := recorded[i]
		a.At = base.Add(time.Duration(i) * time.Minute)
		if err := s.RecordAction(ctx, &a); err != nil {
			t.Fatalf("RecordAction: %v", err)
		}
	}

	cases := []struct {
		name   string
		filter store.ActionFilter
		want   []string
	}{
		{"none", store.ActionFilter{}, []string{"d-3", "slack", "d-2", "d-1"}},
		{"actor", store.ActionFilter{Actor: "ana"}, []string{"d-3", "slack", "d-1"}},
		{"action", store.ActionFilter{Action: "retry"}, []string{"d-3", "d-2", "d-1"}},
		{"actor and action", store.ActionFilter{Actor: "ana", Action: "retry"}, []string{"d-3", "d-1"}},
		{"since inclusive", store.ActionFilter{After: base.Add(time.Minute)}, []string{"d-3", "slack", "d-2"}},
		{"until exclusive", store.ActionFilter{Before: base.Add(2 * time.Minute)}, []string{"d-2", "d-1"}},
		{"time range", store.ActionFilter{After: base.Add(time.Minute), Before: base.Add(3 * time.Minute)}, []string{"slack", "d-2"}},
		{"equal bounds", store.ActionFilter{After: base, Before: base}, nil},
		{"unknown actor", store.ActionFilter{Actor: "nobody"}, nil},
		{"actor with limit", store.ActionFilter{Actor: "ana", Limit: 2}, []string{"d-3", "slack"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			found, err := s.Actions(ctx, tc.filter)
			if err != nil {
				t.Fatalf("Actions: %v", err)
			}
			var targets []string
			for _, a := range found {
				targets = append(targets, a.Target)
			}
			if !slices.Equal(targets, tc.want) {
				t.Errorf("targets = %v, want %v", targets, tc.want)
			}
		})
	}

	first, _ := s.Actions(ctx, store.ActionFilter{Actor: "ana", Limit: 2})
	if len(first) != 2 {
		t.Fatalf("first page of ana's actions = %d, want 2", len(first))
	}
	rest, err := s.Actions(ctx, store.ActionFilter{Actor: "ana", Limit: 2, BeforeID: first[1].ID})
	if err != nil || len(rest) != 1 || rest[0].Target != "d-1" {
		t.Errorf("page after the cursor = %+v, %v; want d-1 only", rest, err)
	}
}

func testStats(t *testing.T, s store.Store) {
	st, err := s.Stats(context.Background())
	if err != nil || st.Dead != 0 || !st.OldestPending.IsZero() {
		t.Fatalf("Stats of an empty store = %+v, %v", st, err)
	}
	accept(t, s, one("dead", planned("r", "a", "")))
	kill(t, s, base)
	later := one("pending", planned("r", "a", ""))
	later.ReceivedAt = base.Add(time.Minute)
	accept(t, s, later)

	st, err = s.Stats(context.Background())
	if err != nil || st.Dead != 1 || !st.OldestPending.Equal(base.Add(time.Minute)) {
		t.Errorf("Stats = %+v, %v; want 1 dead, oldest pending at base+1m", st, err)
	}
}
