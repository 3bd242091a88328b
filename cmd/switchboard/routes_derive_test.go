package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/sqlite"
)

const storeTestConfig = `
ingest: {insecure: true}
storage: {dsn: %q}
connectors:
  log: {type: file, path: %q}
routes:
  - name: changes
    derived: true
    to: [{connector: log}]
`

// issueKey is the issue of the fixtures testdata/turbo/envelope/issue-*.json.
const issueKey = "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"

// storeWithFixtures opens a SQLite store in dir holding the fixtures, derived
// as the daemon derives them, and leaves it open as a serving instance would.
// It closes and opens the store once, so that the entity states are in their
// table rather than only in the store's memory.
func storeWithFixtures(t *testing.T, dir string, names ...string) *sqlite.Store {
	t.Helper()
	path := filepath.Join(dir, "switchboard.db")
	s, err := sqlite.Open(context.Background(), sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	none := func(*event.Incoming) ([]*store.NewDelivery, error) { return nil, nil }
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join("../../testdata/turbo/envelope", name))
		if err != nil {
			t.Fatal(err)
		}
		events, err := event.ParseEnvelopes(raw, 1)
		if err != nil {
			t.Fatal(err)
		}
		req := &store.AcceptRequest{ReceivedAt: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), Derive: true, Plan: none,
			Events: []*store.NewEvent{{Incoming: events[0], Prepared: derive.Prepare(events[0])}}}
		if _, err := s.Accept(context.Background(), req); err != nil {
			t.Fatalf("accept %s: %v", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if s, err = sqlite.Open(context.Background(), sqlite.Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// partialUpdate is an issue.updated that carries only the issue's status.
func partialUpdate(updatedAt string) string {
	return `{"event_id":"0b6c1f52-6d3e-4c1a-9f2b-8e7d6c5b4a39","event_type":"issue.updated",` +
		`"timestamp":"2026-12-02T11:00:00Z","entity_type":"issue","entity_id":"3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b",` +
		`"data":{"current":{"status":"in_progress","updated_at":"` + updatedAt + `"}}}`
}

func TestRoutesTestDerivesAgainstStore(t *testing.T) {
	tests := []struct {
		name     string
		fixtures []string
		event    string // an event file's content, or a fixture's name
		store    bool
		want     []string
		not      []string
	}{
		{
			name: "partial update against the stored state", fixtures: []string{"issue-created-high.json"},
			event: partialUpdate("2026-12-02T11:00:00Z"), store: true,
			want: []string{"deriving against the entity states stored in sqlite",
				"derives 1 event(s), from the stored state of " + issueKey, "issue.status_changed  (derived)"},
			not: []string{"issue.priority_changed", "issue.unassigned", "issue.due_date_changed"},
		},
		{
			name: "partial update without --store", fixtures: []string{"issue-created-high.json"},
			event: partialUpdate("2026-12-02T11:00:00Z"),
			want:  []string{"derives no events from data.previous (without it, the daemon compares with the entity's stored state; add --store"},
			not:   []string{"deriving against", "(derived)"},
		},
		{
			name: "entity the store has not seen", event: partialUpdate("2026-12-02T11:00:00Z"), store: true,
			want: []string{"derives no events (the store has no state of " + issueKey},
		},
		{
			name: "late snapshot", fixtures: []string{"issue-created-high.json", "issue-updated-status.json"},
			event: partialUpdate("2026-12-02T09:00:00Z"), store: true,
			want: []string{"the stored state of " + issueKey + " has a later updated_at", "derives no events"},
		},
		{
			name: "changes stored already", fixtures: []string{"issue-created-high.json", "issue-updated-status.json"},
			event: "issue-updated-status.json", store: true,
			want: []string{"derives 3 event(s), from data.previous over the stored state of " + issueKey,
				"issue.status_changed  (derived)\n  stored already: it would be a duplicate and route nothing",
				"issue.priority_changed  (derived)\n  stored already: it would be a duplicate and route nothing",
				"issue.assigned  (derived)\n  stored already: it would be a duplicate and route nothing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := storeWithFixtures(t, dir, tt.fixtures...)
			config := filepath.Join(dir, "switchboard.yaml")
			configText := fmt.Sprintf(storeTestConfig, filepath.Join(dir, "switchboard.db"), filepath.Join(dir, "out.jsonl"))
			if err := os.WriteFile(config, []byte(configText), 0o600); err != nil {
				t.Fatal(err)
			}
			eventPath := filepath.Join("../../testdata/turbo/envelope", tt.event)
			if strings.HasPrefix(tt.event, "{") {
				eventPath = filepath.Join(dir, "event.json")
				if err := os.WriteFile(eventPath, []byte(tt.event), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := storeDigest(t, dir)
			stateBefore, err := s.EntityCurrent(context.Background(), issueKey)
			if err != nil {
				t.Fatal(err)
			}

			args := []string{"routes", "test", "--config", config, "--event", eventPath}
			if tt.store {
				args = append(args, "--store")
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			out := stdout.String()
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(out, not) {
					t.Errorf("output has %q:\n%s", not, out)
				}
			}

			if after := storeDigest(t, dir); after != before {
				t.Errorf("the store's files changed")
			}
			stateAfter, err := s.EntityCurrent(context.Background(), issueKey)
			if err != nil || !bytes.Equal(stateAfter, stateBefore) {
				t.Errorf("the stored state changed from %s to %s (%v)", stateBefore, stateAfter, err)
			}
		})
	}
}

// storeDigest hashes the database file and its write-ahead log.
func storeDigest(t *testing.T, dir string) [32]byte {
	t.Helper()
	h := sha256.New()
	for _, name := range []string{"switchboard.db", "switchboard.db-wal"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		h.Write(data)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func TestRoutesTestStoreMissing(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "switchboard.yaml")
	configText := fmt.Sprintf(storeTestConfig, filepath.Join(dir, "none.db"), filepath.Join(dir, "out.jsonl"))
	if err := os.WriteFile(config, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"routes", "test", "--config", config, "--store", "--event",
		"../../testdata/turbo/envelope/issue-created-high.json"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "storage.dsn") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming storage.dsn", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); !os.IsNotExist(err) {
		t.Errorf("routes test --store created the missing store")
	}
}
