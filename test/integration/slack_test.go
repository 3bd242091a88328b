// Package integration runs connectors through the real routing, SQLite store
// and dispatcher, with a fake clock and fake destinations on 127.0.0.1.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/slack"
	"github.com/turbocode/switchboard/connectors/slack/slackfake"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/dispatch"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/sqlite"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

var updateSlackNatives = flag.Bool("update-slack-natives", false,
	"rewrite connectors/slack/testdata/native from testdata/turbo/native")

var slackStart = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// slackConfig is the Slack pack as a team writes it: a bot token and the route
// "high and critical issues go to Slack #urgent". %s is the fake's API URL,
// %t the thread setting.
const slackConfig = `
ingest:
  insecure: true
turbo:
  web_url: https://turbo.example
connectors:
  slack:
    type: slack
    token: xoxb-integration-0123456789
    api_url: "%s"
    thread: %t
routes:
  - name: urgent
    events: ["issue.*"]
    where: {data.current.priority: [high, critical]}
    to: [{connector: slack, channel: "#urgent"}]
  - name: comments
    events: ["comment.created"]
    to: [{connector: slack, channel: "#urgent"}]
`

// slackCatalog offers the slack connector kind to the config loader.
type slackCatalog struct{}

func (slackCatalog) Connector(typeName string) (sdk.Connector, bool) {
	if typeName == "slack" {
		return slack.New(), true
	}
	return nil, false
}

func (slackCatalog) Types() []string { return []string{"slack"} }

// slackSnapshot is the dispatcher's view of the loaded config.
type slackSnapshot struct {
	connectors map[string]*dispatch.Connector
	routes     *route.Table
}

func (s *slackSnapshot) Connector(name string) (*dispatch.Connector, bool) {
	c, ok := s.connectors[name]
	return c, ok
}

func (s *slackSnapshot) RenderMessage(routeName string, events []*event.Incoming) (string, bool, error) {
	return s.routes.RenderMessage(routeName, events)
}

// slackHarness is the config, routes, store and dispatcher of one test, on a
// fake clock, with the slack connector pointed at a fake Slack.
type slackHarness struct {
	t      *testing.T
	clock  *clock.Fake
	fake   *slackfake.Server
	store  *sqlite.Store
	routes *route.Table
	disp   *dispatch.Dispatcher
	cancel context.CancelFunc
	done   chan error
}

// slackPolicy keeps the poll and lease timers an hour away, so that within a
// burst the only timers on the fake clock are the rate limit's.
func slackPolicy() dispatch.Policy {
	return dispatch.Policy{MaxAttempts: 5, MaxAge: 24 * time.Hour, MinBackoff: time.Second, MaxBackoff: time.Minute,
		Workers: 4, MaxInFlightPerDestination: 2, Lease: 3 * time.Hour, PollInterval: time.Hour,
		CircuitThreshold: 3, CircuitCooldown: 30 * time.Second, ShutdownTimeout: 5 * time.Second}
}

func newSlackHarness(t *testing.T, fakeOpts slackfake.Options, thread bool) *slackHarness {
	t.Helper()
	h := &slackHarness{t: t, clock: clock.NewFake(slackStart), done: make(chan error, 1)}
	fakeOpts.Clock = h.clock
	h.fake = slackfake.Start(t, fakeOpts)

	cfg, err := config.Parse("switchboard.yaml", []byte(fmt.Sprintf(slackConfig, h.fake.APIURL(), thread)), slackCatalog{}, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	info := slack.New().Info()
	routes, errs := route.Compile(cfg, func(string) (sdk.Info, bool) { return info, true }, render.New(render.Options{WebURL: cfg.Turbo.WebURL}))
	if len(errs) > 0 {
		t.Fatalf("routes: %v", errs)
	}
	h.routes = routes

	h.store, err = sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(t.TempDir(), "switchboard.db")})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	options, _ := json.Marshal(cfg.Connectors[0].Options)
	instance, err := slack.New().Configure(context.Background(), sdk.InstanceConfig{Name: "slack", Config: options,
		Turbo: sdk.TurboSettings{WebURL: cfg.Turbo.WebURL}, Logger: logger, Clock: h.clock})
	if err != nil {
		t.Fatalf("configure slack: %v", err)
	}
	snapshot := &slackSnapshot{routes: routes, connectors: map[string]*dispatch.Connector{
		"slack": {Instance: instance, Info: info, Timeout: 10 * time.Second, RateLimit: info.Capabilities.RateLimit}}}
	h.disp = dispatch.New(dispatch.Options{Store: h.store, Clock: h.clock, Logger: logger, Policy: slackPolicy(),
		Owner: "integration", Snapshot: func() dispatch.Snapshot { return snapshot }})
	return h
}

// run starts the dispatcher; it stops, and the store closes, when the test ends.
func (h *slackHarness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.disp.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		<-h.done
		h.store.Close()
	})
	h.waitFor("the dispatcher to start", h.disp.HasRoom)
}

