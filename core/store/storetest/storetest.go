// Package storetest is the conformance suite every store.Store implementation
// passes: idempotent ingest, claims and leases, fencing, ordering keys, entity
// state, digests, throttles and held deliveries, retention and reads.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// Factory returns an empty store that the test owns. The suite closes it.
type Factory func(t *testing.T) store.Store

// Run runs the whole suite against stores from newStore, the tests in
// parallel, each on a store of its own.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"AcceptStoresEventsAndDeliveries", testAccept},
		{"AcceptDuplicateCreatesNothing", testDuplicate},
		{"AcceptConflictRejectsWholeRequest", testConflict},
		{"AcceptSameIDTwiceInOneBatch", testSameIDInBatch},
		{"AcceptHandoffLeasesUnorderedOnly", testHandoff},
		{"AcceptDeadPlannedDelivery", testDeadPlanned},
		{"ClaimIsFairAcrossDestinations", testClaimFairness},
		{"ClaimSkipsLeasedAndFuture", testClaimSkips},
		{"ClaimTakesExpiredLease", testClaimExpiredLease},
		{"ClaimKeepsOrderingKeyOrder", testClaimOrdering},
		{"CompleteFencesStaleToken", testCompleteFencing},
		{"CompleteRecordsAttempts", testCompleteAttempts},
		{"CompleteReschedules", testCompleteReschedule},
		{"EntityStateVersioned", testEntityState},
		{"EntityStateAliases", testEntityStateAliases},
		{"ReleaseOwnerFreesLeases", testReleaseOwner},
		{"RenewLeasesExtends", testRenewLeases},
		{"PruneDeletesOnlyFinishedOld", testPrune},
		{"BacklogCountsScheduled", testBacklog},
		{"ConcurrentAcceptsAllStored", testConcurrentAccept},
		{"ConcurrentSameIDOneWins", testConcurrentSameID},
		{"PruneRevisitsKeptEvents", testPruneRevisits},
		{"PruneStopsAtCutoff", testPruneStopsAtCutoff},
		{"DeliveryIDsNeverReused", testIDsNeverReused},
		{"OrderingHoldsFollowers", testOrderingHolds},
		{"HoldsAccumulateHeldTime", testHeldTime},
		{"ReleaseHoldsMakesDue", testReleaseHolds},
		{"DeriveFixtureSequence", testDeriveSequence},
		{"DeriveReportedChangeFirst", testDeriveReverse},
		{"DeriveLateReportedChange", testDeriveLateReportedChange},
		{"DerivePartialState", testDerivePartialState},
		{"DigestCollectsIntoOneDelivery", testDigestCollects},
		{"DigestPerKey", testDigestKeys},
		{"DigestClosedOnClaim", testDigestClosedOnClaim},
		{"DigestKeptFromPrune", testDigestKeptFromPrune},
		{"ThrottleSuppressesAndCounts", testThrottleCounts},
		{"ThrottleHandoffCarriesCount", testThrottleHandoffCarriesCount},
		{"ThrottlePrunedAfterRetention", testThrottlePruned},
		{"HeldUntilNotBefore", testHeldUntilNotBefore},
		{"EntityCurrentFollowsEvents", testEntityCurrent},
		{"RunDueDerivesEachWarningOnce", testRunDue},
		{"SummaryCountsThePeriod", testSummary},
		{"LeaseAndMarks", testLeaseAndMarks},
	}
	tests = append(tests, operationTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			tt.run(t, s)
		})
	}
}

// base is the fixed time the suite's events are received at.
var base = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// NewIncoming returns an event with the given id and body text, shaped like
// what ingest produces.
func NewIncoming(id, eventType, content string) *event.Incoming {
	env := &event.Envelope{EventID: id, EventType: eventType, Timestamp: base, EntityType: "issue",
		EntityID: "issue-" + id, Action: "created", Data: json.RawMessage(`{"current":{"title":` + quote(content) + `}}`)}
	body, _ := json.Marshal(map[string]any{"event_id": id, "event_type": eventType, "entity_type": env.EntityType,
		"entity_id": env.EntityID, "data": json.RawMessage(env.Data)})
	sum := sha256.Sum256([]byte(content))
	in := &event.Incoming{Envelope: env, Format: event.FormatEnvelope, Body: body}
	copy(in.ContentHash[:], sum[:16])
	return in
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// planned returns a scheduled delivery of route r to destination dest.
func planned(route, dest, orderingKey string) *store.NewDelivery {
	return &store.NewDelivery{Route: route, Connector: "hook", Target: json.RawMessage(`{"url":"` + dest + `"}`),
		Destination: dest, OrderingKey: orderingKey, EntityKey: "issue:1"}
}

func accept(t *testing.T, s store.Store, req *store.AcceptRequest) *store.AcceptResult {
	t.Helper()
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = base
	}
	res, err := s.Accept(context.Background(), req)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	return res
}

