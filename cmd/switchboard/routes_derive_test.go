package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
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

// storeWithFixtures opens a SQLite store in dir holding the fixtures (file
// names under testdata/turbo/envelope, or envelopes as JSON text), derived
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
		raw := []byte(name)
		if !strings.HasPrefix(name, "{") {
			if raw, err = os.ReadFile(filepath.Join("../../testdata/turbo/envelope", name)); err != nil {
				t.Fatal(err)
			}
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
	return issueUpdate("0b6c1f52-6d3e-4c1a-9f2b-8e7d6c5b4a39", "", `{"status":"in_progress","updated_at":"`+updatedAt+`"}`)
}

// issueUpdate is an issue.updated of the fixtures' issue; previous is left out
// when empty.
func issueUpdate(id, previous, current string) string {
	data := `"current":` + current
	if previous != "" {
		data = `"previous":` + previous + `,` + data
	}
	return `{"event_id":"` + id + `","event_type":"issue.updated",` +
		`"timestamp":"2026-12-02T11:00:00Z","entity_type":"issue","entity_id":"3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b",` +
		`"data":{` + data + `}}`
}

// renamed returns a fixture envelope under another event id.
func renamed(t *testing.T, name, id string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../testdata/turbo/envelope", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["event_id"] = id
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// fixRoutesNow makes `routes test` take at as now until the test ends.
func fixRoutesNow(t *testing.T, at time.Time) {
	t.Helper()
	routesNow = func() time.Time { return at }
	t.Cleanup(func() { routesNow = time.Now })
}

func TestRoutesTestDerivesAgainstStore(t *testing.T) {
	fixRoutesNow(t, time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
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
				"derives 1 event, from the stored state of " + issueKey, "issue.status_changed  (derived)"},
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
			name: "event stored already", fixtures: []string{"issue-created-high.json", "issue-updated-status.json"},
			event: "issue-updated-status.json", store: true,
			want: []string{"issue.updated  (envelope)\n  stored already: a resend is a duplicate"},
			not:  []string{"derives no events", "(derived)"},
		},
		{
			name: "event id stored with another body", fixtures: []string{"issue-created-high.json", "issue-updated-status.json"},
			event: issueUpdate("1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5", "", `{"status":"closed"}`), store: true,
			want: []string{"stored already with another body: ingest would reject this one with 409"},
			not:  []string{"derives no events", "(derived)"},
		},
		{
			name: "same version under another id", fixtures: []string{"issue-created-high.json", "issue-updated-status.json"},
			event: renamed(t, "issue-updated-status.json", "5a0e3c1d-2b4f-4e6a-8c9d-7f1e2d3c4b5a"), store: true,
			want: []string{"derives no events from the stored state of " + issueKey + ", which has this event's updated_at"},
			not:  []string{"stored already", "(derived)"},
		},
		{
			name: "change the stored state shows already",
			fixtures: []string{
				issueUpdate("a1", "", `{"status":"open","updated_at":"v1"}`),
				issueUpdate("a2", `{"status":"open"}`, `{"status":"in_progress","updated_at":"v2"}`),
			},
			event: issueUpdate("a3", `{"status":"open"}`, `{"status":"in_progress","updated_at":"v2"}`), store: true,
			want: []string{"derives no events from data.previous over the stored state of " + issueKey,
				`updated_at "v2" is not an RFC 3339 time`},
			not: []string{"(derived)"},
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
			checkOutput(t, stdout.String(), tt.want, tt.not)

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

// checkOutput checks that out contains each of want and none of not.
func checkOutput(t *testing.T, out string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	for _, n := range not {
		if strings.Contains(out, n) {
			t.Errorf("output has %q:\n%s", n, out)
		}
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

const derivedInputConfig = `
ingest: {insecure: true}
connectors:
  log: {type: file, path: %q}
routes:
  - name: reports
    events: ["system.*"]
    to: [{connector: log}]
  - name: issues
    events: ["issue.*"]
    to: [{connector: log}]
  - name: warnings
    events: ["issue.due_date_approaching"]
    to: [{connector: log}]
`

// TestRoutesTestDerivedInput tests event files of the types Switchboard
// derives: routes match them as the daemon does, with "derived": true in the
// file or without it.
func TestRoutesTestDerivedInput(t *testing.T) {
	fixRoutesNow(t, time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	const digest = `"event_type":"system.daily_digest","timestamp":"2026-12-04T08:00:00Z","entity_type":"system",` +
		`"entity_id":"daily_digest","actor":{"type":"system","name":"switchboard"},"data":{"current":{"title":"Daily digest"}}`
	tests := []struct {
		name  string
		event string
		want  []string
		not   []string
	}{
		{
			name:  "digest from a connector's output",
			event: `{"event_id":"9e1f0a2b-3c4d-5e6f-8a9b-0c1d2e3f4a5b",` + digest + `,"derived":true,"parent_event_id":""}`,
			want: []string{"system.daily_digest  (derived)",
				"- reports: no match: derived event system.daily_digest needs derived: true or its exact name"},
		},
		{
			name:  "digest without the derived flag",
			event: `{"event_id":"9e1f0a2b-3c4d-5e6f-8a9b-0c1d2e3f4a5b",` + digest + `}`,
			want: []string{"Switchboard derives system.daily_digest itself, so this is tested as its derived event",
				"- reports: no match: derived event system.daily_digest needs derived: true"},
			not: []string{"+ reports"},
		},
		{
			name: "due-date warning without the derived flag",
			event: `{"event_id":"7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f","event_type":"issue.due_date_approaching",` +
				`"timestamp":"2026-12-04T12:00:00Z","entity_type":"issue","entity_id":"iss-1","data":{"current":{"title":"x"}}}`,
			want: []string{"issue.due_date_approaching  (derived)", "- issues: no match", "+ warnings: matches"},
		},
		{
			name: "change type Turbo might send",
			event: `{"event_id":"6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e","event_type":"issue.status_changed",` +
				`"timestamp":"2026-12-04T12:00:00Z","entity_type":"issue","entity_id":"iss-1","data":{"current":{"status":"open"}}}`,
			want: []string{"issue.status_changed  (envelope)\n  tested as an event Turbo sent; Switchboard also derives issue.status_changed",
				"+ issues: matches"},
		},
		{
			name: "issue created due within the smallest threshold",
			event: `{"event_id":"5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d","event_type":"issue.created",` +
				`"timestamp":"2026-12-04T12:00:00Z","entity_type":"issue","entity_id":"iss-2",` +
				`"data":{"current":{"status":"open","due_date":"2026-12-04T13:00:00Z","updated_at":"2026-12-04T12:00:00Z"}}}`,
			want: []string{"is owed 1 event now, which the scheduler derives at its next pass (every 1m)",
				"issue.due_date_approaching  (derived)\n  - reports: no match", "+ warnings: matches"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			config := filepath.Join(dir, "switchboard.yaml")
			if err := os.WriteFile(config, []byte(fmt.Sprintf(derivedInputConfig, filepath.Join(dir, "out.jsonl"))), 0o600); err != nil {
				t.Fatal(err)
			}
			eventPath := filepath.Join(dir, "event.json")
			if err := os.WriteFile(eventPath, []byte(tt.event), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := run([]string{"routes", "test", "--config", config, "--event", eventPath}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			checkOutput(t, stdout.String(), tt.want, tt.not)
		})
	}
}
