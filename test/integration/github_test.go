package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/connectors/github"
	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/signature"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// The accounts and secrets of the GitHub sync tests.
const (
	syncTurboSecret  = "turbo-webhook-secret-0123"
	syncGitHubSecret = "github-webhook-secret-0123"
	syncBotToken     = "ghp_switchboard_bot_token"
	syncHumanToken   = "ghp_octocat_token"
	syncProject      = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
	syncRepo         = "acme/web"
	syncIssue        = "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"
)

// syncConfig runs the github connector with the route a team writes for it.
const syncConfig = `
server:
  listen: "%s"
  instance_id: integration
storage:
  dsn: "%s"
ingest:
  secrets: ["` + syncTurboSecret + `"]
turbo:
  web_url: https://turbo.example
  api_url: "%s"
  api_token: turbo-api-token
delivery:
  min_backoff: 20ms
  max_backoff: 200ms
  poll_interval: 50ms
connectors:
  github:
    type: github
    token: ` + syncBotToken + `
    api_url: "%s"
    webhook_secret: ` + syncGitHubSecret + `
    min_gap: 0s
    projects: {"` + syncProject + `": ` + syncRepo + `}
    assignees: {"lead@example.com": lead, "dev@example.com": octocat}
routes:
  - name: github-sync
    events: ["issue.*", "comment.*", "github.*"]
    to: [{connector: github}]
`

