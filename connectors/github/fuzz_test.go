package github

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk"
)

// FuzzInboundWebhook converts arbitrary GitHub webhook bodies into github.*
// events as ingest does, and delivers each one as the host would, with the
// stored link of the issue it names, to a fake GitHub and a fake Turbo.
// laterState selects the link as it is after the seed webhooks up to a
// comment's deletion were synced (fields recorded, the comment copied)
// instead of the link just made. The fakes never fail, so every outcome must be final; a result
// that stores state must store the same link; and no reason or log line may
// show the token, the webhook secret or Turbo's token.
func FuzzInboundWebhook(f *testing.F) {
	fx := newInboundFuzz(f)
	for _, w := range fx.seeds {
		f.Add(w.event, w.body, false)
		f.Add(w.event, w.body, true)
	}

	f.Fuzz(func(t *testing.T, eventName string, body []byte, laterState bool) {
		in, err := event.FromGitHubWebhook(eventName, "72d3162e-cc78-11e3-81ab-4c9367dc0958", body, testStart)
		if err != nil {
			return
		}
		result, logs := fx.deliver(t, in, laterState)
		checkInboundResult(t, result, logs)
	})
}

// FuzzInboundWebhookFields is FuzzInboundWebhook with valid JSON always: it
// takes one of the seed webhooks and replaces the fields the sync reads
// (the action, the issue's title, body, labels, assignee and updated_at, and
// the comment's body and updated_at) with arbitrary values, so that the
// inputs reach the comparisons and writes behind the JSON decoding.
// labels is a comma-separated list of label names.
func FuzzInboundWebhookFields(f *testing.F) {
	fx := newInboundFuzz(f)
	for i, w := range fx.seeds {
		fields := fieldsOf(f, w.body)
		f.Add(uint8(i), fields.action, fields.title, fields.body, fields.labels, fields.assignee, fields.comment, fields.updatedAt, i%2 == 0)
	}

	f.Fuzz(func(t *testing.T, seed uint8, action, title, body, labels, assignee, comment, updatedAt string, laterState bool) {
		w := fx.seeds[int(seed)%len(fx.seeds)]
		edited := webhookFields{action: action, title: title, body: body, labels: labels, assignee: assignee,
			comment: comment, updatedAt: updatedAt}.apply(t, w.body)
		in, err := event.FromGitHubWebhook(w.event, "72d3162e-cc78-11e3-81ab-4c9367dc0958", edited, testStart)
		if err != nil {
			return
		}
		result, logs := fx.deliver(t, in, laterState)
		checkInboundResult(t, result, logs)
	})
}

// checkInboundResult checks what every delivery of a GitHub webhook must
// hold. The fakes never fail, so the outcome is final. A stored state is the
// same link. No reason or log line shows a secret.
func checkInboundResult(t *testing.T, result sdk.Result, logs string) {
	t.Helper()
	switch result.Outcome {
	case sdk.OutcomeDelivered, sdk.OutcomeSkipped:
	case sdk.OutcomePermanent:
		if result.Reason == "" {
			t.Fatal("a permanent failure without a reason")
		}
	default:
		t.Fatalf("outcome %v (%s), but the fakes never fail", result.Outcome, result.Reason)
	}
	if result.UpdateState {
		checkSameLink(t, result.State)
	}
	for _, secret := range []string{testToken, testSecret, fuzzTurboToken} {
		if strings.Contains(result.Reason+result.Response+logs, secret) {
			t.Fatalf("the result or the log shows a secret of %d characters:\n%s\n%s", len(secret), result.Reason, logs)
		}
	}
}

// webhookFields are the values of a webhook that the sync reads.
type webhookFields struct {
	action, title, body, labels, assignee, comment, updatedAt string
}

