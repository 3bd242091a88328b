package github

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk"
)

// humanToken is the token of "octocat", the person who works on GitHub in
// the tests.
const humanToken = "ghp_octocat"

// hookCollector receives the fake GitHub's webhooks, so that a test can
// deliver them as events in any order.
type hookCollector struct {
	srv *httptest.Server

	mu     sync.Mutex
	events []sdk.Event
	errs   []error
	// bodies are the webhooks as received, oldest first.
	bodies []rawWebhook
}

// rawWebhook is a webhook's X-GitHub-Event header and body.
type rawWebhook struct {
	event string
	body  []byte
}

// startCollector returns a collector and the fake's options that send to it.
func startCollector(t testing.TB) (*hookCollector, githubfake.Options) {
	t.Helper()
	c := &hookCollector{}
	c.srv = httptest.NewServer(http.HandlerFunc(c.receive))
	t.Cleanup(c.srv.Close)
	return c, githubfake.Options{WebhookURL: c.srv.URL, WebhookSecret: testSecret}
}

// receive converts a webhook into an event as ingest does.
func (c *hookCollector) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	in, err := event.FromGitHubWebhook(r.Header.Get("X-GitHub-Event"), r.Header.Get("X-GitHub-Delivery"), body, time.Now())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodies = append(c.bodies, rawWebhook{event: r.Header.Get("X-GitHub-Event"), body: body})
	if err != nil {
		c.errs = append(c.errs, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.events = append(c.events, sdkEvent(in))
	w.WriteHeader(http.StatusAccepted)
}

// sdkEvent is the event a connector gets for an incoming event.
func sdkEvent(in *event.Incoming) sdk.Event {
	return sdk.Event{ID: in.Envelope.EventID, Type: in.Envelope.EventType, EntityType: in.Envelope.EntityType,
		EntityID: in.Envelope.EntityID, Action: in.Envelope.Action, Envelope: in.Body}
}

// webhookEvent converts a webhook body sent as githubEvent into an event as
// ingest does.
func webhookEvent(t *testing.T, githubEvent string, body []byte) sdk.Event {
	t.Helper()
	in, err := event.FromGitHubWebhook(githubEvent, "delivery-1", body, time.Now())
	if err != nil {
		t.Fatalf("convert the %s webhook: %v", githubEvent, err)
	}
	return sdkEvent(in)
}

// take waits for the fake's queued webhooks and returns the events received
// since the last take, oldest first.
func (h *harness) take(c *hookCollector) []sdk.Event {
	h.t.Helper()
	if !h.github.WaitWebhooks(5 * time.Second) {
		h.t.Fatal("the fake GitHub's webhooks were not sent within 5s")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) > 0 {
		h.t.Fatalf("webhooks not converted: %v", c.errs)
	}
	events := c.events
	c.events = nil
	return events
}

// human returns a go-github client of octocat, a person who works on GitHub.
func (h *harness) human() *gh.Client {
	h.github.AddUser("octocat", humanToken, "User")
	client := gh.NewClient(nil).WithAuthToken(humanToken)
	client.BaseURL, _ = client.BaseURL.Parse(h.github.URL())
	return client
}

// linkIssue creates the GitHub issue of the Turbo fixture issue, links it and
// drops the webhooks of the create, which the bot made.
func (h *harness) linkIssue(c *hookCollector) {
	h.t.Helper()
	h.linkCreated(c, turboEvent(h.t, "issue-created-high.json", nil))
}

// linkCreated stores the issue of an issue.created event in the fake Turbo,
// delivers the event and drops the webhooks of the create.
func (h *harness) linkCreated(c *hookCollector, created sdk.Event) {
	h.t.Helper()
	var env struct {
		Data struct {
			Current json.RawMessage `json:"current"`
		} `json:"data"`
	}
	json.Unmarshal(created.Envelope, &env)
	if err := h.turbo.PutIssue(env.Data.Current); err != nil {
		h.t.Fatal(err)
	}
	h.mustDeliver(created, sdk.OutcomeDelivered)
	h.take(c)
}
