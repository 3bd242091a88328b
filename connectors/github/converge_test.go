package github

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// turboEdit changes the title of the fixture issue in the fake Turbo, as a
// person does, and returns Turbo's issue.updated event for the change.
func (h *harness) turboEdit(title string) sdk.Event {
	h.t.Helper()
	client, err := turboapi.New(turboapi.Options{BaseURL: h.turbo.URL(), Token: "turbo-token"})
	if err != nil {
		h.t.Fatal(err)
	}
	issue, err := client.UpdateIssue(context.Background(), testIssue, turboapi.IssueUpdate{Title: &title})
	if err != nil {
		h.t.Fatalf("edit the title in Turbo: %v", err)
	}
	return turboUpdate(h.t, "title", title, issue.UpdatedAt)
}

// turboEcho returns Turbo's issue.updated event for the fake Turbo's current
// title, as Turbo sends it after the sync wrote the title.
func (h *harness) turboEcho() sdk.Event {
	h.t.Helper()
	issue, _ := h.turbo.Issue(testIssue)
	return turboUpdate(h.t, "title", issue.Title, issue.UpdatedAt)
}

// TestTitleEditedOnBothSidesConverges edits the title on GitHub and in Turbo
// before the sync carried either edit over, and delivers the two events in
// both orders. The later edit must win on both sides.
func TestTitleEditedOnBothSidesConverges(t *testing.T) {
	cases := []struct {
		name string
		// turboFirst makes the Turbo edit 1.5s before the GitHub edit, else
		// it comes 300ms after the GitHub edit, in the same GitHub second.
		turboFirst bool
		// webhookFirst delivers GitHub's webhook before Turbo's event.
		webhookFirst bool
		want         string
	}{
		{"turbo later, webhook first", false, true, "from Turbo"},
		{"turbo later, turbo event first", false, false, "from Turbo"},
		{"github later, webhook first", true, true, "from GitHub"},
		{"github later, turbo event first", true, false, "from GitHub"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, nil)
			h.linkIssue(c)
			person := h.human()
			h.clock.Advance(time.Minute)

			var turboEvent sdk.Event
			if tc.turboFirst {
				turboEvent = h.turboEdit("from Turbo")
				h.clock.Advance(1500 * time.Millisecond)
				editTitle(t, person, "[TURBO-42] from GitHub")
			} else {
				editTitle(t, person, "[TURBO-42] from GitHub")
				h.clock.Advance(300 * time.Millisecond)
				turboEvent = h.turboEdit("from Turbo")
			}
			webhooks := h.take(c)
			if len(webhooks) != 1 {
				t.Fatalf("got %d webhooks, want the edit's", len(webhooks))
			}

			events := []sdk.Event{turboEvent, webhooks[0]}
			if tc.webhookFirst {
				events = []sdk.Event{webhooks[0], turboEvent}
			}
			for _, ev := range events {
				h.deliverSettled(ev)
			}
			// The sync's own writes come back: the bot's webhooks from
			// GitHub and Turbo's event for a title the sync wrote.
			for _, ev := range h.take(c) {
				h.deliverSettled(ev)
			}
			h.deliverSettled(h.turboEcho())

			turbo, _ := h.turbo.Issue(testIssue)
			github, _ := h.github.Issue(testRepo, 1)
			if turbo.Title != tc.want {
				t.Errorf("Turbo title = %q, want %q", turbo.Title, tc.want)
			}
			if github.Title != "[TURBO-42] "+tc.want {
				t.Errorf("GitHub title = %q, want %q", github.Title, "[TURBO-42] "+tc.want)
			}
		})
	}
}

// deliverSettled delivers ev and fails the test on a retry or a permanent
// failure.
func (h *harness) deliverSettled(ev sdk.Event) sdk.Result {
	h.t.Helper()
	result := h.deliver(context.Background(), ev, nil)
	if result.Outcome == sdk.OutcomeRetry || result.Outcome == sdk.OutcomePermanent {
		h.t.Fatalf("Deliver %s = %v (%s)\nlogs:\n%s", ev.Type, result.Outcome, result.Reason, h.logs)
	}
	return result
}

func TestLaterGitHubEditNamedInSkip(t *testing.T) {
	c, opts := startCollector(t)
	h := newHarness(t, opts, nil)
	h.linkIssue(c)
	person := h.human()

	h.clock.Advance(time.Minute)
	turboEvent := h.turboEdit("from Turbo")
	h.clock.Advance(2 * time.Second)
	editTitle(t, person, "[TURBO-42] from GitHub")
	h.take(c)

	result := h.mustDeliver(turboEvent, sdk.OutcomeSkipped)
	if !strings.Contains(result.Reason, "GitHub's value wins") {
		t.Errorf("reason %q, want it to say that GitHub's later change wins", result.Reason)
	}
	if n := h.botEdits(); n != 0 {
		t.Errorf("Turbo's older edit was sent to GitHub (%d edits)", n)
	}
}

func TestOldTurboSnapshotNotApplied(t *testing.T) {
	cases := []struct {
		name  string
		event func(t *testing.T) sdk.Event
	}{
		{"replayed create", func(t *testing.T) sdk.Event { return turboEvent(t, "issue-created-high.json", nil) }},
		{"late update", func(t *testing.T) sdk.Event {
			return turboEvent(t, "issue-updated-status.json", func(c map[string]any) {
				c["priority"], c["updated_at"] = "low", "2026-12-02T09:00:00Z"
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, githubfake.Options{}, nil)
			h.mustDeliver(turboEvent(t, "issue-created-high.json", nil), sdk.OutcomeDelivered)
			h.mustDeliver(turboEvent(t, "issue-updated-status.json", nil), sdk.OutcomeDelivered)
			before, _ := h.github.Issue(testRepo, 1)
			edits := h.botEdits()

			result := h.mustDeliver(tc.event(t), sdk.OutcomeSkipped)
			if !strings.Contains(result.Reason, "older than the value last synced") {
				t.Errorf("reason %q, want it to name the older snapshot", result.Reason)
			}
			if n := h.botEdits() - edits; n != 0 {
				t.Errorf("the old snapshot sent %d edits to GitHub", n)
			}
			after, _ := h.github.Issue(testRepo, 1)
			if strings.Join(after.Labels, ",") != strings.Join(before.Labels, ",") || after.Title != before.Title {
				t.Errorf("GitHub issue changed from %+v to %+v", before, after)
			}
		})
	}
}

// botEdits counts the edits of issue 1 that the connector sent to GitHub.
func (h *harness) botEdits() int {
	n := 0
	for _, r := range h.requests("PATCH", "/issues/1") {
		if r.Login == botLogin {
			n++
		}
	}
	return n
}
