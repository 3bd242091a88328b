package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/file"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/sdk/clock"
)

// flowStart is a Friday, 09:00 UTC: the start of an hourly digest window.
var flowStart = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// flowConfig has a route of each option, all writing to one file. %[1]s is
// the store, %[2]s the file, %[3]d the digest's max_items. The lease is
// longer than any jump of the fake clock, so that no lease runs out while an
// outcome is being recorded.
const flowConfig = `
ingest: {insecure: true}
storage: {dsn: "%[1]s"}
delivery: {poll_interval: 1s, lease: 72h}
connectors:
  audit: {type: file, path: "%[2]s"}
routes:
  - name: hourly
    events: ["issue.*"]
    digest: {window: 1h, max_items: %[3]d}
    to: [{connector: audit}]
  - name: per-issue
    events: ["comment.*"]
    throttle: {key: "{{ .context.issue_id }}", per: 10m}
    to: [{connector: audit}]
  - name: night
    events: ["milestone.*"]
    quiet: {from: "22:00", to: "07:00", tz: Europe/Berlin}
    to: [{connector: audit}]
`

// flowHarness runs the whole daemon (core/app) on a fake clock, with ingest
// on a 127.0.0.1 listener and the file connector writing to a temporary file.
type flowHarness struct {
	t      *testing.T
	dir    string
	clock  *clock.Fake
	url    string
	app    *app.App
	cancel context.CancelFunc
	done   chan error
}

func newFlowHarness(t *testing.T) *flowHarness {
	return &flowHarness{t: t, dir: t.TempDir(), clock: clock.NewFake(flowStart)}
}

func (h *flowHarness) outputPath() string { return filepath.Join(h.dir, "audit.jsonl") }

func (h *flowHarness) configPath() string { return filepath.Join(h.dir, "switchboard.yaml") }

