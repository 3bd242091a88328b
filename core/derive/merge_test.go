package derive

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/turbocode/switchboard/core/event"
)

// fullIssue is an issue's whole state, as an issue.created stores it.
const fullIssue = `{"title":"Login fails","status":"open","priority":"high","assignee":"bob@example.com",` +
	`"due_date":"2026-12-10T17:00:00Z","blocked_by":["i9"],"updated_at":"2026-12-01T10:00:00Z"}`

// updateEvent builds an issue.updated about issue i1 with the given
// data.previous (none when empty) and data.current.
func updateEvent(t testing.TB, id, previous, current string) *event.Incoming {
	t.Helper()
	return entityUpdate(t, id, "issue", "i1", previous, current)
}

// entityUpdate builds a "<entityType>.updated" about the entity with the given
// data.previous (none when empty) and data.current.
func entityUpdate(t testing.TB, id, entityType, entityID, previous, current string) *event.Incoming {
	t.Helper()
	data := `{"current":` + current + `}`
	if previous != "" {
		data = `{"previous":` + previous + `,"current":` + current + `}`
	}
	raw := `{"event_id":"` + id + `","event_type":"` + entityType + `.updated","timestamp":"2026-12-02T12:00:00Z",` +
		`"entity_type":"` + entityType + `","entity_id":"` + entityID + `","context":{"project_id":"p1"},"data":` + data + `}`
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		t.Fatal(err)
	}
	return events[0]
}

// storedIssue returns issue i1 as the store keeps it after an event with
// this data.current.
func storedIssue(t *testing.T, current string) *Entity {
	t.Helper()
	res, err := Changes(updateEvent(t, "e0", "", current), nil)
	if err != nil || res.Entity == nil {
		t.Fatalf("store %s: %+v, %v", current, res, err)
	}
	return res.Entity
}

func derivedTypes(res Result) string {
	var types []string
	for _, d := range res.Derived {
		types = append(types, d.Envelope.EventType)
	}
	return strings.Join(types, " ")
}

func TestPartialCurrentChangesOnlyItsKeys(t *testing.T) {
	tests := []struct {
		name     string
		stored   string // the stored state, none when empty
		previous string // data.previous, none when empty
		current  string
		want     string
		// state lists fields of the entity's new state and their values.
		state map[string]string
	}{
		{
			name:    "status alone against the stored state",
			stored:  fullIssue,
			current: `{"status":"in_progress"}`,
			want:    "issue.status_changed",
			state:   map[string]string{"status": "in_progress", "priority": "high", "assignee": "bob@example.com", "title": "Login fails"},
		},
		{
			name:     "status alone against a full data.previous",
			previous: fullIssue,
			current:  `{"status":"closed"}`,
			want:     "issue.status_changed issue.closed",
			state:    map[string]string{"status": "closed", "priority": "high", "assignee": "bob@example.com"},
		},
		{
			name:     "partial data.previous filled from the stored state",
			stored:   fullIssue,
			previous: `{"status":"open"}`,
			current:  `{"status":"open","priority":"high","assignee":"bob@example.com","blocked_by":["i9"]}`,
			want:     "",
			state:    map[string]string{"title": "Login fails"},
		},
		{
			name:    "explicit null assignee",
			stored:  fullIssue,
			current: `{"assignee":null}`,
			want:    "issue.unassigned",
			state:   map[string]string{"assignee": "", "priority": "high"},
		},
		{
			name:    "explicit empty priority",
			stored:  fullIssue,
			current: `{"priority":""}`,
			want:    "issue.priority_changed",
			state:   map[string]string{"priority": "", "status": "open"},
		},
		{
			name:    "explicit empty blocked_by",
			stored:  fullIssue,
			current: `{"blocked_by":[]}`,
			want:    "issue.unblocked",
			state:   map[string]string{"status": "open"},
		},
		{
			name:    "explicit null due date",
			stored:  fullIssue,
			current: `{"due_date":null}`,
			want:    "issue.due_date_changed",
			state:   map[string]string{"due_date": ""},
		},
		{
			name:    "title alone",
			stored:  fullIssue,
			current: `{"title":"Login fails on Safari"}`,
			want:    "",
			state:   map[string]string{"title": "Login fails on Safari", "status": "open", "due_date": "2026-12-10T17:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stored *Entity
			if tt.stored != "" {
				stored = storedIssue(t, tt.stored)
			}
			res, err := Changes(updateEvent(t, "e1", tt.previous, tt.current), stored)
			if err != nil {
				t.Fatal(err)
			}
			if got := derivedTypes(res); got != tt.want {
				t.Errorf("derived %q, want %q", got, tt.want)
			}
			var state map[string]any
			if err := json.Unmarshal(res.Entity.State, &state); err != nil {
				t.Fatalf("new state %s: %v", res.Entity.State, err)
			}
			for key, want := range tt.state {
				if got, _ := state[key].(string); got != want {
					t.Errorf("new state %s = %q, want %q", key, got, want)
				}
			}
		})
	}
}