func one(id string, deliveries ...*store.NewDelivery) *store.AcceptRequest {
	return &store.AcceptRequest{Events: []*store.NewEvent{{Incoming: NewIncoming(id, "issue.created", "body of "+id), Deliveries: deliveries}}}
}

func claim(t *testing.T, s store.Store, now time.Time, limit, perDest int) []*store.Claimed {
	t.Helper()
	got, err := s.Claim(context.Background(), &store.ClaimRequest{Owner: "test", Now: now, LeaseUntil: now.Add(time.Minute),
		Limit: limit, PerDestination: perDest})
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return got
}

func complete(t *testing.T, s store.Store, u *store.Update) error {
	t.Helper()
	if u.At.IsZero() {
		u.At = base
	}
	results, err := s.Complete(context.Background(), []*store.Update{u})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	return results[0]
}

func deliveriesOf(t *testing.T, s store.Store, eventID string) []*store.Delivery {
	t.Helper()
	ds, err := s.Deliveries(context.Background(), store.DeliveryFilter{EventID: eventID})
	if err != nil {
		t.Fatalf("Deliveries(%s): %v", eventID, err)
	}
	return ds
}

func testAccept(t *testing.T, s store.Store) {
	res := accept(t, s, one("e1", planned("urgent", "a", ""), planned("audit", "b", "")))
	if len(res.Events) != 1 || res.Events[0].EventID != "e1" || res.Events[0].Duplicate {
		t.Fatalf("Events = %+v, want e1 not duplicate", res.Events)
	}

	ev, err := s.Event(context.Background(), "e1")
	if err != nil {
		t.Fatalf("Event(e1): %v", err)
	}
	if ev.EventType != "issue.created" || len(ev.Body) == 0 || !ev.ReceivedAt.Equal(base) {
		t.Errorf("stored event = %+v", ev)
	}

	ds := deliveriesOf(t, s, "e1")
	if len(ds) != 2 {
		t.Fatalf("deliveries = %d, want 2", len(ds))
	}
	for _, d := range ds {
		if d.State != store.StateScheduled || d.Attempts != 0 || !d.NextAt.Equal(base) || d.EventID != "e1" {
			t.Errorf("delivery = %+v, want scheduled now with no attempts", d)
		}
	}
	if _, err := s.Event(context.Background(), "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Event(missing) error = %v, want ErrNotFound", err)
	}
}

func testDuplicate(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("urgent", "a", "")))
	res := accept(t, s, one("e1", planned("urgent", "a", "")))
	if !res.Events[0].Duplicate {
		t.Fatalf("second Accept of e1: Duplicate = false, want true")
	}
	if got := len(deliveriesOf(t, s, "e1")); got != 1 {
		t.Errorf("deliveries after duplicate = %d, want 1", got)
	}
	if len(res.Deliveries) != 0 {
		t.Errorf("duplicate handed over %d deliveries, want 0", len(res.Deliveries))
	}
}

func testConflict(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("urgent", "a", "")))

	changed := &store.AcceptRequest{ReceivedAt: base, Events: []*store.NewEvent{
		{Incoming: NewIncoming("e2", "issue.created", "new"), Deliveries: []*store.NewDelivery{planned("urgent", "a", "")}},
		{Incoming: NewIncoming("e1", "issue.created", "a different body"), Deliveries: []*store.NewDelivery{planned("urgent", "a", "")}},
	}}
	_, err := s.Accept(context.Background(), changed)
	var conflict *store.ConflictError
	if !errors.As(err, &conflict) || conflict.EventID != "e1" {
		t.Fatalf("Accept error = %v, want ConflictError for e1", err)
	}
	if _, err := s.Event(context.Background(), "e2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("e2 of the rejected request was stored (err = %v)", err)
	}
	if got := s.Backlog(); got != 1 {
		t.Errorf("Backlog = %d, want 1", got)
	}

	// The rejected id must stay free for a later request.
	res := accept(t, s, one("e2", planned("urgent", "a", "")))
	if res.Events[0].Duplicate {
		t.Errorf("e2 after the rejected request reported as duplicate")
	}
}

