package derive

import (
	"testing"
	"time"
)

var thresholds = []time.Duration{72 * time.Hour, 24 * time.Hour}

func dueIssue(due time.Time) *Entity {
	return &Entity{Key: "issue:i1", Type: "issue", ID: "i1", ProjectID: "p1", State: []byte(`{"title":"x"}`), DueAt: due}
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
