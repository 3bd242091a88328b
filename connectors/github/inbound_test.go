package github

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestSameSecondEditsKeepNewer(t *testing.T) {
	for _, reversed := range []bool{false, true} {
		name := map[bool]string{false: "in order", true: "newest first"}[reversed]
		t.Run(name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, nil)
			h.linkIssue(c)
			person := h.human()
			ctx := context.Background()

			h.clock.Advance(time.Minute)
			editTitle(t, person, "[TURBO-42] Older title")
			h.clock.Advance(300 * time.Millisecond)
			editTitle(t, person, "[TURBO-42] Newer title")
			events := h.take(c)
			if len(events) != 2 {
				t.Fatalf("got %d webhooks, want 2 edits", len(events))
			}
			if reversed {
				events[0], events[1] = events[1], events[0]
			}
			for _, ev := range events {
				if result := h.deliver(ctx, ev, nil); result.Outcome == sdk.OutcomeRetry || result.Outcome == sdk.OutcomePermanent {
					t.Fatalf("Deliver %s = %v (%s)", ev.Type, result.Outcome, result.Reason)
				}
			}

			issue, _ := h.turbo.Issue(testIssue)
			if issue.Title != "Newer title" {
				t.Errorf("Turbo title = %q, want the newer edit", issue.Title)
			}
		})
	}
}

func editTitle(t *testing.T, person *gh.Client, title string) {
	t.Helper()
	if _, _, err := person.Issues.Edit(context.Background(), "acme", "web", 1, &gh.IssueRequest{Title: &title}); err != nil {
		t.Fatalf("edit the title on GitHub: %v", err)
	}
}

func TestSameSecondChangesAllApplied(t *testing.T) {
	for _, reversed := range []bool{false, true} {
		name := map[bool]string{false: "in order", true: "newest first"}[reversed]
		t.Run(name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, nil)
			h.linkIssue(c)
			person := h.human()
			ctx := context.Background()

			h.clock.Advance(time.Minute)
			editTitle(t, person, "[TURBO-42] First title")
			h.clock.Advance(300 * time.Millisecond)
			closed, title := "closed", "[TURBO-42] Second title"
			change := &gh.IssueRequest{State: &closed, Title: &title, Labels: &[]string{"bug", "priority: low"}, Assignees: &[]string{"lead"}}
			if _, _, err := person.Issues.Edit(ctx, "acme", "web", 1, change); err != nil {
				t.Fatal(err)
			}
			events := h.take(c)
			if reversed {
				slices.Reverse(events)
			}
			for _, ev := range events {
				if result := h.deliver(ctx, ev, nil); result.Outcome == sdk.OutcomeRetry || result.Outcome == sdk.OutcomePermanent {
					t.Fatalf("Deliver %s = %v (%s)", ev.Type, result.Outcome, result.Reason)
				}
			}

			issue, _ := h.turbo.Issue(testIssue)
			if issue.Status != "closed" {
				t.Errorf("Turbo status = %s, want closed", issue.Status)
			}
			if issue.Title != "Second title" {
				t.Errorf("Turbo title = %q, want Second title", issue.Title)
			}
			if issue.Priority != "low" {
				t.Errorf("Turbo priority = %q, want low", issue.Priority)
			}
			if issue.Assignee != "lead@example.com" {
				t.Errorf("Turbo assignee = %q, want lead@example.com", issue.Assignee)
			}
		})
	}
}

func TestTurboEchoesOfTwoWritesNotSentBack(t *testing.T) {
	c, opts := startCollector(t)
	h := newHarness(t, opts, nil)
	h.linkIssue(c)
	person := h.human()

	h.clock.Advance(time.Minute)
	editTitle(t, person, "[TURBO-42] Title A")
	h.clock.Advance(time.Minute)
	editTitle(t, person, "[TURBO-42] Title B")
	for _, ev := range h.take(c) {
		h.mustDeliver(ev, sdk.OutcomeDelivered)
	}
	edits := len(h.requests("PATCH", "/issues/1"))

	// Turbo's webhooks for the two writes arrive after both were made. The
	// clock did not move between the writes, so both carry its time.
	written := h.clock.Now()
	for _, title := range []string{"Title A", "Title B"} {
		result := h.mustDeliver(turboUpdate(t, "title", title, written), sdk.OutcomeSkipped)
		if !strings.Contains(result.Reason, "echo") {
			t.Errorf("echo of %q: reason %q, want it named an echo", title, result.Reason)
		}
	}
	if n := len(h.requests("PATCH", "/issues/1")) - edits; n != 0 {
		t.Errorf("the echoes sent %d edits to GitHub, want none", n)
	}
	if issue, _ := h.github.Issue(testRepo, 1); issue.Title != "[TURBO-42] Title B" {
		t.Errorf("GitHub title = %q, want Title B", issue.Title)
	}

	// A later change back to an echoed value is a person's change again.
	h.clock.Advance(time.Minute)
	h.mustDeliver(turboUpdate(t, "title", "Title A", h.clock.Now()), sdk.OutcomeDelivered)
	if issue, _ := h.github.Issue(testRepo, 1); issue.Title != "[TURBO-42] Title A" {
		t.Errorf("GitHub title = %q after Turbo set it back, want Title A", issue.Title)
	}
}