func testSameIDInBatch(t *testing.T, s store.Store) {
	same := &store.AcceptRequest{Events: []*store.NewEvent{
		{Incoming: NewIncoming("e1", "issue.created", "x"), Deliveries: []*store.NewDelivery{planned("r", "a", "")}},
		{Incoming: NewIncoming("e1", "issue.created", "x"), Deliveries: []*store.NewDelivery{planned("r", "a", "")}},
	}}
	res := accept(t, s, same)
	if res.Events[0].Duplicate || !res.Events[1].Duplicate {
		t.Errorf("Events = %+v, want the second reported as duplicate", res.Events)
	}
	if got := len(deliveriesOf(t, s, "e1")); got != 1 {
		t.Errorf("deliveries = %d, want 1", got)
	}

	different := &store.AcceptRequest{ReceivedAt: base, Events: []*store.NewEvent{
		{Incoming: NewIncoming("e9", "issue.created", "x")},
		{Incoming: NewIncoming("e9", "issue.created", "y")},
	}}
	var conflict *store.ConflictError
	if _, err := s.Accept(context.Background(), different); !errors.As(err, &conflict) {
		t.Errorf("Accept of e9 twice with different bodies: error = %v, want ConflictError", err)
	}
}

func testHandoff(t *testing.T, s store.Store) {
	req := one("e1", planned("plain", "a", ""), planned("ordered", "b", "hook|issue:1"))
	req.LeaseOwner, req.LeaseUntil = "me", base.Add(time.Minute)
	res := accept(t, s, req)

	if len(res.Deliveries) != 1 {
		t.Fatalf("handed over %d deliveries, want 1 (the unordered one)", len(res.Deliveries))
	}
	d := res.Deliveries[0].Delivery
	if d.Route != "plain" || d.LeaseOwner != "me" || d.LeaseToken == 0 || d.ID == 0 {
		t.Errorf("handed-over delivery = %+v", d)
	}
	if res.Deliveries[0].Event == nil || res.Deliveries[0].Event.Incoming == nil {
		t.Errorf("handed-over delivery carries no parsed event")
	}

	got := claim(t, s, base, 10, 0)
	if len(got) != 1 || got[0].Delivery.Route != "ordered" {
		t.Fatalf("Claim = %d deliveries, want only the ordered one", len(got))
	}
}

func testDeadPlanned(t *testing.T, s store.Store) {
	bad := planned("r", "a", "")
	bad.State, bad.Reason = store.StateDead, "target template failed"
	accept(t, s, one("e1", bad))

	ds := deliveriesOf(t, s, "e1")
	if len(ds) != 1 || ds[0].State != store.StateDead || ds[0].LastError != "target template failed" {
		t.Fatalf("deliveries = %+v, want one dead with the reason", ds)
	}
	if s.Backlog() != 0 {
		t.Errorf("Backlog = %d, want 0", s.Backlog())
	}
	if got := claim(t, s, base, 10, 0); len(got) != 0 {
		t.Errorf("claimed %d dead deliveries", len(got))
	}
}

func testClaimFairness(t *testing.T, s store.Store) {
	for i := 0; i < 50; i++ {
		accept(t, s, one(fmt.Sprintf("busy-%d", i), planned("r", "busy", "")))
	}
	accept(t, s, one("quiet-1", planned("r", "quiet", "")))

	got := claim(t, s, base, 4, 2)
	perDest := map[string]int{}
	for _, c := range got {
		perDest[c.Delivery.Destination]++
	}
	if perDest["quiet"] != 1 {
		t.Errorf("claims per destination = %v, want the quiet destination served", perDest)
	}
	if perDest["busy"] > 2 {
		t.Errorf("busy destination got %d claims, want at most 2 per destination", perDest["busy"])
	}
}

func testClaimSkips(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	later := &store.AcceptRequest{ReceivedAt: base.Add(time.Hour), Events: []*store.NewEvent{
		{Incoming: NewIncoming("e2", "issue.created", "x"), Deliveries: []*store.NewDelivery{planned("r", "a", "")}}}}
	accept(t, s, later)

	first := claim(t, s, base, 10, 0)
	if len(first) != 1 || first[0].Delivery.EventID != "e1" {
		t.Fatalf("first Claim = %d, want e1 only (e2 is not due)", len(first))
	}
	if again := claim(t, s, base, 10, 0); len(again) != 0 {
		t.Errorf("second Claim took %d deliveries, want 0 (leased or not due)", len(again))
	}

	skipped, err := s.Claim(context.Background(), &store.ClaimRequest{Owner: "x", Now: base.Add(2 * time.Hour),
		LeaseUntil: base.Add(3 * time.Hour), SkipDestinations: []string{"a"}})
	if err != nil || len(skipped) != 0 {
		t.Errorf("Claim with destination a skipped = %d, %v; want none", len(skipped), err)
	}
}

