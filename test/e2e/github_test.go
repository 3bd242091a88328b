package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// The accounts of the GitHub sync run.
const (
	syncProject      = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
	syncRepo         = "acme/web"
	syncGitHubSecret = "github-webhook-secret-0123"
	syncBotToken     = "ghp_switchboard_bot_token"
	syncHumanToken   = "ghp_octocat_token"
	syncTurboToken   = "turbo-api-token"
)

// githubSyncConfig is the GitHub pack as a team writes it, with the two
// fakes' addresses and a small gap so that the run takes seconds.
const githubSyncConfig = `
server:
  listen: "%s"
  instance_id: e2e
storage:
  dsn: "%s/switchboard.db"
ingest:
  secrets: ["` + turboSecret + `", "` + standardKeyA + `"]
log:
  level: debug
turbo:
  web_url: https://turbo.example
  api_url: "%s"
  api_token: ` + syncTurboToken + `
delivery:
  min_backoff: 50ms
  max_backoff: 500ms
  poll_interval: 50ms
connectors:
  github:
    type: github
    token: ` + syncBotToken + `
    api_url: "%s"
    webhook_secret: ` + syncGitHubSecret + `
    min_gap: 20ms
    projects: {"` + syncProject + `": ` + syncRepo + `}
    assignees: {"lead@example.com": lead, "dev@example.com": octocat}
routes:
  - name: github-sync
    events: ["issue.*", "comment.*", "github.*"]
    to: [{connector: github}]
`

// TestGitHubSyncFixtureRun replays the Turbo fixtures through the binary,
// then works on the GitHub side as a person would. Both fakes must end in the
// same state, and the log must show each change written once: no change came
// back as an echo.
func TestGitHubSyncFixtureRun(t *testing.T) {
	// GitHub dates changes in whole seconds. The person's changes below come
	// a minute after the sync's writes on GitHub's clock, so each webhook
	// applies all of its issue's changes; changes within one second are
	// covered by the connector's tests.
	ghClock := clock.NewFake(time.Now().UTC())
	in, turbo, github := newGitHubSync(t, ghClock)
	in.start()
	settle := func() { settleSync(t, in, turbo, github) }

	for _, f := range loadSequence(t) {
		seedTurbo(t, turbo, f)
		// Turbo's own issue.assigned repeats a change Switchboard derived from
		// the issue.updated before it, so it is a duplicate (200).
		if status, answer := in.post(f.path, f.headers, f.body); status != http.StatusAccepted && status != http.StatusOK {
			t.Fatalf("%s: %d %v", f.name, status, answer)
		}
		settle()
	}

	human := gh.NewClient(nil).WithAuthToken(syncHumanToken)
	human.BaseURL, _ = human.BaseURL.Parse(github.URL())
	ctx := context.Background()
	tidy, fix := issueWithKey(t, github, "TURBO-43"), issueWithKey(t, github, "TURBO-42")
	steps := []func() error{
		func() error {
			_, _, err := human.Issues.CreateComment(ctx, "acme", "web", fix, &gh.IssueComment{Body: gh.String("Verified the fix on staging.")})
			return err
		},
		func() error {
			_, _, err := human.Issues.Edit(ctx, "acme", "web", fix, &gh.IssueRequest{State: gh.String("open"),
				Labels: &[]string{"bug", "priority: high"}})
			return err
		},
		func() error {
			_, _, err := human.Issues.Edit(ctx, "acme", "web", tidy, &gh.IssueRequest{Title: gh.String("[TURBO-43] Tidy up the README badges")})
			return err
		},
		func() error {
			_, _, err := human.Issues.AddAssignees(ctx, "acme", "web", tidy, []string{"octocat"})
			return err
		},
	}
	for i, step := range steps {
		ghClock.Advance(time.Minute)
		if err := step(); err != nil {
			t.Fatalf("GitHub step %d: %v", i+1, err)
		}
		settle()
	}

	compareSyncedState(t, turbo, github)
	checkWritesOnce(t, in.logs.String(), turbo, github)
}

// newGitHubSync starts a fake Turbo that posts its changes to the instance,
// and a fake GitHub, on ghClock, that posts its webhooks there, and writes the
// instance's config of the GitHub pack. The caller starts the instance.
func newGitHubSync(t *testing.T, ghClock *clock.Fake) (*instance, *turbofake.Server, *githubfake.Server) {
	t.Helper()
	addr := freeAddr(t)
	turbo := turbofake.Start(t, turbofake.Options{Token: syncTurboToken,
		Webhook: turbofake.Webhook{URL: "http://" + addr, Secret: turboSecret, Mode: turbofake.ModeEnvelope}})
	turbo.AddProject(syncProject, "TURBO")
	github := githubfake.Start(t, githubfake.Options{Clock: ghClock, WebhookURL: "http://" + addr + "/v1/github/webhook", WebhookSecret: syncGitHubSecret})
	github.AddUser("switchboard-bot", syncBotToken, "User")
	github.AddUser("octocat", syncHumanToken, "User")
	github.AddUser("lead", "ghp_lead_token", "User")
	github.AddRepo(syncRepo)

	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	text := fmt.Sprintf(githubSyncConfig, addr, dir, turbo.URL(), github.URL())
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return &instance{t: t, dir: dir, config: path, addr: addr}, turbo, github
}

