package derive

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// loadSequence reads the fixtures in the order of sequence.txt as ingest would
// produce them; withoutPrevious drops every data.previous.
func loadSequence(t *testing.T, withoutPrevious bool) []*event.Incoming {
	t.Helper()
	root := "../../testdata/turbo"
	list, err := os.ReadFile(filepath.Join(root, "sequence.txt"))
	if err != nil {
		t.Fatal(err)
	}
	received := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	var out []*event.Incoming
	for _, line := range strings.Split(string(list), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(root, line))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseFixture(t, line, raw, received, withoutPrevious))
	}
	return out
}

func parseFixture(t *testing.T, name string, raw []byte, received time.Time, withoutPrevious bool) *event.Incoming {
	t.Helper()
	if strings.HasPrefix(name, "native/") {
		var file struct {
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		}
		if err := json.Unmarshal(raw, &file); err != nil {
			t.Fatal(err)
		}
		in, err := event.FromTurboWebhook(file.Headers["X-Webhook-Event"], file.Headers["X-Webhook-Delivery-Id"], file.Body, received)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return in
	}
	if withoutPrevious {
		var doc map[string]any
		json.Unmarshal(raw, &doc)
		if data, ok := doc["data"].(map[string]any); ok {
			delete(data, "previous")
		}
		raw, _ = json.Marshal(doc)
	}
	events, err := event.ParseEnvelopes(raw, 1)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return events[0]
}

// replay derives through the sequence the way the store does: duplicates of
// stored changes derive nothing and leave the state alone.
func replay(t *testing.T, events []*event.Incoming) string {
	t.Helper()
	entities := map[string]*Entity{}
	seen := map[string]bool{}
	var b strings.Builder
	for _, in := range events {
		env := in.Envelope
		if seen[env.EventID] {
			continue // the store answers a known event id as a duplicate and derives nothing
		}
		seen[env.EventID] = true
		key := env.EntityType + ":" + env.EntityID
		res, err := Changes(in, entities[key])
		if err != nil {
			t.Fatalf("Changes(%s): %v", env.EventID, err)
		}
		if res.ChangeID != "" && seen[res.ChangeID] {
			fmt.Fprintf(&b, "%s %s: duplicate of %s\n", env.EventID, env.EventType, res.ChangeID)
			continue
		}
		if res.ChangeID != "" {
			seen[res.ChangeID] = true
		}
		fmt.Fprintf(&b, "%s %s\n", env.EventID, env.EventType)
		for _, d := range res.Derived {
			if seen[d.Envelope.EventID] {
				continue
			}
			seen[d.Envelope.EventID] = true
			fmt.Fprintf(&b, "  derived %s %s changes=%s\n", d.Envelope.EventID, d.Envelope.EventType, changesOf(t, d))
		}
		if res.Entity != nil {
			entities[key] = res.Entity
		}
	}
	return b.String()
}

func changesOf(t *testing.T, in *event.Incoming) string {
	var data struct {
		Changes []string `json:"changes"`
	}
	if err := json.Unmarshal(in.Envelope.Data, &data); err != nil {
		t.Fatal(err)
	}
	return strings.Join(data.Changes, ",")
}

func TestSequenceDerivesGoldenList(t *testing.T) {
	golden := filepath.Join("testdata", "sequence.golden")
	got := replay(t, loadSequence(t, false))
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("derived events differ from %s:\ngot:\n%s\nwant:\n%s", golden, got, want)
	}

	if without := replay(t, loadSequence(t, true)); without != got {
		t.Errorf("without data.previous the derived events differ:\n%s\nwith it:\n%s", without, got)
	}
	twice := append(loadSequence(t, false), loadSequence(t, false)...)
	if again := replay(t, twice); again != got {
		t.Errorf("sending the sequence twice derived more events:\n%s", again)
	}
}

func TestDerivedEventShape(t *testing.T) {
	events := loadSequence(t, false)
	var update *event.Incoming
	for _, in := range events {
		if in.Envelope.EventType == "issue.updated" {
			update = in
		}
	}
	res, err := Changes(update, nil)
	if err != nil || len(res.Derived) != 3 {
		t.Fatalf("Changes = %d events, %v; want 3", len(res.Derived), err)
	}
	d := res.Derived[0].Envelope
	if !d.Derived || d.ParentEventID != update.Envelope.EventID || d.EntityID != update.Envelope.EntityID ||
		d.Context["project_id"] == "" || d.Actor == nil || d.Action != "status_changed" {
		t.Errorf("derived envelope = %+v", d)
	}
	var data map[string]json.RawMessage
	json.Unmarshal(d.Data, &data)
	if !bytes.Contains(data["previous"], []byte(`"status":"open"`)) || !bytes.Contains(data["current"], []byte(`"status":"in_progress"`)) {
		t.Errorf("derived data = %s", d.Data)
	}
	if res.Derived[0].Format != event.FormatDerived {
		t.Errorf("format = %s", res.Derived[0].Format)
	}
	if again, _ := Changes(update, nil); again.Derived[0].ContentHash != res.Derived[0].ContentHash {
		t.Errorf("the same change derived twice has another content hash")
	}
}

func TestDerivedEventsDeriveNothing(t *testing.T) {
	res, _ := Changes(loadSequence(t, false)[4], nil)
	again, err := Changes(res.Derived[0], nil)
	if err != nil || len(again.Derived) != 0 || again.Entity != nil {
		t.Errorf("a derived event derived %+v, %v", again, err)
	}
}

