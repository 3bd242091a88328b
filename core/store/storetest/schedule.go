package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// dueAccept stores one issue with a due date, through the deriving path.
func dueAccept(t *testing.T, s store.Store, id, updatedAt, due string, at time.Time) {
	t.Helper()
	in := envelope(t, id, "issue.updated", nil, `{"status":"open","due_date":"`+due+`","updated_at":"`+updatedAt+`"}`)
	req := &store.AcceptRequest{ReceivedAt: at, Derive: true, Plan: planAll, DueThresholds: []time.Duration{72 * time.Hour, 24 * time.Hour},
		Events: []*store.NewEvent{{Incoming: in}}}
	if _, err := s.Accept(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

// runDue runs the due-date pass at now and returns the types it derived.
func runDue(t *testing.T, s store.Store, now time.Time) []string {
	t.Helper()
	var types []string
	plan := func(in *event.Incoming) ([]*store.NewDelivery, error) {
		types = append(types, in.Envelope.EventType)
		return planAll(in)
	}
	req := &store.AcceptRequest{ReceivedAt: now, Plan: plan, DueThresholds: []time.Duration{72 * time.Hour, 24 * time.Hour}}
	res, more, err := s.RunDue(context.Background(), req, 100)
	if err != nil {
		t.Fatal(err)
	}
	if more || res.Derived != len(types) {
		t.Fatalf("RunDue: more %t, derived %d, planned %v", more, res.Derived, types)
	}
	return types
}

// testRunDue walks an issue through its due-date events: each once, at its
// time, and again after the due date moves.
func testRunDue(t *testing.T, s store.Store) {
	due := base.Add(100 * time.Hour)
	dueAccept(t, s, "u1", "t1", due.Format(time.RFC3339), base)

	steps := []struct {
		at   time.Duration
		want string
	}{
		{0, ""},
		{28 * time.Hour, "issue.due_date_approaching"}, // 72h before
		{30 * time.Hour, ""},
		{76 * time.Hour, "issue.due_date_approaching"}, // 24h before
		{99 * time.Hour, ""},
		{100 * time.Hour, "issue.overdue"},
		{200 * time.Hour, ""},
	}
	for _, step := range steps {
		got := runDue(t, s, base.Add(step.at))
		if want := []string{step.want}; (step.want == "" && len(got) != 0) || (step.want != "" && (len(got) != 1 || got[0] != want[0])) {
			t.Errorf("at base+%s: derived %v, want %q", step.at, got, step.want)
		}
	}

	// A moved due date warns again, once.
	dueAccept(t, s, "u2", "t2", base.Add(300*time.Hour).Format(time.RFC3339), base.Add(201*time.Hour))
	if got := runDue(t, s, base.Add(230*time.Hour)); len(got) != 1 || got[0] != "issue.due_date_approaching" {
		t.Errorf("after the due date moved: derived %v, want one warning", got)
	}
	if got := runDue(t, s, base.Add(231*time.Hour)); len(got) != 0 {
		t.Errorf("the warning came twice: %v", got)
	}
}

// testSummary counts a period's events by type and project, leaves out the
// duplicates, counts distinct issues where it counts issues, and counts
// overdue issues at the period's end.
func testSummary(t *testing.T, s store.Store) {
	dueAccept(t, s, "s1", "t1", base.Add(time.Hour).Format(time.RFC3339), base)
	accept(t, s, &store.AcceptRequest{ReceivedAt: base.Add(2 * time.Hour), Events: []*store.NewEvent{{Incoming: NewIncoming("s2", "issue.created", "x")}}})
	accept(t, s, &store.AcceptRequest{ReceivedAt: base.Add(48 * time.Hour), Events: []*store.NewEvent{{Incoming: NewIncoming("s3", "issue.created", "late")}}})
	for i, id := range []string{"c1", "c2", "c3"} {
		closed := NewIncoming(id, "issue.closed", "closed "+id)
		if id != "c3" {
			closed.Envelope.EntityID = "issue-closed-twice"
			closed.Body = []byte(`{"event_id":"` + id + `","event_type":"issue.closed","entity_id":"issue-closed-twice"}`)
		}
		accept(t, s, &store.AcceptRequest{ReceivedAt: base.Add(time.Duration(3+i) * time.Hour), Events: []*store.NewEvent{{Incoming: closed}}})
	}

	sum, err := s.Summary(context.Background(), base, base.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if sum.EventsByType["issue.updated"] != 1 || sum.EventsByType["issue.created"] != 1 || sum.Issues.Created != 1 {
		t.Errorf("summary counts %+v, want one update and one creation", sum.EventsByType)
	}
	if sum.Issues.Overdue != 1 {
		t.Errorf("summary has %d overdue issues, want 1", sum.Issues.Overdue)
	}
	if sum.EventsByType["issue.closed"] != 3 || sum.Issues.Closed != 2 {
		t.Errorf("summary counts %d issue.closed events and %d closed issues, want 3 events of 2 issues",
			sum.EventsByType["issue.closed"], sum.Issues.Closed)
	}
}

// testLeaseAndMarks checks that a lease has one owner until it expires, and
// that a mark is kept.
func testLeaseAndMarks(t *testing.T, s store.Store) {
	ctx := context.Background()
	check := func(owner string, at time.Duration, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, "scheduler", owner, base.Add(at), time.Minute)
		if err != nil || got != want {
			t.Errorf("AcquireLease(%s, base+%s) = %t, %v; want %t", owner, at, got, err, want)
		}
	}
	check("a", 0, true)
	check("b", 30*time.Second, false)
	check("a", 50*time.Second, true) // renewed to base+110s
	check("b", 100*time.Second, false)
	check("b", 111*time.Second, true)

	if at, err := s.Mark(ctx, "daily"); err != nil || !at.IsZero() {
		t.Errorf("Mark of a job never run = %v, %v; want zero", at, err)
	}
	if err := s.SetMark(ctx, "daily", base); err != nil {
		t.Fatal(err)
	}
	if at, err := s.Mark(ctx, "daily"); err != nil || !at.Equal(base) {
		t.Errorf("Mark = %v, %v; want %v", at, err, base)
	}
}