// turboUpdate returns Turbo's issue.updated event for the fixture issue with
// one field changed at updatedAt.
func turboUpdate(t testing.TB, field string, value any, updatedAt time.Time) sdk.Event {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["event_type"], doc["action"] = "issue.updated", "updated"
	doc["event_id"] = fmt.Sprintf("evt_update_%s_%v_%d", field, value, updatedAt.UnixNano())
	data := doc["data"].(map[string]any)
	data["current"].(map[string]any)[field] = value
	data["current"].(map[string]any)["updated_at"] = updatedAt.UTC().Format(time.RFC3339Nano)
	data["changes"] = []string{field}
	raw, _ = json.Marshal(doc)
	return connectortest.ParseEvent(t, raw)
}

func TestAddedPriorityLabelWins(t *testing.T) {
	c, opts := startCollector(t)
	h := newHarness(t, opts, nil)
	h.linkIssue(c)
	person := h.human()

	// The issue has "priority: high"; a person adds "priority: low", which
	// sorts after it.
	h.clock.Advance(time.Minute)
	if _, _, err := person.Issues.AddLabelsToIssue(context.Background(), "acme", "web", 1, []string{"priority: low"}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range h.take(c) {
		h.mustDeliver(ev, sdk.OutcomeDelivered)
	}

	if issue, _ := h.turbo.Issue(testIssue); issue.Priority != "low" {
		t.Errorf("Turbo priority = %q, want low, the added label", issue.Priority)
	}
	if issue, _ := h.github.Issue(testRepo, 1); strings.Join(issue.Labels, ",") != "bug,priority: low" {
		t.Errorf("GitHub labels = %v, want priority: high removed", issue.Labels)
	}
	for _, ev := range h.take(c) {
		h.mustDeliver(ev, sdk.OutcomeSkipped)
	}
}

// TestOtherEventWithIssueBodyNotApplied sends the body of an issues or
// issue_comment webhook under another X-GitHub-Event: its issue or comment
// is not what changed, so nothing reaches Turbo.
func TestOtherEventWithIssueBodyNotApplied(t *testing.T) {
	cases := []struct{ name, githubEvent, original string }{
		{"star with an issues edited body", "star", "issues"},
		{"fork with an issues edited body", "fork", "issues"},
		{"discussion_comment with an issue_comment body", "discussion_comment", "issue_comment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, nil)
			h.linkIssue(c)
			person := h.human()
			before, _ := h.turbo.Issue(testIssue)

			h.clock.Advance(time.Minute)
			editTitle(t, person, "[TURBO-42] STARRED TITLE")
			if _, _, err := person.Issues.CreateComment(context.Background(), "acme", "web", 1, &gh.IssueComment{Body: gh.String("not a comment change")}); err != nil {
				t.Fatal(err)
			}
			h.take(c)
			raw := lastWebhook(t, c, tc.original)

			ev := webhookEvent(t, tc.githubEvent, raw)
			result := h.mustDeliver(ev, sdk.OutcomeSkipped)
			if !strings.Contains(result.Reason, ev.Type) {
				t.Errorf("reason %q, want it to name the event type %s", result.Reason, ev.Type)
			}
			after, _ := h.turbo.Issue(testIssue)
			if after.Title != before.Title || len(h.turbo.Comments(testIssue)) != 0 {
				t.Errorf("Turbo issue title %q and %d comments, want %q and none", after.Title, len(h.turbo.Comments(testIssue)), before.Title)
			}
		})
	}
}

// lastWebhook returns the body of the last webhook of a GitHub event the
// collector received.
func lastWebhook(t *testing.T, c *hookCollector, githubEvent string) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.bodies) - 1; i >= 0; i-- {
		if c.bodies[i].event == githubEvent {
			return c.bodies[i].body
		}
	}
	t.Fatalf("no %s webhook received", githubEvent)
	return nil
}

func TestPingSkippedNamingItsType(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	ev := webhookEvent(t, "ping", []byte(`{"zen":"Keep it logically awesome.","hook_id":1,"repository":{"full_name":"acme/web"}}`))

	result := h.mustDeliver(ev, sdk.OutcomeSkipped)

	if !strings.Contains(result.Reason, "a github.ping event has nothing to sync") {
		t.Errorf("reason %q, want it to name the event type github.ping", result.Reason)
	}
}