func TestRules(t *testing.T) {
	s := func(v string) *string { return &v }
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		entity   string
		previous Fields
		current  Fields
		want     string
	}{
		{"issue", Fields{Status: s("closed")}, Fields{Status: s("open")}, "issue.status_changed issue.reopened"},
		{"issue", Fields{Status: s("closed")}, Fields{}, ""},
		{"issue", Fields{Status: s("closed")}, Fields{Status: s("")}, ""},
		{"milestone", Fields{Status: s("active")}, Fields{}, ""},
		{"issue", Fields{Assignee: s("a@x")}, Fields{}, "issue.unassigned"},
		{"issue", Fields{Assignee: s("a@x")}, Fields{Assignee: s("b@x")}, "issue.assigned"},
		{"issue", Fields{}, Fields{Blocked: true}, "issue.blocked"},
		{"issue", Fields{Blocked: true}, Fields{}, "issue.unblocked"},
		{"issue", Fields{DueDate: s("2026-12-05T17:00:00Z")}, Fields{DueDate: s("2026-12-09T17:00:00Z")}, "issue.due_date_changed"},
		{"issue", Fields{DueDate: s("2026-12-05T05:30:00Z")}, Fields{DueDate: s("2026-12-05T06:30:00+01:00")}, ""},
		{"issue", Fields{DueDate: s("2026-12-05")}, Fields{DueDate: s("2026-12-05T00:00:00Z")}, "issue.due_date_changed"},
		{"project", Fields{Completion: f(10)}, Fields{Completion: f(80)}, "project.completion_milestone project.completion_milestone project.completion_milestone"},
		{"project", Fields{Completion: f(99)}, Fields{Completion: f(100)}, "project.completion_milestone"},
		{"project", Fields{Status: s("active")}, Fields{Status: s("archived")}, "project.status_changed project.archived"},
		{"milestone", Fields{Progress: f(12)}, Fields{Progress: f(19)}, ""},
		{"milestone", Fields{Progress: f(19)}, Fields{Progress: f(21)}, "milestone.progress_updated"},
		{"milestone", Fields{Status: s("active")}, Fields{Status: s("completed")}, "milestone.status_changed milestone.completed"},
		{"initiative", Fields{Status: s("in_progress")}, Fields{Status: s("completed")}, "initiative.status_changed initiative.completed"},
		{"comment", Fields{Status: s("a")}, Fields{Status: s("b")}, ""},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range rules(tt.entity, tt.previous, tt.current) {
			got = append(got, c.eventType)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s %+v → %+v: %v, want %q", tt.entity, tt.previous, tt.current, got, tt.want)
		}
	}
}

func TestReadFieldsOtherTypes(t *testing.T) {
	f := ReadFields([]byte(`{"status": "open", "assignee": {"login": "octocat"}, "priority": "high"}`))
	if text(f.Status) != "open" || text(f.Priority) != "high" {
		t.Errorf("status %q priority %q, want the fields of the right type read", text(f.Status), text(f.Priority))
	}
	if text(f.Assignee) != "" {
		t.Errorf("assignee = %q, want empty for an object", text(f.Assignee))
	}
	for _, cut := range []string{`{"status": `, `{"status": "op`, `{"st`, `{`, ``, `[1]`, `"x"`} {
		if f := ReadFields([]byte(cut)); f.Status != nil {
			t.Errorf("ReadFields(%q) read status %q from cut JSON", cut, *f.Status)
		}
	}
}

func TestLateOlderSnapshotChangesNothing(t *testing.T) {
	parse := func(id, previous, current string) *event.Incoming {
		raw := `{"event_id":"` + id + `","event_type":"issue.updated","timestamp":"2026-12-01T12:00:00Z",` +
			`"entity_type":"issue","entity_id":"i1","data":{"previous":` + previous + `,"current":` + current + `}}`
		events, err := event.ParseEnvelopes([]byte(raw), 1)
		if err != nil {
			t.Fatal(err)
		}
		return events[0]
	}
	closed := parse("e1", `{"status":"in_progress","updated_at":"2026-12-01T10:00:01Z"}`,
		`{"status":"closed","updated_at":"2026-12-01T10:00:02Z"}`)
	first, err := Changes(closed, nil)
	if err != nil || first.Entity == nil {
		t.Fatalf("Changes of the close: %+v, %v", first, err)
	}

	late := parse("e2", `{"status":"open","updated_at":"2026-12-01T10:00:00Z"}`,
		`{"status":"in_progress","updated_at":"2026-12-01T10:00:01Z"}`)
	res, err := Changes(late, first.Entity)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Derived) != 0 || res.Entity != nil {
		t.Errorf("a late, older update derived %d events and replaced the state: %+v", len(res.Derived), res.Entity)
	}
	if !res.Late {
		t.Errorf("a late, older update is not reported late")
	}
}

func TestReadCompletionWrittenAsString(t *testing.T) {
	tests := []struct {
		raw  string
		want string
	}{
		{`{"completion_percentage": 80}`, "80"},
		{`{"completion_percentage": "80"}`, "80"},
		{`{"completion_percentage": "62.5"}`, "62.5"},
		{`{"completion_percentage": "0x50"}`, "none"},
		{`{"completion_percentage": "-Inf"}`, "none"},
		{`{"completion_percentage": "eighty"}`, "none"},
	}
	for _, tt := range tests {
		got := "none"
		if c := ReadFields([]byte(tt.raw)).Completion; c != nil {
			got = strconv.FormatFloat(*c, 'f', -1, 64)
		}
		if got != tt.want {
			t.Errorf("%s: completion %s, want %s", tt.raw, got, tt.want)
		}
	}
}