// accept routes the events and stores them with their deliveries in one
// request, as ingest does, and hands the deliveries to the dispatcher.
func (h *slackHarness) accept(events []*event.Incoming) {
	h.t.Helper()
	req := &store.AcceptRequest{ReceivedAt: h.clock.Now(), LeaseOwner: h.disp.Owner(), LeaseUntil: h.disp.LeaseUntil()}
	for _, in := range events {
		ne := &store.NewEvent{Incoming: in}
		for _, p := range h.routes.Evaluate(in) {
			if p.Err != nil {
				h.t.Fatalf("route %s: %v", p.Route, p.Err)
			}
			target, _ := json.Marshal(p.Params)
			ne.Deliveries = append(ne.Deliveries, &store.NewDelivery{Route: p.Route, Connector: p.Connector, Target: target,
				Untrusted: p.Untrusted, Destination: p.Destination, OrderingKey: p.OrderingKey, EntityKey: p.EntityKey,
				State: store.StateScheduled})
		}
		req.Events = append(req.Events, ne)
	}
	res, err := h.store.Accept(context.Background(), req)
	if err != nil {
		h.t.Fatalf("Accept: %v", err)
	}
	h.disp.Submit(res.Deliveries)
	h.disp.Wake()
}

// waitFor polls cond in real time, without moving the fake clock.
func (h *slackHarness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.logStuckDeliveries()
			next, _ := h.clock.NextDeadline()
			h.t.Fatalf("timed out waiting for %s (fake clock at +%s, next timer at +%s)", what, h.clock.Now().Sub(slackStart), next.Sub(slackStart))
		}
		time.Sleep(time.Millisecond)
	}
}

// logStuckDeliveries logs the deliveries that were tried or held, and what the
// fake received, to explain a timeout.
func (h *slackHarness) logStuckDeliveries() {
	for _, d := range h.deliveries(store.StateScheduled) {
		if d.Attempts > 0 || d.HoldReason != "" {
			h.t.Logf("scheduled %s: %d attempts, due at +%s, hold %q: %s", d.EventID, d.Attempts, d.NextAt.Sub(slackStart), d.HoldReason, d.LastError)
		}
	}
	h.t.Logf("fake Slack: %d requests, %d answered 429, %d messages accepted", h.fake.Received(), h.fake.RateLimited(), len(h.fake.Messages()))
}