func testClaimExpiredLease(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	first := claim(t, s, base, 10, 0)
	if len(first) != 1 {
		t.Fatalf("Claim = %d, want 1", len(first))
	}
	taken := claim(t, s, base.Add(2*time.Minute), 10, 0)
	if len(taken) != 1 {
		t.Fatalf("Claim after the lease expired = %d, want 1", len(taken))
	}
	if taken[0].Delivery.LeaseToken == first[0].Delivery.LeaseToken {
		t.Errorf("a new claim kept the old lease token")
	}
	if string(taken[0].Event.Body) == "" {
		t.Errorf("claimed delivery has no event body")
	}
}

func testClaimOrdering(t *testing.T, s store.Store) {
	for i := 1; i <= 3; i++ {
		accept(t, s, one(fmt.Sprintf("e%d", i), planned("sync", "gh", "gh|issue:1")))
	}
	accept(t, s, one("other", planned("sync", "gh", "gh|issue:2")))

	got := claim(t, s, base, 10, 0)
	if len(got) != 2 {
		t.Fatalf("Claim = %d, want 2 (the head of each ordering key)", len(got))
	}
	byKey := map[string]string{}
	for _, c := range got {
		byKey[c.Delivery.OrderingKey] = c.Delivery.EventID
	}
	if byKey["gh|issue:1"] != "e1" {
		t.Fatalf("claimed %q for issue 1, want e1 first", byKey["gh|issue:1"])
	}

	// Retrying the head keeps the followers waiting; finishing it frees the next.
	head, other := got[0], got[1]
	if head.Delivery.OrderingKey != "gh|issue:1" {
		head, other = other, head
	}
	complete(t, s, &store.Update{DeliveryID: other.Delivery.ID, LeaseToken: other.Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}})
	complete(t, s, &store.Update{DeliveryID: head.Delivery.ID, LeaseToken: head.Delivery.LeaseToken,
		State: store.StateScheduled, NextAt: base.Add(time.Hour), Attempt: &store.Attempt{Number: 1, Outcome: "retry"}})
	if got := claim(t, s, base.Add(time.Minute*2), 10, 0); len(got) != 0 {
		t.Fatalf("claimed %d while the head waits for its retry, want 0", len(got))
	}
	retried := claim(t, s, base.Add(time.Hour), 10, 0)
	if len(retried) != 1 || retried[0].Delivery.EventID != "e1" {
		t.Fatalf("claim at the retry time = %d, want e1", len(retried))
	}
	complete(t, s, &store.Update{DeliveryID: retried[0].Delivery.ID, LeaseToken: retried[0].Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 2, Outcome: "delivered"}})
	next := claim(t, s, base.Add(time.Hour), 10, 0)
	if len(next) != 1 || next[0].Delivery.EventID != "e2" {
		t.Fatalf("claim after the head was delivered = %+v, want e2", next)
	}
}

func testCompleteFencing(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	stale := claim(t, s, base, 10, 0)[0]
	fresh := claim(t, s, base.Add(2*time.Minute), 10, 0)[0]

	err := complete(t, s, &store.Update{DeliveryID: stale.Delivery.ID, LeaseToken: stale.Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Complete with the stale token = %v, want ErrLeaseLost", err)
	}
	if err := complete(t, s, &store.Update{DeliveryID: fresh.Delivery.ID, LeaseToken: fresh.Delivery.LeaseToken,
		State: store.StateDelivered, Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}}); err != nil {
		t.Fatalf("Complete with the current token = %v", err)
	}
	d := deliveriesOf(t, s, "e1")[0]
	if d.State != store.StateDelivered || d.LeaseOwner != "" {
		t.Errorf("delivery = %+v, want delivered with no lease", d)
	}
}

func testCompleteAttempts(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	c := claim(t, s, base, 10, 0)[0]
	attempt := &store.Attempt{Number: 1, StartedAt: base, Duration: 1500 * time.Microsecond, Outcome: "permanent",
		StatusCode: 404, Response: "no such hook", Error: "404 Not Found"}
	complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateDead,
		Reason: "404 Not Found", Attempt: attempt})

	attempts, err := s.Attempts(context.Background(), c.Delivery.ID)
	if err != nil || len(attempts) != 1 {
		t.Fatalf("Attempts = %d, %v; want 1", len(attempts), err)
	}
	a := attempts[0]
	if a.StatusCode != 404 || a.Response != "no such hook" || a.Duration != 1500*time.Microsecond || !a.StartedAt.Equal(base) {
		t.Errorf("attempt = %+v", a)
	}
	d := deliveriesOf(t, s, "e1")[0]
	if d.State != store.StateDead || d.Attempts != 1 || d.LastError != "404 Not Found" {
		t.Errorf("delivery = %+v, want dead after 1 attempt with the reason", d)
	}
	dead, _ := s.Deliveries(context.Background(), store.DeliveryFilter{State: store.StateDead})
	if len(dead) != 1 {
		t.Errorf("dead deliveries listed = %d, want 1", len(dead))
	}
}

