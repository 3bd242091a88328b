package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/turbocode/switchboard/connectors/plugin"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/plugins/teams"
	"github.com/turbocode/switchboard/plugins/teams/teamstest"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/plugintest"
)

// teamsConfig routes every fixture to a Teams workflow, comments to a
// second workflow that fails once with 503, and milestones to a workflow
// that does not exist (404). %[1]s is the data directory, %[2]s the
// connector's type lines, %[3]s, %[4]s and %[5]s the three webhook URLs.
const teamsConfig = `
storage:
  dsn: %[1]s/switchboard.db
ingest:
  insecure: true
turbo:
  web_url: https://turbo.example.com
plugins:
  dir: %[1]s
delivery:
  min_backoff: 20ms
  max_backoff: 100ms
  poll_interval: 20ms
connectors:
  teams:
%[2]s
    webhook_url: "%[3]s"
    rate_limit: {per_second: 100, burst: 100}
routes:
  - name: all
    events: ["*"]
    to: [{connector: teams}]
  - name: comments
    events: ["comment.created"]
    to: [{connector: teams, webhook_url: "%[4]s"}]
  - name: stale
    events: ["milestone.completed"]
    to: [{connector: teams, webhook_url: "%[5]s"}]
`

// teamsRun is one run of the fixtures through the daemon's parts: what the
// delivery log recorded and what the fake workflows received.
type teamsRun struct {
	// attempts maps "route event_type" to its attempts, "number outcome
	// status" each.
	attempts map[string][]string
	states   map[string]store.State
	runs     []teamstest.Run
}

// TestTeamsPluginMatchesBuiltIn sends the fixtures of testdata/turbo through
// ingest, routes and the dispatcher to the Teams connector twice: compiled
// in, and as the plugin built from plugins/teams. Both runs must post every
// card and leave the same attempts and outcomes in the delivery log.
func TestTeamsPluginMatchesBuiltIn(t *testing.T) {
	builtIn := runTeams(t, false)
	viaPlugin := runTeams(t, true)

	for key, want := range builtIn.attempts {
		if got := viaPlugin.attempts[key]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: plugin attempts %v, built-in %v", key, got, want)
		}
	}
	if len(viaPlugin.attempts) != len(builtIn.attempts) {
		t.Errorf("plugin made %d deliveries, built-in %d", len(viaPlugin.attempts), len(builtIn.attempts))
	}

	for name, run := range map[string]teamsRun{"built-in": builtIn, "plugin": viaPlugin} {
		checkTeamsRun(t, name, run)
	}
}

func checkTeamsRun(t *testing.T, name string, run teamsRun) {
	t.Helper()
	want := map[string][]string{
		"comments comment.created":  {"1 retry 503", "2 delivered 202"},
		"stale milestone.completed": {"1 permanent 404"},
		"all issue.created":         {"1 delivered 202", "1 delivered 202"},
		"all note.created":          {"1 delivered 202"},
	}
	for key, attempts := range want {
		if got := run.attempts[key]; fmt.Sprint(got) != fmt.Sprint(attempts) {
			t.Errorf("%s: %s attempts %v, want %v", name, key, got, attempts)
		}
	}
	if state := run.states["stale milestone.completed"]; state != store.StateDead {
		t.Errorf("%s: the delivery to the deleted workflow is %s, want dead", name, state)
	}
	for _, r := range run.runs {
		if !r.Posted() {
			t.Errorf("%s: the workflow could not post a card: %s", name, r.Error)
		}
	}
}

// runTeams runs the fixtures through a fresh daemon and returns its delivery
// log, with the connector compiled in or, with viaPlugin, as a plugin.
func runTeams(t *testing.T, viaPlugin bool) teamsRun {
	t.Helper()
	fake := teamstest.NewServer(t, teamstest.Options{ThrottlePerSecond: -1})
	main, comments := fake.NewWorkflow(), fake.NewWorkflow()
	deleted := fake.URL() + "/workflows/0000/triggers/manual/paths/invoke?api-version=2016-06-01&sig=none"
	fake.ScriptWorkflow(comments, teamstest.Response{Status: http.StatusServiceUnavailable, Body: "busy"})

	dir := t.TempDir()
	typeLines := "    type: teams"
	logger := slog.New(slog.DiscardHandler)
	registry := app.Registry{"teams": teams.New()}
	if viaPlugin {
		built := plugintest.Build(t, "../../plugins/teams/cmd/switchboard-connector-teams")
		if err := os.Rename(built, filepath.Join(dir, filepath.Base(built))); err != nil {
			t.Fatal(err)
		}
		typeLines = "    type: plugin\n    plugin: teams"
		host := plugin.NewHost(plugin.Options{Dir: dir, Reserved: []string{"http", "slack", "discord", "email", "file"}, Logger: logger})
		t.Cleanup(func() { host.Close(context.Background()) })
		registry = app.Registry{plugin.TypeName: host}
	}

	configPath := filepath.Join(dir, "switchboard.yaml")
	config := fmt.Sprintf(teamsConfig, dir, typeLines, main, comments, deleted)
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Options{ConfigPath: configPath, Registry: registry, Logger: logger, Clock: clock.System})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	base := serveApp(t, a)

	postFixtures(t, base)
	waitUntil(t, "every delivery to finish", func() bool {
		return len(deliveries(t, a, store.StateScheduled)) == 0 && len(deliveries(t, a, "")) > 0
	})
	return teamsRun{attempts: attemptLog(t, a), states: deliveryStates(t, a), runs: fake.Runs()}
}

// postFixtures posts every envelope fixture in one batch, then every native
// fixture to the Turbo webhook endpoint.
func postFixtures(t *testing.T, base string) {
	t.Helper()
	files, err := filepath.Glob("../../testdata/turbo/envelope/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no envelope fixtures: %v", err)
	}
	var envelopes []json.RawMessage
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		envelopes = append(envelopes, raw)
	}
	body, _ := json.Marshal(envelopes)
	postOK(t, base+"/v1/events", http.Header{"Content-Type": {"application/json"}}, body)

	natives, err := filepath.Glob("../../testdata/turbo/native/*.json")
	if err != nil || len(natives) == 0 {
		t.Fatalf("no native fixtures: %v", err)
	}
	for _, file := range natives {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var native struct {
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		}
		if err := json.Unmarshal(raw, &native); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		header := http.Header{}
		for name, value := range native.Headers {
			header.Set(name, value)
		}
		postOK(t, base+"/v1/turbo/webhook", header, native.Body)
	}
}

func postOK(t *testing.T, target string, header http.Header, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", target, resp.StatusCode, answer)
	}
}

// attemptLog reads every delivery's attempts as "number outcome status",
// keyed by "route event_type"; deliveries with the same key have their
// attempt lists joined in a sorted order.
func attemptLog(t *testing.T, a *app.App) map[string][]string {
	t.Helper()
	log := map[string][]string{}
	for _, d := range deliveries(t, a, "") {
		attempts, err := a.Store().Attempts(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		key := d.Route + " " + d.EventType
		for _, attempt := range attempts {
			log[key] = append(log[key], fmt.Sprintf("%d %s %d", attempt.Number, attempt.Outcome, attempt.StatusCode))
		}
		sort.Strings(log[key])
	}
	return log
}

func deliveryStates(t *testing.T, a *app.App) map[string]store.State {
	t.Helper()
	states := map[string]store.State{}
	for _, d := range deliveries(t, a, "") {
		states[d.Route+" "+d.EventType] = d.State
	}
	return states
}
