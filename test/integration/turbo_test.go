package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"
	"github.com/google/uuid"

	"github.com/turbocode/switchboard/connectors/github"
	"github.com/turbocode/switchboard/connectors/github/githubfake"
	httpconn "github.com/turbocode/switchboard/connectors/http"
	"github.com/turbocode/switchboard/connectors/turbo"
	"github.com/turbocode/switchboard/core/app"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/turboapi"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// turboConfig runs the turbo connector and an http hook beside it, and the
// github connector when a test asks for it; each test adds its routes. The
// fake Turbo posts its webhooks in envelope mode.
const turboConfig = `
server:
  listen: "%[1]s"
  admin_listen: "%[1]s"
  admin_token: integration-admin-token-0123
  instance_id: integration
storage:
  dsn: "%[2]s"
ingest:
  secrets: ["` + syncTurboSecret + `"]
turbo:
  api_url: "%[3]s"
  api_token: turbo-api-token
delivery:
  min_backoff: 20ms
  max_backoff: 200ms
  poll_interval: 50ms
connectors:
  turbo:
    type: turbo
    hop_limit: 4
    author_name: GitHub sync
    tags: {in-review: ` + reviewTag + `}
  hook:
    type: http
    url: "%[4]s"
%[5]s
routes:
%[6]s`

// turboGitHubConnector is the github connector of the GitHub tests.
const turboGitHubConnector = `
  github:
    type: github
    token: ` + syncBotToken + `
    api_url: "%s"
    webhook_secret: ` + syncGitHubSecret + `
    min_gap: 0s
    projects: {"` + syncProject + `": ` + syncRepo + `}`

// reviewTag is the id of the in-review tag.
const reviewTag = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

// turboHarness is Switchboard (core/app with the turbo, http and github
// connectors) between a fake Turbo, which posts its own webhooks, an HTTP
// receiver and, when asked for, a fake GitHub.
type turboHarness struct {
	syncHarness
	hook *connectortest.Destination
}

func newTurboHarness(t *testing.T, routes string) *turboHarness {
	return startTurboHarness(t, routes, false)
}

