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

func issueWithDueDate(t *testing.T, eventID, issueID, due string) *event.Incoming {
	t.Helper()
	raw := `{"event_id":"` + eventID + `","event_type":"issue.updated","timestamp":"2026-12-02T12:00:00Z",` +
		`"entity_type":"issue","entity_id":"` + issueID + `","data":{"current":{"due_date":` + due + `}}}`
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		t.Fatal(err)
	}
	return events[0]
}

func TestInvalidDueDateWarnedOncePerEntity(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	var w dueDateWarnings
	steps := []struct {
		eventID, issueID, due string
		warned                bool
	}{
		{"e1", "i1", `"next friday"`, true},
		{"e2", "i1", `"next friday"`, false},
		{"e3", "i2", `"next friday"`, true},
		{"e4", "i1", `"2026-12-10"`, false},
		{"e5", "i1", `"someday"`, true},
		{"e6", "i1", `12`, true},
		{"e7", "i1", `null`, false},
	}
	for _, step := range steps {
		out.Reset()
		in := issueWithDueDate(t, step.eventID, step.issueID, step.due)
		w.check(log, derive.PrepareIn(in, time.UTC), in.Envelope)
		line := out.String()
		if warned := line != ""; warned != step.warned {
			t.Errorf("%s (%s, due %s): logged %q, want a warning %t", step.eventID, step.issueID, step.due, line, step.warned)
			continue
		}
		if step.warned && (!strings.Contains(line, "level=WARN") || !strings.Contains(line, "event_id="+step.eventID) ||
			!strings.Contains(line, "entity=issue:"+step.issueID) || !strings.Contains(line, "due_date=")) {
			t.Errorf("%s: warning %q lacks its level, event id, entity or due date", step.eventID, line)
		}
	}
}

func TestInvalidDueDateWarningsBounded(t *testing.T) {
	var w dueDateWarnings
	for i := range maxDueDateWarnings + 10 {
		w.first(fmt.Sprintf("issue:%d", i), "bad")
	}
	if len(w.warned) > maxDueDateWarnings {
		t.Errorf("remembered %d entities, want at most %d", len(w.warned), maxDueDateWarnings)
	}
}