func TestPartialCurrentKeepsDueDateAndBlocked(t *testing.T) {
	stored := storedIssue(t, fullIssue)
	res, err := Changes(updateEvent(t, "e1", "", `{"status":"in_progress"}`), stored)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Entity.DueAt.Equal(stored.DueAt) || res.Entity.DueAt.IsZero() {
		t.Errorf("due date = %v, want the stored %v", res.Entity.DueAt, stored.DueAt)
	}
	if !res.Entity.Fields.Blocked {
		t.Errorf("blocked was lost: a partial state without blocked_by unblocked the issue")
	}
	if res.Entity.ProjectID != "p1" {
		t.Errorf("project = %q, want p1", res.Entity.ProjectID)
	}
}

func TestDerivedEventCarriesMergedStates(t *testing.T) {
	stored := storedIssue(t, fullIssue)
	res, err := Changes(updateEvent(t, "e1", "", `{"status":"in_progress"}`), stored)
	if err != nil || len(res.Derived) != 1 {
		t.Fatalf("Changes = %+v, %v; want one event", res, err)
	}
	var data struct {
		Previous, Current map[string]any
	}
	if err := json.Unmarshal(res.Derived[0].Envelope.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.Current["title"] != "Login fails" || data.Current["status"] != "in_progress" {
		t.Errorf("data.current = %v, want the whole new state", data.Current)
	}
	if data.Previous["status"] != "open" || data.Previous["assignee"] != "bob@example.com" {
		t.Errorf("data.previous = %v, want the stored state", data.Previous)
	}
}

func TestPartialStatusSequenceMatchesWithAndWithoutPrevious(t *testing.T) {
	steps := []struct{ previous, current string }{
		{`{"status":"open"}`, `{"status":"in_progress"}`},
		{`{"priority":"high"}`, `{"priority":"critical"}`},
		{`{"status":"in_progress"}`, `{"status":"closed"}`},
	}
	run := func(withPrevious bool) string {
		entity := storedIssue(t, fullIssue)
		var all []string
		for i, step := range steps {
			previous := ""
			if withPrevious {
				previous = step.previous
			}
			res, err := Changes(updateEvent(t, fmt.Sprintf("e%d", i+1), previous, step.current), entity)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, derivedTypes(res))
			entity = res.Entity
		}
		return strings.Join(all, " | ")
	}
	want := "issue.status_changed | issue.priority_changed | issue.status_changed issue.closed"
	if got := run(true); got != want {
		t.Errorf("with data.previous: %q, want %q", got, want)
	}
	if got := run(false); got != want {
		t.Errorf("without data.previous: %q, want %q", got, want)
	}
}

func TestMergeState(t *testing.T) {
	tests := []struct {
		name, base, update, want string
	}{
		{"no base", ``, `{"a":1}`, `{"a":1}`},
		{"every key updated", `{"a":1,"b":2}`, `{"b":3,"a":4}`, `{"b":3,"a":4}`},
		{"keys kept", `{"a":1,"b":{"c":[1,2]},"d":null}`, `{"a":2}`, `{"a":2,"b":{"c":[1,2]},"d":null}`},
		{"empty update", `{"a":1}`, `{}`, `{"a":1}`},
		{"spaces", `{ "a" : 1 , "b" : "x" }`, "{ \"a\": 2 \n}", `{ "a": 2,"b" : "x"}`},
		{"escaped key", `{"st\u0061tus":"open","b":1}`, `{"status":"closed"}`, `{"status":"closed","b":1}`},
		{"null replaces", `{"a":"x"}`, `{"a":null}`, `{"a":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := mergeState([]byte(tt.base), []byte(tt.update))
			if string(got) != tt.want {
				t.Errorf("mergeState(%s, %s) = %s, want %s", tt.base, tt.update, got, tt.want)
			}
		})
	}
}

// FuzzMergeStateMatchesEncodingJSON checks mergeState against a merge of two
// maps decoded with encoding/json.
func FuzzMergeStateMatchesEncodingJSON(f *testing.F) {
	f.Add([]byte(fullIssue), []byte(`{"status":"closed"}`))
	f.Add([]byte(`{"a":1,"a":2,"b\u0062":3}`), []byte(`{"bb":null,"c":{"a":1}}`))
	f.Add([]byte(`{}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, base, update []byte) {
		var baseMap, updateMap map[string]json.RawMessage
		if !utf8.Valid(base) || !utf8.Valid(update) || json.Unmarshal(base, &baseMap) != nil ||
			json.Unmarshal(update, &updateMap) != nil || baseMap == nil || updateMap == nil {
			return // ingest and the store only hold valid JSON objects
		}
		want := maps.Clone(baseMap)
		maps.Copy(want, updateMap)

		merged, _ := mergeState(base, update)
		var got map[string]json.RawMessage
		if err := json.Unmarshal(merged, &got); err != nil {
			t.Fatalf("mergeState(%s, %s) = %s, not JSON: %v", base, update, merged, err)
		}
		if len(got) != len(want) {
			t.Fatalf("mergeState(%s, %s) = %s, want the keys of %v", base, update, merged, want)
		}
		for key, value := range want {
			if string(got[key]) != string(value) {
				t.Errorf("mergeState(%s, %s)[%q] = %s, want %s", base, update, key, got[key], value)
			}
		}
	})
}
