package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// testDerivePartialState sends a full issue state and then one that carries
// only its status: only the status change is derived, and the stored state
// keeps the fields the second event left out.
func testDerivePartialState(t *testing.T, s store.Store) {
	ctx := context.Background()
	acceptDerived(t, s, envelope(t, "e1", "issue.created", nil,
		`{"title":"Login fails","status":"open","priority":"high","assignee":"bob@example.com","updated_at":"t1"}`))
	acceptDerived(t, s, envelope(t, "e2", "issue.updated", nil, `{"status":"in_progress"}`))

	all, err := s.Deliveries(ctx, store.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var derived []string
	for _, d := range all {
		if ev, err := s.Event(ctx, d.EventID); err == nil && ev.Format == event.FormatDerived {
			derived = append(derived, d.EventType)
		}
	}
	if len(derived) != 1 || derived[0] != "issue.status_changed" {
		t.Errorf("derived %v, want only issue.status_changed", derived)
	}

	current, err := s.EntityCurrent(ctx, "issue:issue-1")
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(current, &state); err != nil {
		t.Fatalf("stored state %s: %v", current, err)
	}
	if state["status"] != "in_progress" || state["priority"] != "high" || state["assignee"] != "bob@example.com" ||
		state["title"] != "Login fails" {
		t.Errorf("stored state %s, want the new status over the fields stored before", current)
	}
}