func testCompleteReschedule(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	c := claim(t, s, base, 10, 0)[0]
	complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateScheduled,
		NextAt: base.Add(10 * time.Second), HoldReason: store.HoldRateLimit})

	d := deliveriesOf(t, s, "e1")[0]
	if d.Attempts != 0 || d.HoldReason != store.HoldRateLimit || !d.NextAt.Equal(base.Add(10*time.Second)) {
		t.Errorf("held delivery = %+v, want no attempt used, rate_limit hold, due in 10s", d)
	}
	next, ok, err := s.NextDue(context.Background())
	if err != nil || !ok || !next.Equal(base.Add(10*time.Second)) {
		t.Errorf("NextDue = %v, %v, %v; want base+10s", next, ok, err)
	}
	if got := claim(t, s, base.Add(10*time.Second), 10, 0); len(got) != 1 {
		t.Errorf("claim at next_at = %d, want 1", len(got))
	}
}

func testEntityState(t *testing.T, s store.Store) {
	ctx := context.Background()
	accept(t, s, one("e1", planned("r", "a", ""), planned("r2", "a", "")))
	cs := claim(t, s, base, 10, 0)

	data, version, err := s.EntityState(ctx, "slack", "issue:1")
	if err != nil || data != nil || version != 0 {
		t.Fatalf("EntityState of a new entity = %q, %d, %v; want none", data, version, err)
	}
	write := func(c *store.Claimed, version int64, value string) error {
		return complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateDelivered,
			Attempt:     &store.Attempt{Number: 1, Outcome: "delivered"},
			EntityState: &store.EntityStateUpdate{Connector: "slack", EntityKey: "issue:1", Version: version, Data: []byte(value)}})
	}
	if err := write(cs[0], 0, `{"ts":"1"}`); err != nil {
		t.Fatalf("first state write: %v", err)
	}
	if err := write(cs[1], 0, `{"ts":"2"}`); !errors.Is(err, store.ErrStateConflict) {
		t.Fatalf("write with a stale version = %v, want ErrStateConflict", err)
	}
	data, version, _ = s.EntityState(ctx, "slack", "issue:1")
	if string(data) != `{"ts":"1"}` || version != 1 {
		t.Errorf("state = %s v%d, want the first write at version 1", data, version)
	}
	if d := deliveriesOf(t, s, "e1"); d[0].State != store.StateDelivered || d[1].State != store.StateDelivered {
		t.Errorf("a state conflict must not lose the delivery outcome: %s, %s", d[0].State, d[1].State)
	}
}

// testEntityStateAliases writes state under one key with another as its alias,
// then reads and updates it through the alias: both keys see one state and one
// version. A key with state of its own never becomes an alias.
func testEntityStateAliases(t *testing.T, s store.Store) {
	ctx := context.Background()
	accept(t, s, one("e1", planned("r", "a", ""), planned("r2", "a", ""), planned("r3", "a", "")))
	cs := claim(t, s, base, 10, 0)
	write := func(c *store.Claimed, key string, version int64, value string, aliases ...string) error {
		return complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateDelivered,
			Attempt:     &store.Attempt{Number: 1, Outcome: "delivered"},
			EntityState: &store.EntityStateUpdate{Connector: "gh", EntityKey: key, Version: version, Data: []byte(value), Aliases: aliases}})
	}

	if err := write(cs[0], "issue:1", 0, `{"n":1}`, "github_issue:o/r#7", "issue:1"); err != nil {
		t.Fatalf("write with an alias: %v", err)
	}
	if key, err := s.ResolveEntityKey(ctx, "gh", "github_issue:o/r#7"); err != nil || key != "issue:1" {
		t.Errorf("ResolveEntityKey(alias) = %q, %v; want issue:1", key, err)
	}
	if key, _ := s.ResolveEntityKey(ctx, "other", "github_issue:o/r#7"); key != "github_issue:o/r#7" {
		t.Errorf("ResolveEntityKey for another connector = %q, want the key itself", key)
	}
	data, version, err := s.EntityState(ctx, "gh", "github_issue:o/r#7")
	if err != nil || string(data) != `{"n":1}` || version != 1 {
		t.Fatalf("EntityState(alias) = %s v%d, %v; want the state written under issue:1", data, version, err)
	}

	if err := write(cs[1], "github_issue:o/r#7", 1, `{"n":2}`); err != nil {
		t.Fatalf("write through the alias: %v", err)
	}
	data, version, _ = s.EntityState(ctx, "gh", "issue:1")
	if string(data) != `{"n":2}` || version != 2 {
		t.Errorf("state after a write through the alias = %s v%d, want {\"n\":2} v2", data, version)
	}

	if err := write(cs[2], "issue:2", 0, `{"n":3}`, "issue:1"); err != nil {
		t.Fatalf("write of another entity: %v", err)
	}
	if key, _ := s.ResolveEntityKey(ctx, "gh", "issue:1"); key != "issue:1" {
		t.Errorf("a key with its own state became an alias of %q", key)
	}
}

