package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// TestReplayReadsDueDateInZone crashes with an entity state unwritten whose
// due date has no UTC offset: the replay at the next start reads it in
// Options.DueZone, as ingest did.
func TestReplayReadsDueDateInZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	path := filepath.Join(t.TempDir(), "switchboard.db")
	opts := Options{Path: path, DueZone: berlin}
	s := openHoldingBacklogWith(t, opts)

	raw := `{"event_id":"e1","event_type":"issue.created","timestamp":"2026-12-01T12:00:00Z","entity_type":"issue",` +
		`"entity_id":"i1","data":{"current":{"status":"open","due_date":"2026-12-10"}}}`
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		t.Fatal(err)
	}
	none := func(*event.Incoming) ([]*store.NewDelivery, error) { return nil, nil }
	req := &store.AcceptRequest{ReceivedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Derive: true, Plan: none,
		Events: []*store.NewEvent{{Incoming: events[0], Prepared: derive.PrepareIn(events[0], berlin)}}}
	if _, err := s.Accept(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	crash(t, s)

	s, err = Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := OpenReader(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	e, err := r.Entity(context.Background(), "issue:i1")
	if err != nil || e == nil {
		t.Fatalf("Entity after the replay = %+v, %v", e, err)
	}
	if want := time.Date(2026, 12, 10, 23, 0, 0, 0, time.UTC); !e.DueAt.Equal(want) {
		t.Errorf("replayed due date %s, want the end of 10 December in Berlin, %s", e.DueAt, want)
	}
}