// writeConfig writes the config with the digest's max_items set to maxItems,
// and extra appended.
func (h *flowHarness) writeConfig(maxItems int, extra string) {
	h.t.Helper()
	config := fmt.Sprintf(flowConfig, filepath.Join(h.dir, "switchboard.db"), h.outputPath(), maxItems) + extra
	if err := os.WriteFile(h.configPath(), []byte(config), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// reload rewrites the config and has the daemon load it.
func (h *flowHarness) reload(maxItems int, extra string) {
	h.t.Helper()
	h.writeConfig(maxItems, extra)
	if err := h.app.ReloadConfig(context.Background()); err != nil {
		h.t.Fatalf("ReloadConfig: %v", err)
	}
}

// start starts the daemon with the digest's max_items set to maxItems.
func (h *flowHarness) start(maxItems int) {
	h.t.Helper()
	h.writeConfig(maxItems, "")
	a, err := app.New(context.Background(), app.Options{ConfigPath: h.configPath(), Registry: app.Registry{"file": file.New()},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: h.clock})
	if err != nil {
		h.t.Fatalf("app.New: %v", err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.url, h.app, h.cancel, h.done = "http://"+listener.Addr().String(), a, cancel, make(chan error, 1)
	go func() { h.done <- a.Serve(ctx, listener) }()
	h.t.Cleanup(h.stop)
}

// stop shuts the daemon down and waits until it closed its store.
func (h *flowHarness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("Serve: %v", err)
	}
	h.cancel = nil
}

// post sends a copy of an envelope fixture with the given event id, at the
// fake clock's time plus offset from flowStart.
func (h *flowHarness) post(fixture, eventID string, at time.Duration) {
	h.t.Helper()
	h.clock.Set(flowStart.Add(at))
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "turbo", "envelope", fixture))
	if err != nil {
		h.t.Fatal(err)
	}
	var envelope map[string]any
	if err := json.Unmarshal(raw, &envelope); err != nil {
		h.t.Fatal(err)
	}
	envelope["event_id"] = eventID
	body, _ := json.Marshal(envelope)

	resp, err := http.Post(h.url+"/v1/events", "application/json", bytes.NewReader(body))
	if err != nil {
		h.t.Fatalf("post %s: %v", eventID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		answer, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("post %s: %s %s", eventID, resp.Status, answer)
	}
}

// line is what the test reads of one line the file connector wrote.
type line struct {
	Route       string            `json:"route"`
	Events      []json.RawMessage `json:"events"`
	TotalEvents int               `json:"total_events"`
	Suppressed  int               `json:"suppressed"`
	DeliveredAt time.Time         `json:"delivered_at"`
}

// eventIDs returns the ids of the line's events, space-separated.
func (l line) eventIDs() string {
	ids := make([]string, len(l.Events))
	for i, raw := range l.Events {
		var envelope struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(raw, &envelope)
		ids[i] = envelope.EventID
	}
	return strings.Join(ids, " ")
}

// lines returns the lines the file connector wrote so far.
func (h *flowHarness) lines() []line {
	h.t.Helper()
	data, err := os.ReadFile(h.outputPath())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	var out []line
	scanner := bufio.NewScanner(bytes.NewReader(data))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var l line
		if err := json.Unmarshal(scanner.Bytes(), &l); err != nil {
			h.t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, l)
	}
	return out
}

// advanceTo moves the fake clock to at (an offset from flowStart) and waits
// until the daemon wrote want lines in all. While it waits, it moves the clock
// on by the poll interval now and then, so that the dispatcher polls again.
func (h *flowHarness) advanceTo(at time.Duration, want int) []line {
	h.t.Helper()
	h.clock.Set(flowStart.Add(at))
	deadline := time.Now().Add(20 * time.Second)
	for tick := 1; ; tick++ {
		got := h.lines()
		if len(got) >= want {
			return got
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out at %s with %d lines, want %d", h.clock.Now().Format(time.RFC3339), len(got), want)
		}
		time.Sleep(time.Millisecond)
		if tick%50 == 0 {
			h.clock.Advance(time.Second)
		}
	}
}

// settle gives the daemon real time to write anything it would write now.
func (h *flowHarness) settle() []line {
	time.Sleep(100 * time.Millisecond)
	return h.lines()
}

func TestDigestHoldsExactlyItsWindowAcrossRestart(t *testing.T) {
	h := newFlowHarness(t)
	h.start(50)
	h.post("issue-created-high.json", "at-window-start", 0)
	h.post("issue-updated-status.json", "mid-window", 30*time.Minute)
	h.stop()

	h.start(50)
	h.post("issue-closed.json", "before-window-end", time.Hour-time.Millisecond)
	if got := h.settle(); len(got) != 0 {
		t.Fatalf("wrote %d lines before the window ended; a digest must not go out early", len(got))
	}
	h.post("issue-created-low.json", "at-next-window-start", time.Hour)

	got := h.advanceTo(time.Hour+5*time.Second, 1)
	if len(got) != 1 {
		t.Fatalf("wrote %d lines at the first window's end, want 1", len(got))
	}
	first := got[0]
	if ids := first.eventIDs(); ids != "at-window-start mid-window before-window-end" || first.TotalEvents != 3 {
		t.Errorf("first digest: %s (%d in all), want the 3 events of 09:00 to 10:00, the restart included", ids, first.TotalEvents)
	}
	if first.DeliveredAt.Before(flowStart.Add(time.Hour)) {
		t.Errorf("first digest went out at %s, before its window ended", first.DeliveredAt)
	}

	got = h.advanceTo(2*time.Hour+5*time.Second, 2)
	if len(got) != 2 {
		t.Fatalf("wrote %d lines at the second window's end, want 2", len(got))
	}
	if ids := got[1].eventIDs(); ids != "at-next-window-start" || got[1].TotalEvents != 1 {
		t.Errorf("second digest: %s (%d in all), want only the event at 10:00", ids, got[1].TotalEvents)
	}
}

func TestChangedRouteStartsNewDigest(t *testing.T) {
	h := newFlowHarness(t)
	h.start(2)
	for i, id := range []string{"old-1", "old-2", "old-3"} {
		h.post("issue-created-high.json", id, time.Duration(i)*time.Minute)
	}
	h.stop()

	h.start(10)
	h.post("issue-created-low.json", "new-1", 20*time.Minute)

	got := h.advanceTo(time.Hour+5*time.Second, 2)
	if len(got) != 2 {
		t.Fatalf("wrote %d lines, want the old route's digest and the new one's", len(got))
	}
	byFirst := map[string]line{}
	for _, l := range got {
		byFirst[strings.Fields(l.eventIDs())[0]] = l
	}
	if old := byFirst["old-1"]; old.eventIDs() != "old-1 old-2" || old.TotalEvents != 3 {
		t.Errorf("old digest: %s (%d in all), want old-1 old-2 of 3, its max_items being 2", old.eventIDs(), old.TotalEvents)
	}
	if changed := byFirst["new-1"]; changed.eventIDs() != "new-1" || changed.TotalEvents != 1 {
		t.Errorf("new digest: %s (%d in all), want only new-1", changed.eventIDs(), changed.TotalEvents)
	}
}

func TestThrottleCountsSuppressedComments(t *testing.T) {
	h := newFlowHarness(t)
	h.start(50)
	h.post("comment-created.json", "c1", 0)
	got := h.advanceTo(time.Second, 1)
	h.post("comment-created.json", "c2", time.Minute)
	h.post("comment-created.json", "c3", 9*time.Minute)
	if got = h.settle(); len(got) != 1 {
		t.Fatalf("wrote %d lines within the period, want only the first comment", len(got))
	}

	h.post("comment-created.json", "c4", 10*time.Minute)
	got = h.advanceTo(10*time.Minute+time.Second, 2)

	if got[0].eventIDs() != "c1" || got[0].Suppressed != 0 {
		t.Errorf("first message: %s with %d suppressed, want c1 with none", got[0].eventIDs(), got[0].Suppressed)
	}
	if got[1].eventIDs() != "c4" || got[1].Suppressed != 2 {
		t.Errorf("next message: %s with %d suppressed, want c4 counting c2 and c3", got[1].eventIDs(), got[1].Suppressed)
	}
}

func TestQuietHoursHoldUntilMorning(t *testing.T) {
	h := newFlowHarness(t)
	h.start(50)
	// 22:30 in Berlin, which is UTC+1 in December.
	h.post("milestone-completed.json", "late", 12*time.Hour+30*time.Minute)

	if got := h.settle(); len(got) != 0 {
		t.Fatalf("wrote %d lines during quiet hours, want none", len(got))
	}
	h.stop()
	h.start(50)

	// 07:00 in Berlin is 06:00 UTC, 21 hours after flowStart.
	morning := 21 * time.Hour
	h.clock.Set(flowStart.Add(morning - time.Minute))
	if got := h.settle(); len(got) != 0 {
		t.Fatalf("wrote %d lines before quiet hours ended, want none", len(got))
	}
	got := h.advanceTo(morning+5*time.Second, 1)
	if got[0].eventIDs() != "late" || got[0].DeliveredAt.Before(flowStart.Add(morning)) {
		t.Errorf("wrote %s at %s, want the milestone at 07:00 Berlin time", got[0].eventIDs(), got[0].DeliveredAt)
	}
}

func TestReloadKeepsOrStartsDigest(t *testing.T) {
	h := newFlowHarness(t)
	h.start(50)
	h.post("issue-created-high.json", "before-reload", time.Minute)

	// Only a comment changes: the route is the same, so its digest goes on.
	h.reload(50, "# reloaded\n")
	h.post("issue-created-low.json", "after-same-reload", 2*time.Minute)

	// max_items changes: the route is another one, so it starts a new digest.
	h.reload(20, "")
	h.post("issue-closed.json", "after-changed-reload", 3*time.Minute)
	if got := h.settle(); len(got) != 0 {
		t.Fatalf("wrote %d lines after the reloads, want none before the window ends", len(got))
	}

	got := h.advanceTo(time.Hour+5*time.Second, 2)
	if len(got) != 2 {
		t.Fatalf("wrote %d lines, want the digest of the unchanged route and the new one", len(got))
	}
	byFirst := map[string]line{}
	for _, l := range got {
		byFirst[strings.Fields(l.eventIDs())[0]] = l
	}
	if kept := byFirst["before-reload"]; kept.eventIDs() != "before-reload after-same-reload" || kept.TotalEvents != 2 {
		t.Errorf("digest across the unchanged reload: %s (%d in all), want both events", kept.eventIDs(), kept.TotalEvents)
	}
	if fresh := byFirst["after-changed-reload"]; fresh.eventIDs() != "after-changed-reload" || fresh.TotalEvents != 1 {
		t.Errorf("digest after the changed reload: %s (%d in all), want only its event", fresh.eventIDs(), fresh.TotalEvents)
	}
}