func testReleaseOwner(t *testing.T, s store.Store) {
	req := one("e1", planned("r", "a", ""))
	req.LeaseOwner, req.LeaseUntil = "me", base.Add(time.Hour)
	accept(t, s, req)
	if got := claim(t, s, base, 10, 0); len(got) != 0 {
		t.Fatalf("claimed a delivery leased to another owner")
	}
	n, err := s.ReleaseOwner(context.Background(), "me")
	if err != nil || n != 1 {
		t.Fatalf("ReleaseOwner = %d, %v; want 1", n, err)
	}
	if got := claim(t, s, base, 10, 0); len(got) != 1 {
		t.Errorf("claim after release = %d, want 1", len(got))
	}
}

func testRenewLeases(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	c := claim(t, s, base, 10, 0)[0]
	if err := s.RenewLeases(context.Background(), "test", []int64{c.Delivery.ID}, base.Add(time.Hour)); err != nil {
		t.Fatalf("RenewLeases: %v", err)
	}
	if got := claim(t, s, base.Add(30*time.Minute), 10, 0); len(got) != 0 {
		t.Errorf("claimed a renewed lease before it expired")
	}
}

func testPrune(t *testing.T, s store.Store) {
	accept(t, s, one("old-done", planned("r", "a", "")))
	accept(t, s, one("old-dead", planned("r", "b", "")))
	accept(t, s, one("old-pending", planned("r", "c", "")))
	recent := one("recent", planned("r", "a", ""))
	recent.ReceivedAt = base.Add(48 * time.Hour)
	accept(t, s, recent)

	for _, c := range claim(t, s, base, 10, 0) {
		state := store.StateDelivered
		switch c.Delivery.EventID {
		case "old-dead":
			state = store.StateDead
		case "old-pending":
			continue
		}
		complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: state,
			Attempt: &store.Attempt{Number: 1, Outcome: string(state)}})
	}

	n, more, err := s.Prune(context.Background(), base.Add(time.Hour), 100)
	if err != nil || n != 1 || more {
		t.Fatalf("Prune = %d, %v, %v; want 1 (only old-done) and no more", n, more, err)
	}
	for id, want := range map[string]bool{"old-done": false, "old-dead": true, "old-pending": true, "recent": true} {
		_, err := s.Event(context.Background(), id)
		if kept := err == nil; kept != want {
			t.Errorf("after Prune, %s kept = %v, want %v", id, kept, want)
		}
	}
	res := accept(t, s, one("old-done", planned("r", "a", "")))
	if res.Events[0].Duplicate {
		t.Errorf("a pruned event id is still reported as duplicate")
	}
}

func testBacklog(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", ""), planned("r", "b", "")))
	if s.Backlog() != 2 {
		t.Fatalf("Backlog = %d, want 2", s.Backlog())
	}
	c := claim(t, s, base, 1, 0)[0]
	complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateDelivered,
		Attempt: &store.Attempt{Number: 1, Outcome: "delivered"}})
	if s.Backlog() != 1 {
		t.Errorf("Backlog after one delivered = %d, want 1", s.Backlog())
	}
}

func testConcurrentAccept(t *testing.T, s store.Store) {
	const workers, each = 8, 50
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			for i := 0; i < each; i++ {
				req := one(fmt.Sprintf("w%d-%d", w, i), planned("r", "a", ""))
				req.ReceivedAt = base
				if _, err := s.Accept(context.Background(), req); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Accept: %v", err)
		}
	}
	if got := s.Backlog(); got != workers*each {
		t.Errorf("Backlog = %d, want %d", got, workers*each)
	}
	for w := 0; w < workers; w++ {
		if _, err := s.Event(context.Background(), fmt.Sprintf("w%d-%d", w, each-1)); err != nil {
			t.Errorf("event of worker %d missing: %v", w, err)
		}
	}
}