// fieldsOf reads the fields of a webhook body.
func fieldsOf(f *testing.F, body []byte) webhookFields {
	var w struct {
		Action  string           `json:"action"`
		Issue   *gh.Issue        `json:"issue"`
		Comment *gh.IssueComment `json:"comment"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		f.Fatalf("read a seed webhook: %v", err)
	}
	fields := webhookFields{action: w.Action, title: w.Issue.GetTitle(), body: w.Issue.GetBody(),
		updatedAt: w.Issue.GetUpdatedAt().Format(time.RFC3339), comment: w.Comment.GetBody()}
	var labels []string
	for _, label := range w.Issue.Labels {
		labels = append(labels, label.GetName())
	}
	fields.labels = strings.Join(labels, ",")
	if len(w.Issue.Assignees) > 0 {
		fields.assignee = w.Issue.Assignees[0].GetLogin()
	}
	return fields
}

// apply returns body with the fields replaced. An empty assignee or label
// list leaves the issue without any.
func (fields webhookFields) apply(t *testing.T, body []byte) []byte {
	var payload map[string]any
	if err := json.Unmarshal(body, &payload); err != nil {
		t.Fatalf("read a seed webhook: %v", err)
	}
	payload["action"] = fields.action
	if issue, ok := payload["issue"].(map[string]any); ok {
		issue["title"], issue["body"], issue["updated_at"] = fields.title, fields.body, fields.updatedAt
		labels := []map[string]any{}
		for _, name := range strings.Split(fields.labels, ",") {
			if name != "" {
				labels = append(labels, map[string]any{"name": name})
			}
		}
		issue["labels"] = labels
		issue["assignees"] = []map[string]any{}
		if fields.assignee != "" {
			issue["assignees"] = []map[string]any{{"login": fields.assignee, "type": "User"}}
		}
	}
	if comment, ok := payload["comment"].(map[string]any); ok {
		comment["body"], comment["updated_at"] = fields.comment, fields.updatedAt
	}
	edited, err := json.Marshal(payload)
	if err != nil {
		t.Fatalf("encode the edited webhook: %v", err)
	}
	return edited
}

// fuzzTurboToken is the Turbo API token of the harness.
const fuzzTurboToken = "turbo-token"

// inboundFuzz is the fixture of FuzzInboundWebhook: one instance against the
// fakes, the webhooks the fake GitHub sent for a person's changes, and the
// stored link before and after they were synced.
type inboundFuzz struct {
	h         *harness
	seeds     []rawWebhook
	linkedKey string
	states    map[bool][]byte
}

// newInboundFuzz links the fixture issue, makes a person's changes on
// GitHub and collects their webhooks as seeds, then syncs them up to the
// comment's deletion to record the later link.
func newInboundFuzz(f *testing.F) *inboundFuzz {
	c, opts := startCollector(f)
	opts.PrimaryLimit, opts.ContentPerMinute, opts.ContentPerHour = 1<<30, 1<<30, 1<<30
	h := newHarness(fakeLogTB{f}, opts, nil)
	h.linkIssue(c)
	fx := &inboundFuzz{h: h, linkedKey: h.resolve("github_issue:" + testRepo + "#1"), states: map[bool][]byte{}}
	fx.states[false] = h.states[fx.linkedKey]

	c.mu.Lock()
	c.bodies = nil
	c.mu.Unlock()
	h.clock.Advance(time.Minute)
	makePersonChanges(f, h.human())
	events := h.take(c)
	for _, ev := range events {
		if ev.Action == "deleted" {
			break // the later link keeps the comment's copy, for the deletion to find
		}
		h.deliver(context.Background(), ev, nil)
	}
	fx.states[true] = h.states[fx.linkedKey]

	c.mu.Lock()
	fx.seeds = append(fx.seeds, c.bodies...)
	c.mu.Unlock()
	fx.seeds = append(fx.seeds, githubSamples(f)...)
	return fx
}

// makePersonChanges edits, closes, reopens, labels and assigns issue 1 on
// GitHub, and writes, edits and deletes a comment on it.
func makePersonChanges(f *testing.F, person *gh.Client) {
	ctx := context.Background()
	title, body, closed, open := "[TURBO-42] Title from GitHub", "Body from GitHub.\r\n\r\n- [ ] a task", "closed", "open"
	comment := "Reproduced on **staging**."
	edited := "Reproduced on staging and production."
	steps := []struct {
		name string
		call func() error
	}{
		{"edit", func() error {
			_, _, err := person.Issues.Edit(ctx, "acme", "web", 1, &gh.IssueRequest{Title: &title, Body: &body})
			return err
		}},
		{"close", func() error {
			_, _, err := person.Issues.Edit(ctx, "acme", "web", 1, &gh.IssueRequest{State: &closed})
			return err
		}},
		{"reopen", func() error {
			_, _, err := person.Issues.Edit(ctx, "acme", "web", 1, &gh.IssueRequest{State: &open})
			return err
		}},
		{"label", func() error {
			_, _, err := person.Issues.AddLabelsToIssue(ctx, "acme", "web", 1, []string{"priority: low"})
			return err
		}},
		{"unlabel", func() error { _, err := person.Issues.RemoveLabelForIssue(ctx, "acme", "web", 1, "bug"); return err }},
		{"assign", func() error {
			_, _, err := person.Issues.AddAssignees(ctx, "acme", "web", 1, []string{"lead"})
			return err
		}},
		{"comment", func() error {
			created, _, err := person.Issues.CreateComment(ctx, "acme", "web", 1, &gh.IssueComment{Body: &comment})
			if err != nil {
				return err
			}
			if _, _, err := person.Issues.EditComment(ctx, "acme", "web", created.GetID(), &gh.IssueComment{Body: &edited}); err != nil {
				return err
			}
			_, err = person.Issues.DeleteComment(ctx, "acme", "web", created.GetID())
			return err
		}},
	}
	for _, step := range steps {
		if err := step.call(); err != nil {
			f.Fatalf("%s on GitHub: %v", step.name, err)
		}
	}
}

// githubSamples returns the webhook bodies of testdata/github, whose file
// names start with their X-GitHub-Event.
func githubSamples(f *testing.F) []rawWebhook {
	paths, err := filepath.Glob("../../testdata/github/*.json")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no GitHub samples in testdata/github (%v)", err)
	}
	var out []rawWebhook
	for _, path := range paths {
		body, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		name, _, _ := strings.Cut(filepath.Base(path), "-")
		out = append(out, rawWebhook{event: name, body: body})
	}
	return out
}

// deliver delivers one converted webhook with the stored link when it names
// the linked issue, as the host does, and returns the result and the log
// lines the delivery wrote.
func (fx *inboundFuzz) deliver(t *testing.T, in *event.Incoming, laterState bool) (sdk.Result, string) {
	env := in.Envelope
	ev := sdk.Event{ID: env.EventID, Type: env.EventType, EntityType: env.EntityType, EntityID: env.EntityID,
		Action: env.Action, Envelope: in.Body}
	key := fx.h.resolve(entityKeyOf(t, ev))
	var state []byte
	if key == fx.linkedKey {
		state = fx.states[laterState]
	}

	var logs bytes.Buffer
	fx.h.inst.log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_fuzz", Attempt: 1, Events: []sdk.Event{ev}, EntityKey: key, State: state}
	return fx.h.inst.Deliver(ctx, req), logs.String()
}

// checkSameLink checks that a result stores the link of the fixture issue:
// no webhook may point it at another issue on either side.
func checkSameLink(t *testing.T, state []byte) {
	t.Helper()
	l, err := decodeLink(state)
	if err != nil || l == nil {
		t.Fatalf("the result stores state that is no link (%v): %s", err, state)
	}
	if l.TurboID != testIssue || l.Repo != testRepo || l.Number != 1 {
		t.Fatalf("the result links Turbo issue %s to %s#%d, want %s to %s#1", l.TurboID, l.Repo, l.Number, testIssue, testRepo)
	}
}

// fakeLogTB lets the fakes, which log through the testing.TB they were
// started with, serve requests inside a fuzz target, where the F's own Log
// and Helper methods panic. Their log lines are dropped.
type fakeLogTB struct{ testing.TB }

func (fakeLogTB) Helper()             {}
func (fakeLogTB) Log(...any)          {}
func (fakeLogTB) Logf(string, ...any) {}
