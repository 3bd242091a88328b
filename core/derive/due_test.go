package derive

import (
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
)

var thresholds = []time.Duration{72 * time.Hour, 24 * time.Hour}

func dueIssue(due time.Time) *Entity {
	written := due.Format(time.RFC3339)
	return &Entity{Key: "issue:i1", Type: "issue", ID: "i1", ProjectID: "p1", State: []byte(`{"title":"x"}`), DueAt: due,
		Fields: Fields{DueDate: &written}}
}

func TestDueEvents(t *testing.T) {
	due := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"four days before", due.Add(-96 * time.Hour), ""},
		{"three days before", due.Add(-72 * time.Hour), "issue.due_date_approaching"},
		{"two days before", due.Add(-48 * time.Hour), "issue.due_date_approaching"},
		{"one day before", due.Add(-24 * time.Hour), "issue.due_date_approaching"},
		{"at the due date", due, "issue.overdue"},
		{"a week after", due.Add(7 * 24 * time.Hour), "issue.overdue"},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Due(dueIssue(due), tt.now, thresholds)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("Due = %d events, want none", len(got))
				}
				return
			}
			if len(got) != 1 || got[0].Envelope.EventType != tt.want || !got[0].Envelope.Derived {
				t.Fatalf("Due = %+v, want one %s", got, tt.want)
			}
			ids[tt.name] = got[0].Envelope.EventID
		})
	}
	if ids["three days before"] != ids["two days before"] {
		t.Errorf("the 72h warning changed its id between runs")
	}
	if ids["two days before"] == ids["one day before"] {
		t.Errorf("the 24h warning has the 72h warning's id")
	}
	if ids["at the due date"] != ids["a week after"] {
		t.Errorf("overdue changed its id between runs")
	}

	moved, _ := Due(dueIssue(due.Add(24*time.Hour)), due.Add(-48*time.Hour), thresholds)
	if len(moved) != 1 || moved[0].Envelope.EventID == ids["two days before"] {
		t.Errorf("a moved due date did not warn again")
	}
}

func TestDueSkipsLargerPassedThresholds(t *testing.T) {
	due := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	late, _ := Due(dueIssue(due), due.Add(-10*time.Hour), thresholds)
	early, _ := Due(dueIssue(due), due.Add(-50*time.Hour), thresholds)
	if len(late) != 1 || len(early) != 1 || late[0].Envelope.EventID == early[0].Envelope.EventID {
		t.Fatalf("10h before the due date want the 24h warning, 50h before the 72h one")
	}
	if late[0].Envelope.Timestamp != due.Add(-24*time.Hour) {
		t.Errorf("the 24h warning is timed %s, want the moment it became due", late[0].Envelope.Timestamp)
	}
}

func TestDueSkipsClosedAndOtherTypes(t *testing.T) {
	due := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	closed := dueIssue(due)
	closed.Closed = true
	project := dueIssue(due)
	project.Type = "project"
	for name, e := range map[string]*Entity{"closed issue": closed, "project": project, "no due date": dueIssue(time.Time{})} {
		if got, _ := Due(e, due.Add(time.Hour), thresholds); len(got) != 0 {
			t.Errorf("%s: Due = %d events, want none", name, len(got))
		}
	}
}