func (h *slackHarness) deliveries(state store.State) []*store.Delivery {
	h.t.Helper()
	ds, err := h.store.Deliveries(context.Background(), store.DeliveryFilter{State: state, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

// burstEvents returns n issue.created events of high priority, each about its
// own issue, built from the fixture as Turbo would send them.
func burstEvents(t *testing.T, n int) []*event.Incoming {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	docs := make([]map[string]any, n)
	for i := range docs {
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		doc["event_id"] = fmt.Sprintf("10000000-0000-4000-8000-%012d", i+1)
		doc["entity_id"] = id
		current := doc["data"].(map[string]any)["current"].(map[string]any)
		current["id"], current["issue_key"], current["title"] = id, fmt.Sprintf("TURBO-%d", 100+i), fmt.Sprintf("Burst issue %d", i+1)
		docs[i] = doc
	}
	body, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	events, err := event.ParseEnvelopes(body, 0)
	if err != nil {
		t.Fatalf("parse the burst: %v", err)
	}
	return events
}

// TestSlackBurstIsPacedPerChannel sends 100 events to one channel through the
// routes, the store and the dispatcher, against a fake Slack that responds
// with 429 to a second message on a channel within a second of the fake
// clock. The
// connector's rate limit must keep every message apart, and the burst must
// take about 100 s of clock time, not more.
func TestSlackBurstIsPacedPerChannel(t *testing.T) {
	const n = 100
	h := newSlackHarness(t, slackfake.Options{Interval: time.Second}, false)
	h.run()
	h.accept(burstEvents(t, n))

	// Each message is sent when its rate-limit token is taken; the timer of
	// the next token is armed right then. The clock moves to that timer only
	// once the message has arrived, so no message is dated later than it was
	// sent, and only the pacing decides the gaps. The dispatcher's other
	// timers are an hour away.
	for sent := 1; sent <= n; sent++ {
		h.waitFor(fmt.Sprintf("message %d to arrive", sent), func() bool { return h.fake.Received() >= sent })
		if sent == n {
			break
		}
		var next time.Time
		h.waitFor("the rate limit's timer", func() bool {
			deadline, ok := h.clock.NextDeadline()
			next = deadline
			return ok && deadline.Before(h.clock.Now().Add(time.Minute))
		})
		h.clock.Set(next)
	}
	h.waitFor("every delivery to be recorded", func() bool { return len(h.deliveries(store.StateDelivered)) == n })

	if got := h.fake.RateLimited(); got != 0 {
		t.Errorf("fake Slack answered 429 %d times, want none", got)
	}
	messages := h.fake.Messages()
	if len(messages) != n {
		t.Fatalf("fake Slack accepted %d messages, want %d", len(messages), n)
	}
	for i := 1; i < len(messages); i++ {
		if gap := messages[i].Received.Sub(messages[i-1].Received); gap < time.Second {
			t.Errorf("message %d came %s after the one before, want at least 1s", i+1, gap)
		}
	}
	elapsed := messages[n-1].Received.Sub(slackStart)
	if elapsed < (n-1)*time.Second || elapsed > n*time.Second {
		t.Errorf("the burst took %s of clock time, want about %ds", elapsed, n)
	}
	if dead := h.deliveries(store.StateDead); len(dead) > 0 {
		t.Errorf("%d deliveries are dead, the first because %q", len(dead), dead[0].LastError)
	}
}

// TestSlackThreadThroughStore sends the history of TURBO-42 with thread: true.
// The first message starts the thread, its ts is stored as the state,
// and the later events, a comment among them, reply in that thread. The
// low-priority issue matches no route and is not sent.
func TestSlackThreadThroughStore(t *testing.T) {
	h := newSlackHarness(t, slackfake.Options{}, true)
	h.run()
	var events []*event.Incoming
	for _, name := range []string{"issue-created-high", "issue-created-low", "issue-updated-status", "comment-created", "issue-closed"} {
		raw, err := os.ReadFile("../../testdata/turbo/envelope/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		in, err := event.ParseEnvelopes(raw, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		events = append(events, in...)
	}
	h.accept(events)

	deadline := time.Now().Add(20 * time.Second)
	for len(h.deliveries(store.StateDelivered)) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 4 deliveries delivered after 20s", len(h.deliveries(store.StateDelivered)))
		}
		h.clock.Advance(200 * time.Millisecond)
		time.Sleep(2 * time.Millisecond)
	}

	messages := h.fake.Messages()
	if len(messages) != 4 {
		t.Fatalf("fake Slack accepted %d messages, want 4 (the low-priority issue matches no route)", len(messages))
	}
	root := messages[0]
	if root.ThreadTS != "" || !strings.Contains(root.Text, "Issue created") {
		t.Errorf("first message = %q in thread %q, want the issue's creation, not in a thread", root.Text, root.ThreadTS)
	}
	for _, m := range messages[1:] {
		if m.ThreadTS != root.TS {
			t.Errorf("message %q is in thread %q, want a reply to %s", m.Text, m.ThreadTS, root.TS)
		}
	}
	state, version, err := h.store.EntityState(context.Background(), "slack", "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b")
	if err != nil || version != 1 || !strings.Contains(string(state), root.TS) {
		t.Errorf("stored state = %s (version %d, %v), want the root's ts written once", state, version, err)
	}
}

// TestSlackWebhookThreadRejectedAtLoad loads a webhook pack with thread: true.
// The config must fail with the key's line.
func TestSlackWebhookThreadRejectedAtLoad(t *testing.T) {
	const text = `
ingest:
  insecure: true
connectors:
  slack:
    type: slack
    webhook_url: https://hooks.slack.com/services/T000/B000/secret-part
    thread: true
`
	_, err := config.Parse("switchboard.yaml", []byte(text), slackCatalog{}, nil)
	if err == nil {
		t.Fatal("config with a webhook and thread: true loaded, want an error")
	}
	if msg := err.Error(); !strings.Contains(msg, "switchboard.yaml:8") || !strings.Contains(msg, "thread: true needs token mode") {
		t.Errorf("error = %q, want line 8 and the reason", msg)
	}
	if strings.Contains(err.Error(), "secret-part") {
		t.Errorf("error shows the webhook URL's credential: %q", err.Error())
	}
}

// TestSlackNativeEnvelopes converts Turbo's native fixtures with the daemon's
// own normaliser into the envelopes the slack connector's golden test renders,
// and fails when the stored ones are out of date.
func TestSlackNativeEnvelopes(t *testing.T) {
	files, err := filepath.Glob("../../testdata/turbo/native/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no native fixtures: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			got := nativeEnvelope(t, file)
			path := filepath.Join("../../connectors/slack/testdata/native", name)
			if *updateSlackNatives {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s (run with -update-slack-natives to write it): %v", path, err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("%s is out of date; run go test ./test/integration -run TestSlackNativeEnvelopes -update-slack-natives", path)
			}
		})
	}
}

// nativeEnvelope returns the envelope of one native fixture, indented, as
// ingest would store it, received at slackStart.
func nativeEnvelope(t *testing.T, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	in, err := event.FromTurboWebhook(fixture.Headers["X-Webhook-Event"], fixture.Headers["X-Webhook-Delivery-Id"], fixture.Body, slackStart)
	if err != nil {
		t.Fatalf("normalise: %v", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, in.Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n")
	return out.Bytes()
}
