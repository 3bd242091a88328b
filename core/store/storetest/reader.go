package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// ReaderFactory opens an EntityReader on the store s, which stays open.
type ReaderFactory func(t *testing.T, s store.Store) store.EntityReader

// RunEntityReader checks an EntityReader beside the open store it reads: it
// returns nil for an entity never seen, the state, due date and recorded
// changes the store keeps, and the newest state after the store moves on. A
// store may write entity states to its tables a while after it accepted
// their events, so the checks wait up to readerWait for a state to appear.
func RunEntityReader(t *testing.T, newStore Factory, openReader ReaderFactory) {
	s := newStore(t)
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	acceptDerived(t, s, envelope(t, "e1", "issue.created", nil,
		`{"status":"open","priority":"high","due_date":"2026-12-10T17:00:00Z","updated_at":"t1"}`))
	acceptDerived(t, s, envelope(t, "e2", "issue.updated", nil, `{"status":"in_progress","updated_at":"t2"}`))

	r := openReader(t, s)
	defer r.Close()
	if e, err := r.Entity(ctx, "issue:never-seen"); err != nil || e != nil {
		t.Errorf("Entity of an unknown entity = %+v, %v; want nil", e, err)
	}
	e := waitForStatus(t, r, "issue:issue-1", "in_progress")
	current, err := s.EntityCurrent(ctx, "issue:issue-1")
	if err != nil {
		t.Fatal(err)
	}
	if string(e.State) != string(current) {
		t.Errorf("reader state %s, store state %s", e.State, current)
	}
	if e.Type != "issue" || e.ID != "issue-1" {
		t.Errorf("entity %s/%s, want issue issue-1", e.Type, e.ID)
	}
	if want := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC); !e.DueAt.Equal(want) {
		t.Errorf("due at %s, want %s", e.DueAt, want)
	}
	if e.LastChange["issue.status_changed"] == "" {
		t.Errorf("last changes %v, want the status change recorded", e.LastChange)
	}

	acceptDerived(t, s, envelope(t, "e3", "issue.updated", nil, `{"status":"closed","updated_at":"t3"}`))
	waitForStatus(t, r, "issue:issue-1", "closed")

	stored := envelope(t, "e3", "issue.updated", nil, `{"status":"closed","updated_at":"t3"}`)
	if hash, err := r.EventHash(ctx, "e3"); err != nil || !bytes.Equal(hash, stored.ContentHash[:]) {
		t.Errorf("EventHash(e3) = %x, %v; want the stored event's content hash %x", hash, err, stored.ContentHash[:])
	}
	if hash, err := r.EventHash(ctx, "never-sent"); err != nil || hash != nil {
		t.Errorf("EventHash of an unknown id = %x, %v; want nil", hash, err)
	}
}

// readerWait bounds how long RunEntityReader waits for a state to be written.
const readerWait = 10 * time.Second

// waitForStatus reads the entity until its status is status, and fails the
// test when readerWait passes first.
func waitForStatus(t *testing.T, r store.EntityReader, key, status string) *derive.Entity {
	t.Helper()
	deadline := time.Now().Add(readerWait)
	for {
		e, err := r.Entity(context.Background(), key)
		if err != nil {
			t.Fatalf("Entity(%s): %v", key, err)
		}
		if e != nil && e.Fields.Status != nil && *e.Fields.Status == status {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("Entity(%s) = %+v after %s, want status %s", key, e, readerWait, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
