package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/file"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/event"
)

const reportConfig = `
ingest: {insecure: true}
storage: {dsn: "%[1]s/switchboard.db"}
schedule:
  tz: America/New_York
  due_soon: [72h, 24h]
  daily_digest: {at: "09:00"}
connectors:
  log: {type: file, path: "%[1]s/out.jsonl"}
routes:
  - name: closes
    events: [issue.closed, issue.status_changed]
    to: [{connector: log}]
  - name: due
    events: [issue.due_date_approaching, issue.overdue]
    to: [{connector: log}]
  - name: digest
    events: [system.daily_digest]
    to: [{connector: log}]
`

// acceptJSON accepts one envelope written as JSON.
func (h *scheduleHarness) acceptJSON(raw string) {
	h.t.Helper()
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.app.Accept(context.Background(), events); err != nil {
		h.t.Fatalf("accept %s: %v", raw, err)
	}
}

// issueEnvelope is an envelope about an issue; previous is left out when empty.
func issueEnvelope(id, eventType, issueID, previous, current string) string {
	data := `"current":` + current
	if previous != "" {
		data = `"previous":` + previous + `,` + data
	}
	return `{"event_id":"` + id + `","event_type":"` + eventType + `","timestamp":"2026-12-05T08:10:00Z",` +
		`"entity_type":"issue","entity_id":"` + issueID + `","data":{` + data + `}}`
}

// TestOneCloseSeenTwiceIsOneClose sends the close of one issue as Turbo's
// issue.closed, a late update and an update with another data.previous. The
// route gets one issue.closed and one issue.status_changed, and the digest
// counts one closed issue.
func TestOneCloseSeenTwiceIsOneClose(t *testing.T) {
	h := newScheduleHarnessWith(t, time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC), reportConfig)
	h.tickAt(time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC))
	const (
		created    = `{"status":"open","updated_at":"2026-12-05T03:00:00Z"}`
		inProgress = `{"status":"in_progress","updated_at":"2026-12-05T03:04:00Z"}`
		closed     = `{"status":"closed","updated_at":"2026-12-05T03:05:00Z"}`
	)
	h.acceptJSON(issueEnvelope("e1", "issue.created", "iss-14", "", created))
	h.acceptJSON(issueEnvelope("e2", "issue.closed", "iss-14", "", closed))
	h.acceptJSON(issueEnvelope("e3", "issue.updated", "iss-14", created, inProgress))
	h.acceptJSON(issueEnvelope("e4", "issue.updated", "iss-14", `{"status":"in_progress"}`, closed))
	h.acceptJSON(issueEnvelope("e5", "issue.closed", "iss-15", "", closed))

	if got := strings.Join(types(h.routed("closes")), " "); got != "issue.closed issue.status_changed issue.closed" {
		t.Errorf("the route saw %s; want Turbo's close of each issue and one status change of iss-14", got)
	}

	h.tickAt(time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC)) // 09:00 in New York
	digests := h.routed("digest")
	if len(digests) != 1 {
		t.Fatalf("%d digests, want 1", len(digests))
	}
	ev, err := h.app.Store().Event(context.Background(), digests[0].EventID)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Data struct {
			Summary struct {
				EventsByType map[string]int `json:"events_by_type"`
				Issues       map[string]int `json:"issues"`
			} `json:"summary"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev.Body, &body); err != nil {
		t.Fatal(err)
	}
	if s := body.Data.Summary; s.Issues["closed"] != 2 || s.Issues["created"] != 1 || s.EventsByType["issue.closed"] != 2 {
		t.Errorf("digest summary %+v, want 2 issue.closed events of 2 closed issues and 1 created", s)
	}

	log := h.logs.String()
	if !strings.Contains(log, "from=2026-12-04T14:00:00Z to=2026-12-05T14:00:00Z timezone=America/New_York") {
		t.Errorf("the report's log line does not give its period in UTC with its zone:\n%s", log)
	}
}

// TestZoneChangeWarnsNothingTwice warns about an issue due on a day alone,
// then reloads the config with another schedule.tz, which moves the due
// instant: an unrelated update of the issue does not warn again for the
// threshold already warned about.
func TestZoneChangeWarnsNothingTwice(t *testing.T) {
	utcConfig := strings.Replace(reportConfig, "tz: America/New_York", "tz: UTC", 1)
	h := newScheduleHarnessWith(t, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), utcConfig)
	h.acceptJSON(issueEnvelope("e1", "issue.created", "iss-90", "",
		`{"status":"open","priority":"low","due_date":"2026-12-06","updated_at":"2026-12-03T12:00:00Z"}`))
	h.tickAt(time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)) // 71h before the end of 6 December, UTC

	config, err := os.ReadFile(h.config)
	if err != nil {
		t.Fatal(err)
	}
	newYork := strings.Replace(string(config), "tz: UTC", "tz: America/New_York", 1)
	if err := os.WriteFile(h.config, []byte(newYork), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.app.ReloadConfig(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC))
	h.acceptJSON(issueEnvelope("e2", "issue.updated", "iss-90", "",
		`{"status":"open","priority":"high","due_date":"2026-12-06","updated_at":"2026-12-04T06:00:00Z"}`))
	h.tickAt(time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC))

	if got := types(h.routed("due")); len(got) != 1 {
		t.Errorf("due-date events routed: %v, want the one 72h warning", got)
	}
}

// TestStartLogShowsScheduleAndWarnings starts the daemon and reads its
// start-up log: the schedule's zone, thresholds and next digest, and the
// config's warnings.
func TestStartLogShowsScheduleAndWarnings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	config := fmt.Sprintf(reportConfig, dir) + `  - name: reports
    events: ["system.*"]
    to: [{connector: log}]
`
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	startApp(t, listener, path, logs, app.Registry{"file": file.New()})

	deadline := time.Now().Add(10 * time.Second)
	// The warnings are logged after the start-up line.
	for !strings.Contains(logs.String(), `"msg":"config warning`) {
		if time.Now().After(deadline) {
			t.Fatalf("no config warning after 10s:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`"schedule_tz":"America/New_York"`, `"due_soon":"72h and 24h before the due date"`, `"daily_digest_next":"`,
		`"msg":"config warning: \"system.*\" matches only events Switchboard derives`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("start-up log lacks %s:\n%s", want, logs)
		}
	}
}
