package integration

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
)

const zoneConfig = `
ingest: {insecure: true}
storage: {dsn: "%[1]s/switchboard.db"}
schedule:
  tz: Europe/Berlin
  due_soon: [24h]
  daily_digest: {at: "09:00"}
connectors:
  log: {type: file, path: "%[1]s/out.jsonl"}
routes:
  - name: due
    events: [issue.due_date_approaching, issue.overdue]
    to: [{connector: log}]
  - name: digest
    events: [system.daily_digest]
    to: [{connector: log}]
`

// acceptIssue accepts an issue.created whose data.current has the due date
// given as JSON.
func (h *scheduleHarness) acceptIssue(id, due string) {
	h.t.Helper()
	raw := `{"event_id":"` + id + `-created","event_type":"issue.created","timestamp":"2026-12-08T12:00:00Z",` +
		`"entity_type":"issue","entity_id":"` + id + `","data":{"current":{"status":"open","due_date":` + due + `}}}`
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.app.Accept(context.Background(), events); err != nil {
		h.t.Fatalf("accept %s: %v", id, err)
	}
}

// TestZonelessDueDatesInScheduleZone gives one issue a due date alone and one
// a due date without a UTC offset: schedule.tz reads both in Berlin (UTC+1 in
// December), a date alone meaning the end of that day.
func TestZonelessDueDatesInScheduleZone(t *testing.T) {
	h := newScheduleHarnessWith(t, time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC), zoneConfig)
	h.acceptIssue("date-alone", `"2026-12-10"`)         // due 2026-12-10T23:00:00Z
	h.acceptIssue("no-offset", `"2026-12-10T09:00:00"`) // due 2026-12-10T08:00:00Z
	h.acceptIssue("not-a-date", `"next week"`)

	dateAlone := time.Date(2026, 12, 10, 23, 0, 0, 0, time.UTC)
	noOffset := time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{
		noOffset.Add(-24*time.Hour - time.Minute), noOffset.Add(-24 * time.Hour),
		dateAlone.Add(-24*time.Hour - time.Minute), dateAlone.Add(-24 * time.Hour),
		noOffset, dateAlone.Add(-time.Minute), dateAlone, dateAlone.Add(48 * time.Hour),
	} {
		h.tickAt(at)
	}

	want := []struct {
		eventType string
		at        time.Time
	}{
		{"issue.due_date_approaching", noOffset.Add(-24 * time.Hour)},
		{"issue.due_date_approaching", dateAlone.Add(-24 * time.Hour)},
		{"issue.overdue", noOffset},
		{"issue.overdue", dateAlone},
	}
	got := h.routed("due")
	if len(got) != len(want) {
		t.Fatalf("due-date events routed: %v, want %d", types(got), len(want))
	}
	for i, w := range want {
		if got[i].EventType != w.eventType || !got[i].CreatedAt.Equal(w.at) {
			t.Errorf("event %d: %s at %s, want %s at %s", i, got[i].EventType, got[i].CreatedAt, w.eventType, w.at)
		}
	}
}

// TestDigestNamesProjects checks that a digest names the project by its name
// and key, from the project's stored state, instead of its id.
func TestDigestNamesProjects(t *testing.T) {
	h := newScheduleHarnessWith(t, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), zoneConfig)
	h.tickAt(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	h.accept("project-created.json")
	h.accept("issue-created-high.json")
	h.tickAt(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)) // 09:00 in Berlin

	digests := h.routed("digest")
	if len(digests) != 1 {
		t.Fatalf("%d digests routed, want 1", len(digests))
	}
	ev, err := h.app.Store().Event(context.Background(), digests[0].EventID)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Data struct {
			Current map[string]string `json:"current"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev.Body, &body); err != nil {
		t.Fatal(err)
	}
	description := body.Data.Current["description"]
	lines := strings.Split(description, "\n")
	if !slices.Contains(lines, "Turbo Web (TURBO): 2 events; 1 issue created, 0 closed, 0 overdue.") {
		t.Errorf("digest description does not name the project:\n%s", description)
	}
	if strings.Contains(description, "6f1c2d3e") {
		t.Errorf("digest description shows the project's id:\n%s", description)
	}
}