func startTurboHarness(t *testing.T, routes string, withGitHub bool) *turboHarness {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &turboHarness{syncHarness: syncHarness{t: t, url: "http://" + listener.Addr().String(), logs: &lockedBuffer{}},
		hook: connectortest.NewDestination(t)}
	h.turbo = turbofake.Start(t, turbofake.Options{Token: "turbo-api-token",
		Webhook: turbofake.Webhook{URL: h.url, Secret: syncTurboSecret, Mode: turbofake.ModeEnvelope}})
	h.turbo.AddProject(syncProject, "TURBO")
	h.turbo.AddTag(reviewTag, "in-review")
	extra := ""
	if withGitHub {
		h.github = githubfake.Start(t, githubfake.Options{WebhookURL: h.url + "/v1/github/webhook", WebhookSecret: syncGitHubSecret})
		h.github.AddUser("switchboard-bot", syncBotToken, "User")
		h.github.AddUser("octocat", syncHumanToken, "User")
		h.github.AddRepo(syncRepo)
		h.human = gh.NewClient(nil).WithAuthToken(syncHumanToken)
		h.human.BaseURL, _ = h.human.BaseURL.Parse(h.github.URL())
		extra = fmt.Sprintf(turboGitHubConnector, h.github.URL())
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	text := fmt.Sprintf(turboConfig, listener.Addr(), filepath.Join(dir, "switchboard.db"), h.turbo.URL(), h.hook.URL(), extra, routes)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	h.app = startApp(t, listener, path, h.logs, app.Registry{"turbo": turbo.New(), "http": httpconn.New(), "github": github.New()})
	return h
}

// settle waits until the fakes have posted their webhooks and Switchboard
// has finished every delivery, twice in a row.
func (h *turboHarness) settle() {
	h.t.Helper()
	if h.github != nil {
		h.syncHarness.settle()
		return
	}
	deadline := time.Now().Add(20 * time.Second)
	for quiet := 0; quiet < 2; {
		if time.Now().After(deadline) {
			h.t.Fatalf("not settled after 20s: backlog %d, webhook failures %v", h.app.Store().Backlog(), h.turbo.WebhookFailures())
		}
		if h.turbo.WaitWebhooks(5*time.Second) && h.app.Store().Backlog() == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(30 * time.Millisecond)
	}
	if failures := h.turbo.WebhookFailures(); len(failures) > 0 {
		h.t.Fatalf("webhooks not accepted: %v", failures)
	}
}

// routeDeliveries lists a route's deliveries, oldest first.
func (h *turboHarness) routeDeliveries(route string) []*store.Delivery {
	h.t.Helper()
	list, err := h.app.Store().Deliveries(context.Background(), store.DeliveryFilter{Route: route, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

// turboCalls returns the fake Turbo's accepted writes as "METHOD path".
func (h *turboHarness) turboCalls() []string {
	var out []string
	for _, r := range h.turbo.Requests() {
		if r.Method != http.MethodGet && r.Status < 300 {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// postUpdate changes fields of the issue in the fake Turbo, as a person
// would in its UI, and posts the issue.updated Turbo sends for it.
func (h *turboHarness) postUpdate(fields map[string]any) {
	h.t.Helper()
	before, ok := h.turbo.Issue(syncIssue)
	if !ok {
		h.t.Fatalf("the fake Turbo has no issue %s", syncIssue)
	}
	previous := issueJSON(before)
	current := issueJSON(before)
	var changes []string
	for key, value := range fields {
		current[key] = value
		changes = append(changes, key)
	}
	current["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
	seed, _ := json.Marshal(current)
	if err := h.turbo.PutIssue(seed); err != nil {
		h.t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"event_id": uuid.NewString(), "event_type": "issue.updated",
		"timestamp": time.Now().UTC().Format(time.RFC3339), "entity_type": "issue", "entity_id": syncIssue,
		"actor": map[string]any{"type": "user", "name": "dev@example.com"}, "context": map[string]string{"project_id": syncProject},
		"data": map[string]any{"previous": previous, "current": current, "changes": changes}})
	h.post("/v1/events", body)
}

// issueJSON returns an issue of the fake as Turbo's API shows it.
func issueJSON(issue turbofake.Issue) map[string]any {
	out := map[string]any{"id": issue.ID, "issue_key": issue.Key, "issue_number": issue.Number, "project_id": issue.ProjectID,
		"title": issue.Title, "description": issue.Description, "type": issue.Type, "status": issue.Status,
		"priority": issue.Priority, "assignee": nil, "due_date": issue.DueDate,
		"created_at": issue.CreatedAt.Format(time.RFC3339Nano), "updated_at": issue.UpdatedAt.Format(time.RFC3339Nano),
		"blocking": []any{}, "blocked_by": []any{}}
	if issue.Assignee != "" {
		out["assignee"] = issue.Assignee
	}
	return out
}

// checkSkipMetric requires /metrics to count n skips of kind by the turbo
// connector, over all routes.
func (h *turboHarness) checkSkipMetric(kind string, n int) {
	h.t.Helper()
	resp, err := http.Get(h.url + "/metrics")
	if err != nil {
		h.t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	total := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "switchboard_delivery_skips_total{") && strings.Contains(line, `connector="turbo"`) &&
			strings.Contains(line, `kind="`+kind+`"`) {
			var count int
			fmt.Sscan(line[strings.LastIndex(line, " ")+1:], &count)
			total += count
		}
	}
	if total != n {
		h.t.Errorf("/metrics counts %d turbo skips of kind %s, want %d", total, kind, n)
	}
}

func describe(ds []*store.Delivery) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %s %s: %s", d.EventType, d.State, d.LastError)
	}
	return b.String()
}

func TestTurboAssignEchoSkipsItsRoute(t *testing.T) {
	// only_if lets the route act on an issue already assigned to qa, so that
	// only the loop guard can keep it from acting on its own echo.
	h := newTurboHarness(t, `
  - name: triage-bugs
    events: ["issue.*"]
    where: {data.current.type: bug}
    to: [{connector: turbo, action: assign, assignee: qa@example.com, only_if: "current.assignee == null || current.assignee == 'qa@example.com'"}]
  - name: bugs-to-hook
    events: ["issue.*"]
    where: {data.current.type: bug}
    to: [{connector: hook}]
`)
	h.postTurbo("issue-created-high.json", nil)
	h.settle()

	if calls := h.turboCalls(); len(calls) != 1 || calls[0] != "POST /api/v1/issues/"+syncIssue+"/assign" {
		t.Fatalf("Turbo calls = %v, want the one assignment", calls)
	}
	triage := h.routeDeliveries("triage-bugs")
	if len(triage) != 2 || triage[0].State != store.StateDelivered || triage[1].State != store.StateSkipped {
		t.Fatalf("triage-bugs deliveries:%s\nwant the action delivered and Turbo's issue.updated skipped", describe(triage))
	}
	if !strings.Contains(triage[1].LastError, "echo of this route's own action: it set assignee to \"qa@example.com\"") {
		t.Errorf("skip reason = %q, want the echo named", triage[1].LastError)
	}
	hook := h.routeDeliveries("bugs-to-hook")
	if len(hook) != 2 || hook[0].State != store.StateDelivered || hook[1].State != store.StateDelivered || hook[1].EventType != "issue.updated" {
		t.Errorf("bugs-to-hook deliveries:%s\nwant the creation and Turbo's update delivered", describe(hook))
	}
	if !strings.Contains(h.logs.String(), "loop guard: skipped the echo of this route's own action") {
		t.Error("the skipped echo was not logged")
	}
	h.checkSkipMetric("echo", 1)
}

func TestTurboHopLimitStopsTwoRouteCycle(t *testing.T) {
	// Each route answers the other's change with a change of its own, for
	// ever: the hop limit (4 on the connector) stops them.
	h := newTurboHarness(t, `
  - name: status-sets-priority
    events: ["issue.status_changed"]
    to: [{connector: turbo, action: set_priority, priority: '{{ if eq .data.current.priority "high" }}low{{ else }}high{{ end }}'}]
  - name: priority-sets-status
    events: ["issue.priority_changed"]
    to: [{connector: turbo, action: set_status, status: '{{ if eq .data.current.status "review" }}in_progress{{ else }}review{{ end }}'}]
`)
	h.postTurbo("issue-created-high.json", nil)
	h.settle()
	h.postUpdate(map[string]any{"status": "in_progress"})
	h.settle()

	if calls := h.turboCalls(); len(calls) != 4 {
		t.Errorf("Turbo received %d writes %v, want 4: the hop limit", len(calls), calls)
	}
	var stopped []*store.Delivery
	for _, route := range []string{"status-sets-priority", "priority-sets-status"} {
		for _, d := range h.routeDeliveries(route) {
			if d.State == store.StateSkipped {
				stopped = append(stopped, d)
			}
		}
	}
	if len(stopped) != 1 || !strings.Contains(stopped[0].LastError, "hop limit reached: 4 actions on issue:"+syncIssue) {
		t.Fatalf("skipped deliveries:%s\nwant one stopped by the hop limit", describe(stopped))
	}
	if !strings.Contains(stopped[0].LastError, "routes priority-sets-status, status-sets-priority") {
		t.Errorf("reason = %q, want both routes named", stopped[0].LastError)
	}
	if !strings.Contains(h.logs.String(), "loop guard: hop limit reached; action not taken") {
		t.Error("the stop was not logged")
	}
	h.checkSkipMetric("loop_limit", 1)
}

func TestTurboOnlyIfSkipsStaleRetry(t *testing.T) {
	h := newTurboHarness(t, `
  - name: triage-bugs
    events: ["issue.created"]
    where: {data.current.type: bug}
    to: [{connector: turbo, action: assign, assignee: qa@example.com, only_if: "current.assignee == null"}]
`)
	h.turbo.Fail(http.MethodPost, "issues/", 1, turbofake.Failure{Status: 503, Detail: "maintenance", RetryAfter: time.Second})
	h.postTurbo("issue-created-high.json", nil)
	waitUntil(t, "the first attempt to fail", func() bool {
		ds := h.routeDeliveries("triage-bugs")
		return len(ds) == 1 && ds[0].Attempts == 1
	})

	// Before the retry, someone takes the issue.
	h.postUpdate(map[string]any{"assignee": "dev@example.com"})
	h.settle()

	ds := h.routeDeliveries("triage-bugs")
	if len(ds) != 1 || ds[0].State != store.StateSkipped || !strings.Contains(ds[0].LastError, "only_if current.assignee == null is false") {
		t.Fatalf("deliveries:%s\nwant the retry skipped by only_if", describe(ds))
	}
	if issue, _ := h.turbo.Issue(syncIssue); issue.Assignee != "dev@example.com" {
		t.Errorf("assignee = %q, want the person's choice kept", issue.Assignee)
	}
	h.checkSkipMetric("condition", 1)
}

func TestTurboClosesLoopAfterGitHubClose(t *testing.T) {
	h := startTurboHarness(t, `
  - name: github-sync
    events: ["issue.*", "comment.*", "github.*"]
    to: [{connector: github}]
  - name: closed-from-github
    events: [issue.closed]
    if: actor.name == "switchboard"
    to:
      - {connector: turbo, action: comment, content: "Closed because its GitHub issue was closed."}
      - {connector: turbo, action: remove_tag, tag: in-review}
      - {connector: hook}
`, true)
	h.postTurbo("issue-created-high.json", nil)
	h.settle()
	tagReview(t, h)

	n := h.issueNumber()
	mustGH(t)(h.human.Issues.Edit(context.Background(), "acme", "web", n, &gh.IssueRequest{State: ptr("closed")}))
	h.settle()

	issue, _ := h.turbo.Issue(syncIssue)
	if issue.Status != "closed" || len(issue.Tags) != 0 {
		t.Errorf("Turbo issue: status %s tags %v, want closed without in-review", issue.Status, issue.Tags)
	}
	comments := h.turbo.Comments(syncIssue)
	if len(comments) != 1 || comments[0].AuthorName != "GitHub sync" || comments[0].AuthorType != "ai" {
		t.Fatalf("Turbo comments = %+v, want the closing note by GitHub sync (ai)", comments)
	}
	if got := h.github.Comments(syncRepo, n); len(got) != 1 {
		t.Errorf("GitHub comments = %d, want the closing note copied once", len(got))
	}
	if hook := h.routeDeliveries("closed-from-github"); len(hook) != 3 {
		t.Errorf("closed-from-github deliveries:%s\nwant the comment, the tag and the hook", describe(hook))
	}
	for _, d := range h.routeDeliveries("closed-from-github") {
		if d.State != store.StateDelivered {
			t.Errorf("closed-from-github %s: %s %s", d.Connector, d.State, d.LastError)
		}
	}
	if writes := h.mutations("switchboard-bot"); writes != 2 {
		t.Errorf("the bot made %d changes on GitHub, want 2 (the issue and the note): an echo went back", writes)
	}
}

func TestTurboCloseByPersonIsLeftAlone(t *testing.T) {
	h := startTurboHarness(t, `
  - name: closed-from-github
    events: [issue.closed]
    if: actor.name == "switchboard"
    to: [{connector: turbo, action: comment, content: "Closed because its GitHub issue was closed."}]
`, false)
	h.postTurbo("issue-created-high.json", nil)
	h.settle()
	h.postUpdate(map[string]any{"status": "closed"})
	h.settle()
	if ds := h.routeDeliveries("closed-from-github"); len(ds) != 0 {
		t.Errorf("a close by a person fired the route:%s", describe(ds))
	}
}

// tagReview gives the issue the in-review tag in the fake Turbo, as a person
// would.
func tagReview(t *testing.T, h *turboHarness) {
	t.Helper()
	client, err := turboapi.New(turboapi.Options{BaseURL: h.turbo.URL(), Token: "turbo-api-token"})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.AddTag(context.Background(), syncIssue, reviewTag); err != nil {
		t.Fatal(err)
	}
}
