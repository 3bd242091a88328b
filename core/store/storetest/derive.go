package storetest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// fixtureRoot is testdata/turbo seen from a store implementation's package
// directory (core/store/<driver>), where its tests run.
const fixtureRoot = "../../../testdata/turbo"

// Sequence reads the Turbo fixtures in the order of sequence.txt, for the
// tests of a store implementation's own package.
func Sequence(t *testing.T) []*event.Incoming {
	return sequence(t)
}

// sequence reads the Turbo fixtures in the order of sequence.txt.
func sequence(t *testing.T) []*event.Incoming {
	t.Helper()
	list, err := os.ReadFile(filepath.Join(fixtureRoot, "sequence.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*event.Incoming
	for _, line := range strings.Split(string(list), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(fixtureRoot, line))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fixture(t, line, raw))
	}
	return out
}

func fixture(t *testing.T, name string, raw []byte) *event.Incoming {
	t.Helper()
	if !strings.HasPrefix(name, "native/") {
		events, err := event.ParseEnvelopes(raw, 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return events[0]
	}
	var file struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	in, err := event.FromTurboWebhook(file.Headers["X-Webhook-Event"], file.Headers["X-Webhook-Delivery-Id"], file.Body, base)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return in
}

// planAll routes every event to one delivery.
func planAll(in *event.Incoming) ([]*store.NewDelivery, error) {
	return []*store.NewDelivery{planned("all", "a", "")}, nil
}

// AcceptDerived accepts one event with deriving on and returns its result.
func AcceptDerived(t *testing.T, s store.Store, in *event.Incoming) store.EventResult {
	return acceptDerived(t, s, in)
}

func acceptDerived(t *testing.T, s store.Store, in *event.Incoming) store.EventResult {
	t.Helper()
	req := &store.AcceptRequest{ReceivedAt: base, Derive: true, Plan: planAll, DueThresholds: []time.Duration{24 * time.Hour},
		Events: []*store.NewEvent{{Incoming: in, Deliveries: []*store.NewDelivery{planned("all", "a", "")}}}}
	res, err := s.Accept(context.Background(), req)
	if err != nil {
		t.Fatalf("Accept %s: %v", in.Envelope.EventID, err)
	}
	return res.Events[0]
}

func testDeriveSequence(t *testing.T, s store.Store) {
	events := sequence(t)
	var duplicates []string
	duplicateIDs := map[string]bool{}
	for _, in := range events {
		if res := acceptDerived(t, s, in); res.Duplicate {
			duplicates = append(duplicates, in.Envelope.EventType)
			duplicateIDs[in.Envelope.EventID] = true
		}
	}
	if strings.Join(duplicates, ",") != "issue.assigned" {
		t.Errorf("duplicates = %v, want Turbo's own issue.assigned, already derived from the update", duplicates)
	}

	// Every event but the duplicate is routed once; the duplicate not at all.
	want := map[string]int{"issue.status_changed": 3, "issue.priority_changed": 1, "issue.assigned": 1}
	for _, in := range events {
		ds, err := s.Deliveries(context.Background(), store.DeliveryFilter{EventID: in.Envelope.EventID})
		if err != nil {
			t.Fatal(err)
		}
		if wantN := map[bool]int{false: 1, true: 0}[duplicateIDs[in.Envelope.EventID]]; len(ds) != wantN {
			t.Errorf("event %s has %d deliveries, want %d", in.Envelope.EventID, len(ds), wantN)
		}
	}
	got := map[string]int{}
	all, err := s.Deliveries(context.Background(), store.DeliveryFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if ev, err := s.Event(context.Background(), d.EventID); err == nil && ev.Format == event.FormatDerived {
			got[d.EventType]++
		}
	}
	for eventType, n := range want {
		if got[eventType] != n {
			t.Errorf("%d derived %s stored, want %d (all: %v)", got[eventType], eventType, n, got)
		}
	}

	for _, in := range sequence(t) {
		if res := acceptDerived(t, s, in); !res.Duplicate {
			t.Errorf("the second time %s %s was not a duplicate", in.Envelope.EventID, in.Envelope.EventType)
		}
	}
	if again, _ := s.Deliveries(context.Background(), store.DeliveryFilter{Limit: 1000}); len(again) != len(all) {
		t.Errorf("sending the sequence again made %d more deliveries", len(again)-len(all))
	}
}

// testDeriveReverse sends Turbo's own issue.closed before the update that
// reports the same change: the change derived from the update is the same
// change, and is not stored again.
func testDeriveReverse(t *testing.T, s store.Store) {
	created := envelope(t, "e1", "issue.created", nil, `{"status":"in_progress","updated_at":"t1"}`)
	closed := envelope(t, "e2", "issue.closed", nil, `{"status":"closed","updated_at":"t2"}`)
	update := envelope(t, "e3", "issue.updated", []byte(`{"status":"in_progress","updated_at":"t1"}`), `{"status":"closed","updated_at":"t2"}`)

	acceptDerived(t, s, created)
	acceptDerived(t, s, closed)
	if res := acceptDerived(t, s, update); res.Duplicate {
		t.Fatalf("the update was a duplicate; only its derived issue.closed is")
	}
	if closes := routedCount(t, s, "issue.closed"); closes != 1 {
		t.Errorf("%d issue.closed events stored, want Turbo's one only", closes)
	}
}

// routedCount returns how many deliveries events of one type have.
func routedCount(t *testing.T, s store.Store, eventType string) int {
	t.Helper()
	all, err := s.Deliveries(context.Background(), store.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range all {
		if d.EventType == eventType {
			n++
		}
	}
	return n
}

// testDeriveLateReportedChange sends Turbo's own issue.closed after a newer
// version of the issue: it arrived late, so it derives nothing, but it is
// still the close derived from the update before it, and routes nothing.
func testDeriveLateReportedChange(t *testing.T, s store.Store) {
	const at1, at2, at3 = "2026-12-05T03:00:00Z", "2026-12-05T03:05:00Z", "2026-12-05T03:06:00Z"
	acceptDerived(t, s, envelope(t, "e1", "issue.created", nil, `{"status":"open","priority":"low","updated_at":"`+at1+`"}`))
	acceptDerived(t, s, envelope(t, "e2", "issue.updated", []byte(`{"status":"in_progress"}`),
		`{"status":"closed","priority":"low","updated_at":"`+at2+`"}`))
	acceptDerived(t, s, envelope(t, "e3", "issue.updated", nil, `{"status":"closed","priority":"high","updated_at":"`+at3+`"}`))
	late := acceptDerived(t, s, envelope(t, "e4", "issue.closed", nil, `{"status":"closed","priority":"low","updated_at":"`+at2+`"}`))
	if !late.Duplicate {
		t.Errorf("Turbo's late issue.closed is not a duplicate of the close derived before it")
	}

	if closes := routedCount(t, s, "issue.closed"); closes != 1 {
		t.Errorf("%d issue.closed events routed, want the derived one only", closes)
	}
}

// testEntityCurrent reads an entity's data.current after each event about
// it: the newest state stored, and nil for an entity never seen.
func testEntityCurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	if current, err := s.EntityCurrent(ctx, "issue:issue-1"); err != nil || current != nil {
		t.Fatalf("EntityCurrent of an unknown entity = %s, %v; want nil", current, err)
	}

	acceptDerived(t, s, envelope(t, "e1", "issue.created", nil, `{"status":"open","assignee":null,"updated_at":"t1"}`))
	acceptDerived(t, s, envelope(t, "e2", "issue.updated", nil, `{"status":"open","assignee":"qa@example.com","updated_at":"t2"}`))
	current, err := s.EntityCurrent(ctx, "issue:issue-1")
	if err != nil {
		t.Fatalf("EntityCurrent: %v", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(current, &fields); err != nil {
		t.Fatalf("EntityCurrent returned %q, not a JSON object: %v", current, err)
	}
	if fields["assignee"] != "qa@example.com" || fields["updated_at"] != "t2" {
		t.Errorf("EntityCurrent = %s, want the state of the second event", current)
	}
}

func envelope(t *testing.T, id, eventType string, previous []byte, current string) *event.Incoming {
	t.Helper()
	data := map[string]any{"current": json.RawMessage(current)}
	if previous != nil {
		data["previous"] = json.RawMessage(previous)
	}
	raw, _ := json.Marshal(map[string]any{"event_id": id, "event_type": eventType, "timestamp": base.Format(time.RFC3339),
		"entity_id": "issue-1", "data": data})
	events, err := event.ParseEnvelopes(raw, 1)
	if err != nil {
		t.Fatal(err)
	}
	return events[0]
}
