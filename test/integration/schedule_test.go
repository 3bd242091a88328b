package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/file"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

const scheduleConfig = `
ingest: {insecure: true}
storage: {dsn: "%[1]s/switchboard.db"}
schedule:
  due_soon: [72h, 24h]
  daily_digest: {at: "09:00", tz: Europe/Berlin}
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

// scheduleHarness runs the daemon's App with delivery paused on a fake clock,
// and restarts it on the same store.
type scheduleHarness struct {
	t      *testing.T
	clock  *clock.Fake
	config string
	app    *app.App
	// logs collects what the app logs, across restarts.
	logs *connectortest.LogBuffer
}

func newScheduleHarness(t *testing.T, start time.Time) *scheduleHarness {
	return newScheduleHarnessWith(t, start, scheduleConfig)
}

// newScheduleHarnessWith runs the harness on a config whose %[1]s is the
// test's directory.
func newScheduleHarnessWith(t *testing.T, start time.Time, configText string) *scheduleHarness {
	dir := t.TempDir()
	h := &scheduleHarness{t: t, clock: clock.NewFake(start), config: filepath.Join(dir, "switchboard.yaml"),
		logs: &connectortest.LogBuffer{}}
	if err := os.WriteFile(h.config, []byte(fmt.Sprintf(configText, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	h.open()
	t.Cleanup(func() { h.app.Close() })
	return h
}

func (h *scheduleHarness) open() {
	a, err := app.New(context.Background(), app.Options{ConfigPath: h.config, Registry: app.Registry{"file": file.New()},
		Logger: slog.New(slog.NewTextHandler(h.logs, nil)), Clock: h.clock, PauseDelivery: true})
	if err != nil {
		h.t.Fatalf("start: %v", err)
	}
	h.app = a
}

func (h *scheduleHarness) restart() {
	if err := h.app.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

// tickAt sets the clock and makes one scheduler pass.
func (h *scheduleHarness) tickAt(at time.Time) {
	h.t.Helper()
	h.clock.Set(at)
	if err := h.app.Scheduler().Tick(context.Background()); err != nil {
		h.t.Fatalf("scheduler pass at %s: %v", at, err)
	}
}

func (h *scheduleHarness) accept(name string) {
	h.t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../testdata/turbo/envelope", name))
	if err != nil {
		h.t.Fatal(err)
	}
	events, err := event.ParseEnvelopes(raw, 1)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.app.Accept(context.Background(), events); err != nil {
		h.t.Fatalf("accept %s: %v", name, err)
	}
}

// routed returns the event types routed by route, oldest first.
func (h *scheduleHarness) routed(route string) []*store.Delivery {
	h.t.Helper()
	ds, err := h.app.Store().Deliveries(context.Background(), store.DeliveryFilter{Route: route, Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	slices.Reverse(ds)
	return ds
}

func types(ds []*store.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.EventType)
	}
	return out
}

// TestDueDatesAndDigestAcrossRestart drives the scheduler on a fake clock: the
// issue due on 5 December 17:00 UTC is warned 72 h and 24 h before and called
// overdue at the due date, each once, across a restart; a daily digest missed
// while the scheduler did not run is caught up once, not once per day missed,
// and counts exactly the events of its day.
func TestDueDatesAndDigestAcrossRestart(t *testing.T) {
	due := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	h := newScheduleHarness(t, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	h.accept("issue-created-high.json")

	h.tickAt(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	h.tickAt(due.Add(-72*time.Hour - time.Minute))
	if got := types(h.routed("due")); len(got) != 0 {
		t.Fatalf("before the 72h threshold: %v", got)
	}
	h.tickAt(due.Add(-72 * time.Hour))
	h.tickAt(due.Add(-60 * time.Hour))

	h.restart()
	h.clock.Set(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	h.accept("issue-created-low.json") // the one event of the digest's day
	h.tickAt(due.Add(-24 * time.Hour))
	h.tickAt(due.Add(-23 * time.Hour))
	h.tickAt(due)
	h.tickAt(due.Add(48 * time.Hour))

	want := []string{"issue.due_date_approaching", "issue.due_date_approaching", "issue.overdue"}
	got := h.routed("due")
	if !slices.Equal(types(got), want) {
		t.Fatalf("due-date events routed: %v, want %v", types(got), want)
	}
	for i, at := range []time.Time{due.Add(-72 * time.Hour), due.Add(-24 * time.Hour), due} {
		if !got[i].CreatedAt.Equal(at) {
			t.Errorf("%s %d created at %s, want %s", got[i].EventType, i, got[i].CreatedAt, at)
		}
	}
	checkDigest(t, h)
}

// checkDigest expects one digest per day on which a pass ran after 09:00
// Berlin (08:00 UTC), each covering the day before its slot: the days the
// scheduler did not run are not sent one by one. The one for 3 to 4 December
// holds exactly the low-priority issue created on the 3rd.
func checkDigest(t *testing.T, h *scheduleHarness) {
	t.Helper()
	wantPeriods := []string{"12-01>12-02", "12-03>12-04", "12-04>12-05", "12-06>12-07"}
	digests := h.routed("digest")
	var periods []string
	for _, d := range digests {
		ev, err := h.app.Store().Event(context.Background(), d.EventID)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data struct {
				Period  map[string]string `json:"period"`
				Summary struct {
					EventsByType map[string]int `json:"events_by_type"`
					Issues       map[string]int `json:"issues"`
				} `json:"summary"`
			} `json:"data"`
		}
		if err := json.Unmarshal(ev.Body, &body); err != nil {
			t.Fatal(err)
		}
		p := body.Data.Period
		if p["timezone"] != "Europe/Berlin" || p["from"][10:] != "T08:00:00Z" || p["to"][10:] != "T08:00:00Z" {
			t.Errorf("digest period %v, want 08:00 UTC to 08:00 UTC in Europe/Berlin", p)
		}
		period := p["from"][5:10] + ">" + p["to"][5:10]
		periods = append(periods, period)

		if s := body.Data.Summary; period == "12-03>12-04" &&
			(len(s.EventsByType) != 1 || s.EventsByType["issue.created"] != 1 || s.Issues["created"] != 1) {
			t.Errorf("digest of %s: summary %+v, want exactly the one issue created that day", period, s)
		}
	}
	if !slices.Equal(periods, wantPeriods) {
		t.Errorf("digest periods %v, want %v", periods, wantPeriods)
	}
}