func TestNextDue(t *testing.T) {
	due := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	// sent returns the issue with the warning owed at `at` recorded as sent.
	sent := func(at time.Time) *Entity {
		e := dueIssue(due)
		warnings, _ := Due(e, at, thresholds)
		e.LastChange = map[string]string{}
		for _, w := range warnings {
			e.LastChange[w.Envelope.EventType] = w.Envelope.EventID
		}
		return e
	}
	tests := []struct {
		name   string
		entity *Entity
		now    time.Time
		want   time.Time
	}{
		{"100h before", dueIssue(due), due.Add(-100 * time.Hour), due.Add(-72 * time.Hour)},
		{"30h before, 72h warning sent", sent(due.Add(-30 * time.Hour)), due.Add(-30 * time.Hour), due.Add(-24 * time.Hour)},
		{"30h before, nothing sent", dueIssue(due), due.Add(-30 * time.Hour), due.Add(-30 * time.Hour)},
		{"1h before, 24h warning sent", sent(due.Add(-time.Hour)), due.Add(-time.Hour), due},
		{"1h before, created then", dueIssue(due), due.Add(-time.Hour), due.Add(-time.Hour)},
	}
	for _, tt := range tests {
		if got := NextDue(tt.entity, tt.now, thresholds); !got.Equal(tt.want) {
			t.Errorf("%s: NextDue = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestDueSkipsWhatTheEntityRecordsAsSent(t *testing.T) {
	due := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	e := dueIssue(due)
	overdue, _ := Due(e, due.Add(time.Hour), thresholds)
	if len(overdue) != 1 {
		t.Fatalf("Due = %d events, want the overdue one", len(overdue))
	}
	if next := NextDue(e, due.Add(time.Hour), thresholds); !next.Equal(due) {
		t.Errorf("NextDue before overdue was sent = %v, want the due date", next)
	}

	e.LastChange = map[string]string{"issue.overdue": overdue[0].Envelope.EventID}
	if again, _ := Due(e, due.Add(2*time.Hour), thresholds); len(again) != 0 {
		t.Errorf("Due after overdue was sent = %d events, want none", len(again))
	}
	if next := NextDue(e, due.Add(2*time.Hour), thresholds); !next.IsZero() {
		t.Errorf("NextDue after overdue was sent = %v, want never", next)
	}
}

// TestDueKeyedOnWrittenDate checks that a warning's id follows the due date
// as written: another schedule.tz or another spelling of the same instant
// does not warn again, while a due date moved away and back does.
func TestDueKeyedOnWrittenDate(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	update := func(id, due, updatedAt string) *event.Incoming {
		raw := `{"event_id":"` + id + `","event_type":"issue.updated","timestamp":"2026-12-01T12:00:00Z","entity_type":"issue",` +
			`"entity_id":"iss-90","data":{"current":{"status":"open","due_date":"` + due + `","updated_at":"` + updatedAt + `"}}}`
		events, err := event.ParseEnvelopes([]byte(raw), 1)
		if err != nil {
			t.Fatal(err)
		}
		return events[0]
	}
	warning := func(in *event.Incoming, stored *Entity, loc *time.Location, now time.Time) (string, *Entity) {
		t.Helper()
		res, err := PrepareIn(in, loc).Changes(stored)
		if err != nil {
			t.Fatal(err)
		}
		due, err := Due(res.Entity, now, thresholds)
		if err != nil || len(due) != 1 {
			t.Fatalf("Due = %v, %v; want one warning", due, err)
		}
		return due[0].Envelope.EventID, res.Entity
	}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	first := update("e1", "2026-12-06", "2026-12-01T12:00:00Z")

	inUTC, _ := warning(first, nil, time.UTC, now)
	inNewYork, _ := warning(first, nil, newYork, now)
	if inUTC != inNewYork {
		t.Errorf("another schedule.tz gave the 72h warning another id: it would warn twice")
	}

	_, set := warning(first, nil, time.UTC, now)
	_, moved := warning(update("e2", "2026-12-06T18:00:00Z", "2026-12-02T12:00:00Z"), set, time.UTC, now)
	back, _ := warning(update("e3", "2026-12-06", "2026-12-03T12:00:00Z"), moved, time.UTC, now)
	if back == inUTC {
		t.Errorf("a due date moved back to an earlier value gave its warning the old id: it would not warn again")
	}

	instant, before := warning(update("e4", "2026-12-06T18:00:00Z", "2026-12-03T13:00:00Z"), nil, time.UTC, now)
	respelt, _ := warning(update("e5", "2026-12-06T19:00:00+01:00", "2026-12-03T14:00:00Z"), before, time.UTC, now)
	if respelt != instant {
		t.Errorf("another spelling of the same due instant gave its warning another id: it would warn twice")
	}
}

func TestDueEventCarriesThresholdAndInstant(t *testing.T) {
	due := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{due.Add(-30 * time.Hour), `{"current":{"title":"x"},"due_at":"2026-12-10T17:00:00Z","threshold":"72h"}`},
		{due.Add(time.Hour), `{"current":{"title":"x"},"due_at":"2026-12-10T17:00:00Z"}`},
	} {
		got, err := Due(dueIssue(due), tt.now, thresholds)
		if err != nil || len(got) != 1 {
			t.Fatalf("Due at %s = %v, %v", tt.now, got, err)
		}
		if data := string(got[0].Envelope.Data); data != tt.want {
			t.Errorf("%s data = %s, want %s", got[0].Envelope.EventType, data, tt.want)
		}
	}
}
