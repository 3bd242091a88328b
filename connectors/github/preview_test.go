package github

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk"
)

// githubSample converts a webhook body of testdata/github into the event
// ingest stores for it.
func githubSample(t *testing.T, eventName, file string) sdk.Event {
	t.Helper()
	body, err := os.ReadFile("../../testdata/github/" + file)
	if err != nil {
		t.Fatal(err)
	}
	in, err := event.FromGitHubWebhook(eventName, "5f1e3c2a-0b4d-11f0-9c3e-1a2b3c4d5e6f", body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	env := in.Envelope
	return sdk.Event{ID: env.EventID, Type: env.EventType, EntityType: env.EntityType, EntityID: env.EntityID,
		Action: env.Action, Envelope: in.Body}
}

func TestPreview(t *testing.T) {
	tests := []struct {
		name   string
		change func(cfg map[string]any)
		event  func(t *testing.T) sdk.Event
		target sdk.Params
		want   []string
	}{
		{name: "new Turbo issue", event: func(t *testing.T) sdk.Event { return turboEvent(t, "issue-created-high.json", nil) },
			want: []string{"POST http://127.0.0.1", "/repos/acme/web/issues  (creates the GitHub issue when TURBO-42 has none yet",
				"PATCH http://127.0.0.1", "title: [TURBO-42] Login fails with 500 after password reset",
				"labels: bug, priority: high", "assignee: none", "state: open",
				"body:\n  Steps: reset password", "  Synced with [TURBO-42](https://turbo.example/issues/TURBO-42) in Turbo.",
				"  " + issueMarker(testIssue)}},
		{name: "closed Turbo issue", event: func(t *testing.T) sdk.Event { return turboEvent(t, "issue-closed.json", nil) },
			want: []string{"state: closed (state reason completed"}},
		{name: "description owned by GitHub", change: func(cfg map[string]any) { cfg["ownership"] = map[string]string{"description": "github"} },
			event: func(t *testing.T) sdk.Event { return turboEvent(t, "issue-created-high.json", nil) },
			want:  []string{"description: not sent (ownership.description: github)"}},
		{name: "one way to Turbo", change: func(cfg map[string]any) { cfg["direction"] = "github_to_turbo" },
			event: func(t *testing.T) sdk.Event { return turboEvent(t, "issue-created-high.json", nil) },
			want:  []string{"nothing is sent: direction is github_to_turbo"}},
		{name: "unmapped project", event: func(t *testing.T) sdk.Event {
			return turboEvent(t, "issue-created-high.json", func(c map[string]any) { c["project_id"] = otherProject })
		}, want: []string{"nothing is sent: project " + otherProject + " is not mapped"}},
		{name: "Turbo comment", event: func(t *testing.T) sdk.Event { return turboEvent(t, "comment-created.json", nil) },
			want: []string{"/repos/acme/web/issues/{number}/comments  (on the GitHub issue linked to Turbo issue " + testIssue,
				`**dev\@example.com** wrote in Turbo:`, "Reproduced on staging."}},
		{name: "repository_dispatch", event: func(t *testing.T) sdk.Event { return turboEvent(t, "issue-updated-status.json", nil) },
			target: sdk.Params{"action": "repository_dispatch", "event_type": "run-tests"},
			want:   []string{"/repos/acme/web/dispatches", `{"event_type": "run-tests", "client_payload": {"event": <the event's envelope,`}},
		{name: "GitHub title edit", event: func(t *testing.T) sdk.Event { return githubSample(t, "issues", "issues-edited.json") },
			want: []string{"writes into the Turbo issue linked to acme/web#12", "PUT turbo-api/issues/{id} title: Login fails with 500 after password reset",
				"PUT turbo-api/issues/{id} description:\n  Steps: reset password, log in with the new one."}},
		{name: "GitHub comment", event: func(t *testing.T) sdk.Event { return githubSample(t, "issue_comment", "issue_comment-created.json") },
			want: []string{"POST turbo-api/comments/  (on the Turbo issue linked to acme/web#12, as octocat (GitHub)",
				"content:\n  Seen on staging too.", "  <!-- switchboard:github-comment:9001 -->"}},
		{name: "GitHub change by the bot", change: func(cfg map[string]any) { cfg["login"] = "octocat" },
			event: func(t *testing.T) sdk.Event { return githubSample(t, "issues", "issues-edited.json") },
			want:  []string{"nothing is sent: the change was made by Switchboard's own account octocat"}},
		{name: "GitHub comment owned by Turbo", change: func(cfg map[string]any) { cfg["ownership"] = map[string]string{"comments": "turbo"} },
			event: func(t *testing.T) sdk.Event { return githubSample(t, "issue_comment", "issue_comment-created.json") },
			want:  []string{"nothing is sent: comments are not sent to Turbo"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, githubfake.Options{}, tc.change)
			h.inst.turboURL = "turbo-api"
			req := &sdk.DeliveryRequest{DeliveryID: "dlv_preview", Attempt: 1, Events: []sdk.Event{tc.event(t)}, Target: tc.target}

			preview, err := h.inst.Preview(context.Background(), req)

			if err != nil {
				t.Fatalf("Preview: %v", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(preview, want) {
					t.Errorf("preview lacks %q:\n%s", want, preview)
				}
			}
			if strings.Contains(preview, testToken) || strings.Contains(preview, testSecret) {
				t.Errorf("preview shows a secret:\n%s", preview)
			}
			if n := len(h.github.Requests()) + len(h.turbo.Requests()); n != 0 {
				t.Errorf("Preview sent %d requests", n)
			}
		})
	}
}

func TestPreviewRejectsEventWithoutIssue(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	ev := turboEvent(t, "issue-created-high.json", func(c map[string]any) { delete(c, "id") })
	if _, err := h.inst.Preview(context.Background(), &sdk.DeliveryRequest{Events: []sdk.Event{ev}}); err == nil ||
		!strings.Contains(err.Error(), "no Turbo issue with an id") {
		t.Errorf("Preview of an issue without id: %v, want an error naming the missing id", err)
	}
}