// finish claims every due delivery of eventIDs and completes it with state.
func finish(t *testing.T, s store.Store, now time.Time, state store.State, eventIDs ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range eventIDs {
		want[id] = true
	}
	for _, c := range claim(t, s, now, 100, 0) {
		if !want[c.Delivery.EventID] {
			continue
		}
		complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: state,
			At: now, Attempt: &store.Attempt{Number: 1, Outcome: string(state)}})
	}
}

func testPruneRevisits(t *testing.T, s store.Store) {
	accept(t, s, one("pending-then-done", planned("r", "a", "")))
	cutoff := base.Add(time.Hour)
	if n, more, err := s.Prune(context.Background(), cutoff, 10); err != nil || n != 0 || more {
		t.Fatalf("first Prune = %d, %v, %v; want nothing deleted while the delivery is pending", n, more, err)
	}

	finish(t, s, base.Add(time.Minute), store.StateDelivered, "pending-then-done")
	if n, _, err := s.Prune(context.Background(), cutoff, 10); err != nil || n != 1 {
		t.Fatalf("Prune after the delivery finished = %d, %v; want the event deleted", n, err)
	}
}

func testPruneStopsAtCutoff(t *testing.T, s store.Store) {
	for i := 0; i < 5; i++ {
		req := one(fmt.Sprintf("old-%d", i), planned("r", "a", ""))
		accept(t, s, req)
	}
	for i := 0; i < 5; i++ {
		req := one(fmt.Sprintf("new-%d", i), planned("r", "a", ""))
		req.ReceivedAt = base.Add(48 * time.Hour)
		accept(t, s, req)
	}
	finish(t, s, base.Add(49*time.Hour), store.StateDelivered, "old-0", "old-1", "old-2", "old-3", "old-4",
		"new-0", "new-1", "new-2", "new-3", "new-4")

	total := 0
	for pass := 0; pass < 10; pass++ {
		n, more, err := s.Prune(context.Background(), base.Add(time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if !more {
			break
		}
	}
	if total != 5 {
		t.Errorf("Prune deleted %d events over its passes, want the 5 old ones", total)
	}
	if _, err := s.Event(context.Background(), "new-0"); err != nil {
		t.Errorf("a recent event was pruned: %v", err)
	}
}

func testIDsNeverReused(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	first := deliveriesOf(t, s, "e1")[0].ID
	finish(t, s, base.Add(time.Minute), store.StateDelivered, "e1")
	if n, _, err := s.Prune(context.Background(), base.Add(time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want e1 deleted", n, err)
	}

	later := one("e2", planned("r", "a", ""))
	later.ReceivedAt = base.Add(2 * time.Hour)
	accept(t, s, later)
	if second := deliveriesOf(t, s, "e2")[0].ID; second <= first {
		t.Errorf("delivery id %d was given out again after retention deleted it (new id %d)", first, second)
	}
}

func testOrderingHolds(t *testing.T, s store.Store) {
	accept(t, s, one("head", planned("sync", "gh", "gh|issue:1")))
	accept(t, s, one("next", planned("sync", "gh", "gh|issue:1")))

	next := deliveriesOf(t, s, "next")[0]
	if next.HoldReason != store.HoldOrdering || next.NextAt.Before(base.Add(365*24*time.Hour)) {
		t.Fatalf("follower = hold %q due %s, want held for ordering until its predecessor finishes", next.HoldReason, next.NextAt)
	}

	done := base.Add(10 * time.Minute)
	finish(t, s, done, store.StateDead, "head")
	next = deliveriesOf(t, s, "next")[0]
	if next.HoldReason != "" || !next.NextAt.Equal(done) || next.HeldFor != 10*time.Minute {
		t.Errorf("follower after the head died = hold %q, due %s, held %s; want due at once, held 10m", next.HoldReason, next.NextAt, next.HeldFor)
	}
	if got := claim(t, s, done, 10, 0); len(got) != 1 || got[0].Delivery.EventID != "next" {
		t.Errorf("claim after the head finished = %d deliveries, want the follower", len(got))
	}
}

func testHeldTime(t *testing.T, s store.Store) {
	accept(t, s, one("e1", planned("r", "a", "")))
	c := claim(t, s, base, 10, 0)[0]
	complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateScheduled,
		NextAt: base.Add(30 * time.Second), HoldReason: store.HoldCircuitOpen, HeldFor: 30 * time.Second})
	c = claim(t, s, base.Add(30*time.Second), 10, 0)[0]
	complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateScheduled,
		NextAt: base.Add(90 * time.Second), HoldReason: store.HoldRateLimit, HeldFor: time.Minute})
	if d := deliveriesOf(t, s, "e1")[0]; d.HeldFor != 90*time.Second || d.Attempts != 0 {
		t.Errorf("held for %s with %d attempts, want 1m30s and none", d.HeldFor, d.Attempts)
	}
}