// seedTurbo stores what a fixture describes in the fake Turbo, since the
// fixture stands for a change someone made there.
func seedTurbo(t *testing.T, turbo *turbofake.Server, f fixture) {
	t.Helper()
	var doc struct {
		EntityType string `json:"entity_type"`
		Data       struct {
			Current json.RawMessage `json:"current"`
		} `json:"data"`
		Issue json.RawMessage `json:"issue"`
	}
	json.Unmarshal(f.body, &doc)
	var err error
	switch {
	case doc.EntityType == "issue":
		err = turbo.PutIssue(doc.Data.Current)
	case doc.EntityType == "comment":
		err = turbo.PutComment(doc.Data.Current)
	case len(doc.Issue) > 0:
		err = turbo.PutIssue(doc.Issue)
	}
	if err != nil {
		t.Fatalf("%s: %v", f.name, err)
	}
}

// settleSync waits until both fakes have posted their webhooks and no
// delivery is pending, three times in a row.
func settleSync(t *testing.T, in *instance, turbo *turbofake.Server, github *githubfake.Server) {
	t.Helper()
	settleFakes(t, in, turbo, github)
}

func issueWithKey(t *testing.T, github *githubfake.Server, key string) int {
	t.Helper()
	for _, issue := range github.Issues(syncRepo) {
		if strings.HasPrefix(issue.Title, "["+key+"] ") {
			return issue.Number
		}
	}
	t.Fatalf("no GitHub issue for %s", key)
	return 0
}

// footer is the part of a body the connector adds after the description.
var footer = regexp.MustCompile(`(?s)\n\n---\nSynced with .*$`)

// marker matches the connector's hidden markers; header its comment header.
var (
	marker = regexp.MustCompile(`\s*<!-- switchboard:[a-z-]+:[^ >]+ -->`)
	header = regexp.MustCompile(`^\*\*[^*]+\*\* wrote in Turbo:\n\n`)
)

func commentTexts(bodies []string) []string {
	var out []string
	for _, body := range bodies {
		out = append(out, strings.TrimSpace(header.ReplaceAllString(marker.ReplaceAllString(body, ""), "")))
	}
	slices.Sort(out)
	return out
}

// compareSyncedState requires every Turbo issue of the project and its
// GitHub issue to agree on each synced field and on the comments.
func compareSyncedState(t *testing.T, turbo *turbofake.Server, github *githubfake.Server) {
	t.Helper()
	logins := map[string]string{"lead@example.com": "lead", "dev@example.com": "octocat"}
	issues := turbo.Issues()
	if len(issues) != 2 || len(github.Issues(syncRepo)) != 2 {
		t.Fatalf("Turbo has %d issues and GitHub %d, want 2 each", len(issues), len(github.Issues(syncRepo)))
	}
	for _, ti := range issues {
		gi, _ := github.Issue(syncRepo, issueWithKey(t, github, ti.Key))
		state := "open"
		if ti.Status == "closed" {
			state = "closed"
		}
		checks := []struct{ field, turbo, github string }{
			{"title", "[" + ti.Key + "] " + ti.Title, gi.Title},
			{"description", strings.TrimSpace(ti.Description), strings.TrimSpace(footer.ReplaceAllString(gi.Body, ""))},
			{"state", state, gi.State},
			{"labels", strings.Join(slices.Sorted(slices.Values([]string{ti.Type, "priority: " + ti.Priority})), ","), strings.Join(gi.Labels, ",")},
			{"assignee", logins[ti.Assignee], strings.Join(gi.Assignees, ",")},
		}
		for _, c := range checks {
			if c.turbo != c.github {
				t.Errorf("%s %s: Turbo %q, GitHub %q", ti.Key, c.field, c.turbo, c.github)
			}
		}
		var turboComments, githubComments []string
		for _, c := range turbo.Comments(ti.ID) {
			turboComments = append(turboComments, c.Content)
		}
		for _, c := range github.Comments(syncRepo, gi.Number) {
			githubComments = append(githubComments, c.Body)
		}
		if a, b := commentTexts(turboComments), commentTexts(githubComments); !slices.Equal(a, b) {
			t.Errorf("%s comments: Turbo %q, GitHub %q", ti.Key, a, b)
		}
	}
}

// checkWritesOnce requires each change to be written once, to the other side
// only: the fixtures cause 2 creates, 3 edits and 1 comment on GitHub, the four
// GitHub steps 3 updates and 1 comment in Turbo. An echo would add a write
// and a log line.
func checkWritesOnce(t *testing.T, logs string, turbo *turbofake.Server, github *githubfake.Server) {
	t.Helper()
	counts := map[string]int{
		"created the GitHub issue of a Turbo issue":  2,
		"edited the GitHub issue of a Turbo issue":   3,
		"copied a Turbo comment to GitHub":           1,
		"applied a GitHub change to the Turbo issue": 3,
		"copied a GitHub comment to Turbo":           1,
	}
	for msg, want := range counts {
		if got := strings.Count(logs, `"msg":"`+msg+`"`); got != want {
			t.Errorf("log has %q %d times, want %d", msg, got, want)
		}
	}
	if strings.Contains(logs, `"level":"ERROR"`) {
		t.Error("the log has errors")
	}
	botWrites := 0
	for _, r := range github.Requests() {
		if r.Login == "switchboard-bot" && r.Method != http.MethodGet {
			botWrites++
		}
	}
	if botWrites != 6 {
		t.Errorf("the bot sent %d writes to GitHub, want 6", botWrites)
	}
	turboWrites := 0
	for _, r := range turbo.Requests() {
		if r.Method != http.MethodGet {
			turboWrites++
		}
	}
	// The reopen with a new priority is a PUT and a reopen.
	if turboWrites != 5 {
		t.Errorf("Turbo received %d writes, want 5", turboWrites)
	}
}
