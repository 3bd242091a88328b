package app

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
)

// issueWith builds an issue.updated whose data.current has one field set to
// a raw JSON value.
func issueWith(t *testing.T, eventID, issueID, field, value string) *event.Incoming {
	t.Helper()
	raw := `{"event_id":"` + eventID + `","event_type":"issue.updated","timestamp":"2026-12-02T12:00:00Z",` +
		`"entity_type":"issue","entity_id":"` + issueID + `","data":{"current":{"` + field + `":` + value + `}}}`
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		t.Fatal(err)
	}
	return events[0]
}

func TestInvalidValuesWarnedOncePerEntity(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	var w invalidValueWarnings
	steps := []struct {
		eventID, issueID, field, value string
		warned                         bool
	}{
		{"e1", "i1", "due_date", `"next friday"`, true},
		{"e2", "i1", "due_date", `"next friday"`, false},
		{"e3", "i2", "due_date", `"next friday"`, true},
		{"e4", "i1", "due_date", `"2026-12-10"`, false},
		{"e5", "i1", "due_date", `"someday"`, true},
		{"e6", "i1", "due_date", `12`, true},
		{"e7", "i1", "due_date", `null`, false},
		{"u1", "i1", "updated_at", `"yesterday"`, true},
		{"u2", "i1", "updated_at", `"yesterday"`, false},
		{"u3", "i1", "updated_at", `1764900000`, true},
		{"u4", "i1", "updated_at", `"2026-12-05T03:09:00"`, true},
		{"u5", "i1", "updated_at", `"2026-12-05T03:09:00Z"`, false},
		{"u6", "i1", "updated_at", `"2026-12-05T03:09:00.5+01:00"`, false},
		{"u7", "i1", "updated_at", `null`, false},
	}
	for _, step := range steps {
		out.Reset()
		in := issueWith(t, step.eventID, step.issueID, step.field, step.value)
		w.check(log, derive.PrepareIn(in, time.UTC), in.Envelope)
		line := out.String()
		if warned := line != ""; warned != step.warned {
			t.Errorf("%s (%s, %s %s): logged %q, want a warning %t", step.eventID, step.issueID, step.field, step.value, line, step.warned)
			continue
		}
		if step.warned && (!strings.Contains(line, "level=WARN") || !strings.Contains(line, "event_id="+step.eventID) ||
			!strings.Contains(line, "entity=issue:"+step.issueID) || !strings.Contains(line, step.field+"=")) {
			t.Errorf("%s: warning %q lacks its level, event id, entity or %s", step.eventID, line, step.field)
		}
	}
}

func TestInvalidValueWarningsBounded(t *testing.T) {
	var w invalidValueWarnings
	for i := range maxInvalidValueWarnings + 10 {
		w.first(fmt.Sprintf("issue:%d due_date", i), "bad")
	}
	if len(w.warned) > maxInvalidValueWarnings {
		t.Errorf("remembered %d entities, want at most %d", len(w.warned), maxInvalidValueWarnings)
	}
}

func TestCurrentNotObjectWarned(t *testing.T) {
	tests := []struct {
		current, kind string
	}{
		{`"closed"`, "string"},
		{`["closed"]`, "array"},
		{`42`, "number"},
		{`-1`, "number"},
		{`true`, "boolean"},
		{`null`, ""},
		{`{"status":"closed"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.current, func(t *testing.T) {
			raw := `{"event_id":"e1","event_type":"issue.closed","timestamp":"2026-12-02T12:00:00Z",` +
				`"entity_type":"issue","entity_id":"i1","data":{"current":` + tt.current + `}}`
			events, err := event.ParseEnvelopes([]byte(raw), 1)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			var w invalidValueWarnings
			w.check(slog.New(slog.NewTextHandler(&out, nil)), derive.PrepareIn(events[0], time.UTC), events[0].Envelope)

			line := out.String()
			if tt.kind == "" {
				if line != "" {
					t.Errorf("logged %q, want nothing", line)
				}
				return
			}
			if !strings.Contains(line, "level=WARN") || !strings.Contains(line, "is a "+tt.kind+", not an object") {
				t.Errorf("logged %q, want a warning naming the kind %s", line, tt.kind)
			}
			if !strings.Contains(line, "event_id=e1") || !strings.Contains(line, "entity=issue:i1") {
				t.Errorf("warning %q lacks the event id or the entity", line)
			}
		})
	}
}