func testReleaseHolds(t *testing.T, s store.Store) {
	accept(t, s, one("held", planned("r", "down", "")))
	accept(t, s, one("other", planned("r", "up", "")))
	for _, c := range claim(t, s, base, 10, 0) {
		complete(t, s, &store.Update{DeliveryID: c.Delivery.ID, LeaseToken: c.Delivery.LeaseToken, State: store.StateScheduled,
			At: base, NextAt: base.Add(time.Hour), HoldReason: store.HoldCircuitOpen, HeldFor: time.Hour})
	}

	n, err := s.ReleaseHolds(context.Background(), "down", store.HoldCircuitOpen, base.Add(10*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("ReleaseHolds = %d, %v; want 1", n, err)
	}
	d := deliveriesOf(t, s, "held")[0]
	if !d.NextAt.Equal(base.Add(10*time.Minute)) || d.HoldReason != "" || d.HeldFor != 10*time.Minute {
		t.Errorf("released delivery: due %s, hold %q, held %s; want due at the release, no hold, held 10m", d.NextAt, d.HoldReason, d.HeldFor)
	}
	if o := deliveriesOf(t, s, "other")[0]; !o.NextAt.Equal(base.Add(time.Hour)) {
		t.Errorf("another destination's hold was released too")
	}
	if n, err := s.ReleaseHolds(context.Background(), "unknown", store.HoldCircuitOpen, base); err != nil || n != 0 {
		t.Errorf("ReleaseHolds of an unknown destination = %d, %v", n, err)
	}
}

// testConcurrentSameID sends one id from several goroutines at once, the
// requests that a store may write in one transaction: with one body, exactly
// one request stores it; with different bodies, one stores it and the others
// are rejected as conflicts, without failing the requests beside them.
func testConcurrentSameID(t *testing.T, s store.Store) {
	const senders = 8
	for round := 0; round < 5; round++ {
		for _, sameBody := range []bool{true, false} {
			id := fmt.Sprintf("r%d-%t", round, sameBody)
			type outcome struct {
				sender int
				res    *store.AcceptResult
				err    error
			}
			outcomes := make(chan outcome, senders)
			for i := 0; i < senders; i++ {
				go func() {
					body := "same"
					if !sameBody {
						body = fmt.Sprint("body ", i)
					}
					req := &store.AcceptRequest{ReceivedAt: base, Events: []*store.NewEvent{
						{Incoming: NewIncoming(id, "issue.created", body), Deliveries: []*store.NewDelivery{planned("r", "a", "")}},
						{Incoming: NewIncoming(fmt.Sprintf("%s-other-%d", id, i), "issue.created", "x")}}}
					res, err := s.Accept(context.Background(), req)
					outcomes <- outcome{i, res, err}
				}()
			}
			stored, duplicates, conflicts := 0, 0, 0
			for i := 0; i < senders; i++ {
				o := <-outcomes
				var conflict *store.ConflictError
				switch {
				case errors.As(o.err, &conflict):
					conflicts++
					other := fmt.Sprintf("%s-other-%d", id, o.sender)
					if _, err := s.Event(context.Background(), other); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("%s of a rejected request was stored (err = %v)", other, err)
					}
				case o.err != nil:
					t.Fatalf("%s: Accept = %v", id, o.err)
				case o.res.Events[0].Duplicate:
					duplicates++
				default:
					stored++
				}
			}
			wantDuplicates, wantConflicts := senders-1, 0
			if !sameBody {
				wantDuplicates, wantConflicts = 0, senders-1
			}
			if stored != 1 || duplicates != wantDuplicates || conflicts != wantConflicts {
				t.Errorf("%s: %d stored, %d duplicates, %d conflicts; want 1, %d, %d", id, stored, duplicates, conflicts,
					wantDuplicates, wantConflicts)
			}
			if got := len(deliveriesOf(t, s, id)); got != 1 {
				t.Errorf("%s: %d deliveries, want 1", id, got)
			}
		}
	}
}