// syncHarness is Switchboard (core/app with the github connector, a SQLite
// file and ingest on loopback) between a fake Turbo, which posts its own
// webhooks in envelope mode, and a fake GitHub, which posts signed webhooks.
type syncHarness struct {
	t      *testing.T
	app    *app.App
	url    string
	turbo  *turbofake.Server
	github *githubfake.Server
	human  *gh.Client
	logs   *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newSyncHarness(t *testing.T, githubClock sdk.Clock) *syncHarness {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &syncHarness{t: t, url: "http://" + listener.Addr().String(), logs: &lockedBuffer{}}
	h.turbo = turbofake.Start(t, turbofake.Options{Token: "turbo-api-token",
		Webhook: turbofake.Webhook{URL: h.url, Secret: syncTurboSecret, Mode: turbofake.ModeEnvelope}})
	h.turbo.AddProject(syncProject, "TURBO")
	h.github = githubfake.Start(t, githubfake.Options{Clock: githubClock, WebhookURL: h.url + "/v1/github/webhook", WebhookSecret: syncGitHubSecret})
	h.github.AddUser("switchboard-bot", syncBotToken, "User")
	h.github.AddUser("octocat", syncHumanToken, "User")
	h.github.AddUser("lead", "ghp_lead_token", "User")
	h.github.AddRepo(syncRepo)
	h.human = gh.NewClient(nil).WithAuthToken(syncHumanToken)
	h.human.BaseURL, _ = h.human.BaseURL.Parse(h.github.URL())

	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	text := fmt.Sprintf(syncConfig, listener.Addr(), filepath.Join(dir, "switchboard.db"), h.turbo.URL(), h.github.URL())
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	h.app = startApp(t, listener, path, h.logs, app.Registry{"github": github.New()})
	return h
}

// postTurbo stores a fixture's issue or comment in the fake Turbo, as the
// change it describes, and posts the fixture to Switchboard as Turbo does.
func (h *syncHarness) postTurbo(name string, edit func(current map[string]any)) {
	h.t.Helper()
	raw, err := os.ReadFile("../../testdata/turbo/envelope/" + name)
	if err != nil {
		h.t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	current := doc["data"].(map[string]any)["current"].(map[string]any)
	if edit != nil {
		edit(current)
		doc["event_id"] = fmt.Sprintf("%s-%d", doc["event_id"], time.Now().UnixNano())[:36]
		raw, _ = json.Marshal(doc)
	}
	seed, _ := json.Marshal(current)
	if doc["entity_type"] == "comment" {
		err = h.turbo.PutComment(seed)
	} else {
		err = h.turbo.PutIssue(seed)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	h.post("/v1/events", raw)
}

func (h *syncHarness) post(path string, body []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signature.HeaderTurboSignature, signature.SignTurbo([]byte(syncTurboSecret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("POST %s: %v", path, err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		h.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, answer)
	}
}

// settle waits until both fakes have posted their webhooks and Switchboard
// has finished every delivery, twice in a row, so that echoes have arrived
// and been handled too.
func (h *syncHarness) settle() {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	quiet := 0
	for quiet < 2 {
		if time.Now().After(deadline) {
			h.t.Fatalf("not settled after 20s: backlog %d, webhook failures %v %v", h.app.Store().Backlog(),
				h.turbo.WebhookFailures(), h.github.WebhookFailures())
		}
		idle := h.turbo.WaitWebhooks(5*time.Second) && h.github.WaitWebhooks(5*time.Second) && h.app.Store().Backlog() == 0
		if idle {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(30 * time.Millisecond)
	}
	if failures := append(h.turbo.WebhookFailures(), h.github.WebhookFailures()...); len(failures) > 0 {
		h.t.Fatalf("webhooks not accepted: %v", failures)
	}
}

// deliveries lists the connector's deliveries, newest first.
func (h *syncHarness) deliveries() []*store.Delivery {
	h.t.Helper()
	list, err := h.app.Store().Deliveries(context.Background(), store.DeliveryFilter{Connector: "github", Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// mutations counts the fake GitHub's accepted mutating requests by login.
func (h *syncHarness) mutations(login string) int {
	n := 0
	for _, r := range h.github.Requests() {
		if r.Login == login && r.Method != http.MethodGet && r.Status < 300 {
			n++
		}
	}
	return n
}

// turboWrites counts the fake Turbo's accepted writes.
func (h *syncHarness) turboWrites() int {
	n := 0
	for _, r := range h.turbo.Requests() {
		if r.Method != http.MethodGet && r.Status < 300 {
			n++
		}
	}
	return n
}

func (h *syncHarness) issueNumber() int {
	issues := h.github.Issues(syncRepo)
	if len(issues) != 1 {
		h.t.Fatalf("GitHub has %d issues, want 1", len(issues))
	}
	return issues[0].Number
}

func ptr[T any](v T) *T { return &v }

func TestGitHubSyncBothWays(t *testing.T) {
	// The person's changes are a minute apart on GitHub's clock: changes of
	// one second are applied by the webhook of each action, one write each.
	ghClock := clock.NewFake(time.Now().UTC())
	h := newSyncHarness(t, ghClock)
	ctx := context.Background()

	h.postTurbo("issue-created-high.json", nil)
	h.settle()
	n := h.issueNumber()
	issue, _ := h.github.Issue(syncRepo, n)
	if issue.Title != "[TURBO-42] Login fails with 500 after password reset" || issue.Author != "switchboard-bot" {
		t.Fatalf("created issue: %+v", issue)
	}

	h.postTurbo("issue-updated-status.json", nil)
	h.postTurbo("comment-created.json", nil)
	h.settle()
	issue, _ = h.github.Issue(syncRepo, n)
	if strings.Join(issue.Labels, ",") != "bug,priority: critical" || strings.Join(issue.Assignees, ",") != "lead" {
		t.Errorf("after Turbo's update: labels %v assignees %v", issue.Labels, issue.Assignees)
	}
	if comments := h.github.Comments(syncRepo, n); len(comments) != 1 {
		t.Fatalf("GitHub comments after Turbo's comment: %d, want 1", len(comments))
	}
	if writes := h.turboWrites(); writes != 0 {
		t.Errorf("Turbo received %d writes for changes that came from Turbo", writes)
	}

	// A person works on GitHub.
	ghClock.Advance(time.Minute)
	mustGH(t)(h.human.Issues.Edit(ctx, "acme", "web", n, &gh.IssueRequest{Title: ptr("[TURBO-42] Login fails after a password reset")}))
	mustGH(t)(h.human.Issues.CreateComment(ctx, "acme", "web", n, &gh.IssueComment{Body: ptr("Seen on staging too.")}))
	h.settle()
	turbo, _ := h.turbo.Issue(syncIssue)
	if turbo.Title != "Login fails after a password reset" {
		t.Errorf("Turbo title = %q, want GitHub's edit without the key", turbo.Title)
	}
	comments := h.turbo.Comments(syncIssue)
	if len(comments) != 2 || comments[1].AuthorName != "octocat (GitHub)" || !strings.HasPrefix(comments[1].Content, "Seen on staging too.") {
		t.Errorf("Turbo comments = %+v, want the GitHub comment by octocat (GitHub)", comments)
	}

	ghClock.Advance(time.Minute)
	mustGH(t)(h.human.Issues.Edit(ctx, "acme", "web", n, &gh.IssueRequest{State: ptr("closed")}))
	h.settle()
	if turbo, _ = h.turbo.Issue(syncIssue); turbo.Status != "closed" {
		t.Errorf("Turbo status after GitHub's close = %s", turbo.Status)
	}
	ghClock.Advance(time.Minute)
	mustGH(t)(h.human.Issues.Edit(ctx, "acme", "web", n, &gh.IssueRequest{State: ptr("open"),
		Labels: &[]string{"bug", "priority: low"}, Assignees: &[]string{"octocat"}}))
	h.settle()
	turbo, _ = h.turbo.Issue(syncIssue)
	if turbo.Status != "open" || turbo.Priority != "low" || turbo.Assignee != "dev@example.com" {
		t.Errorf("Turbo after GitHub's reopen, relabel and reassign: status %s priority %s assignee %s", turbo.Status, turbo.Priority, turbo.Assignee)
	}

	// Turbo's own webhooks for the writes above came back and were not echoed.
	botWrites := h.mutations("switchboard-bot")
	if botWrites != 3 {
		t.Errorf("the bot made %d changes on GitHub, want 3 (create, update, comment): an echo went back", botWrites)
	}
	if turboWritesAfter := h.turboWrites(); turboWritesAfter != 5 {
		t.Errorf("Turbo received %d writes, want 5 (title, comment, close, reopen, one update of priority and assignee)", turboWritesAfter)
	}
	checkNoEchoDelivered(t, h)
}

// checkNoEchoDelivered requires that every delivery of a webhook the bot
// caused, and of Turbo's webhooks for the connector's writes, was skipped.
func checkNoEchoDelivered(t *testing.T, h *syncHarness) {
	t.Helper()
	for _, d := range h.deliveries() {
		if d.State == store.StateDead {
			t.Errorf("delivery of %s is dead: %s", d.EventType, d.LastError)
		}
		ev, err := h.app.Store().Event(context.Background(), d.EventID)
		if err != nil {
			t.Fatal(err)
		}
		body := string(ev.Body)
		fromBot := strings.Contains(body, `"name":"switchboard-bot"`)
		fromAPI := strings.Contains(body, `"name":"switchboard"`)
		if (fromBot || fromAPI) && d.State != store.StateSkipped {
			t.Errorf("an echo was %s: %s (%s)", d.State, d.EventType, d.LastError)
		}
	}
}

func mustGH(t *testing.T) func(any, *gh.Response, error) {
	return func(_ any, _ *gh.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("GitHub call: %v", err)
		}
	}
}

// newLinkedSync starts a harness on a fake GitHub clock with the fixture
// issue synced to GitHub, and returns the clock and the issue's number.
func newLinkedSync(t *testing.T) (*syncHarness, *clock.Fake, int) {
	t.Helper()
	ghClock := clock.NewFake(time.Now().UTC())
	h := newSyncHarness(t, ghClock)
	h.postTurbo("issue-created-high.json", nil)
	h.settle()
	return h, ghClock, h.issueNumber()
}

func TestGitHubEditsOutOfOrderKeepNewer(t *testing.T) {
	h, ghClock, n := newLinkedSync(t)
	ctx := context.Background()

	h.github.HoldWebhooks()
	ghClock.Advance(time.Minute)
	mustGH(t)(h.human.Issues.Edit(ctx, "acme", "web", n, &gh.IssueRequest{Title: ptr("[TURBO-42] Older title")}))
	ghClock.Advance(time.Minute)
	mustGH(t)(h.human.Issues.Edit(ctx, "acme", "web", n, &gh.IssueRequest{Title: ptr("[TURBO-42] Newer title")}))
	if held := h.github.SendHeld(true); held != 2 {
		t.Fatalf("held %d webhooks, want 2", held)
	}
	h.settle()

	turbo, _ := h.turbo.Issue(syncIssue)
	if turbo.Title != "Newer title" {
		t.Errorf("Turbo title = %q after the edits arrived newest first, want the newer one", turbo.Title)
	}
	if !strings.Contains(h.logs.String(), "GitHub change older than the value last synced") {
		t.Error("the older change was not reported as dropped")
	}
}

func TestGitHubRedeliveryIsDuplicate(t *testing.T) {
	h := newSyncHarness(t, nil)
	h.postTurbo("issue-created-high.json", nil)
	h.settle()
	before := len(h.deliveries())
	id := lastDeliveryID(t, h)
	if !h.github.Redeliver(id) {
		t.Fatalf("the fake does not know delivery %s", id)
	}
	h.settle()
	if after := len(h.deliveries()); after != before {
		t.Errorf("a redelivery made %d new deliveries, want none", after-before)
	}
}

// lastDeliveryID returns the X-GitHub-Delivery of a stored GitHub event.
func lastDeliveryID(t *testing.T, h *syncHarness) string {
	for _, d := range h.deliveries() {
		if strings.HasPrefix(d.EventType, "github.") {
			return d.EventID
		}
	}
	t.Fatal("no GitHub event was stored")
	return ""
}

// TestGitHubEditWhileDownAppliedOnRedelivery loses the webhook of an edit on
// GitHub, as when Switchboard is down when GitHub sends it, and redelivers it
// as GitHub's Redeliver button does: the edit reaches Turbo then.
func TestGitHubEditWhileDownAppliedOnRedelivery(t *testing.T) {
	h, ghClock, n := newLinkedSync(t)
	ctx := context.Background()

	h.github.HoldWebhooks()
	ghClock.Advance(time.Minute)
	mustGH(t)(h.human.Issues.Edit(ctx, "acme", "web", n, &gh.IssueRequest{Title: ptr("[TURBO-42] Edited while Switchboard was down")}))
	lost := h.github.DropHeld()
	h.settle()
	if turbo, _ := h.turbo.Issue(syncIssue); turbo.Title == "Edited while Switchboard was down" {
		t.Fatal("the edit reached Turbo although its webhook was lost")
	}

	for _, id := range lost {
		if !h.github.Redeliver(id) {
			t.Fatalf("the fake does not know delivery %s", id)
		}
	}
	h.settle()
	if turbo, _ := h.turbo.Issue(syncIssue); turbo.Title != "Edited while Switchboard was down" {
		t.Errorf("Turbo title after the redelivery = %q, want the edit made while Switchboard was down", turbo.Title)
	}
}
