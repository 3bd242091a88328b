package github

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk"
)

func TestTurboIssueLifecycleOnGitHub(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)

	created := h.mustDeliver(turboEvent(t, "issue-created-high.json", nil), sdk.OutcomeDelivered)
	if created.ExternalRef != testRepo+"#1" || len(created.StateAliases) == 0 || created.StateAliases[0] != "github_issue:acme/web#1" {
		t.Fatalf("create: ref %q aliases %v, want acme/web#1 and its issue key as alias", created.ExternalRef, created.StateAliases)
	}
	issue, _ := h.github.Issue(testRepo, 1)
	if issue.Title != "[TURBO-42] Login fails with 500 after password reset" {
		t.Errorf("title = %q", issue.Title)
	}
	if !strings.Contains(issue.Body, "HTTP 500 <stack trace omitted> & a blank page.") || !strings.Contains(issue.Body, issueMarker(testIssue)) ||
		!strings.Contains(issue.Body, "https://turbo.example/issues/TURBO-42") {
		t.Errorf("body lacks the description, the marker or the link back:\n%s", issue.Body)
	}
	if strings.Join(issue.Labels, ",") != "bug,priority: high" {
		t.Errorf("labels = %v, want bug and priority: high", issue.Labels)
	}

	h.mustDeliver(turboEvent(t, "issue-updated-status.json", nil), sdk.OutcomeDelivered)
	issue, _ = h.github.Issue(testRepo, 1)
	if strings.Join(issue.Labels, ",") != "bug,priority: critical" || strings.Join(issue.Assignees, ",") != "lead" {
		t.Errorf("after the update: labels %v, assignees %v; want priority: critical and lead", issue.Labels, issue.Assignees)
	}
	edits := h.requests("PATCH", "/issues/1")
	var sent map[string]any
	json.Unmarshal([]byte(edits[len(edits)-1].Body), &sent)
	if _, ok := sent["title"]; ok {
		t.Errorf("the edit sent the unchanged title: %s", edits[len(edits)-1].Body)
	}
	if _, ok := sent["body"]; ok {
		t.Errorf("the edit sent the unchanged body: %s", edits[len(edits)-1].Body)
	}

	h.mustDeliver(turboEvent(t, "issue-closed.json", nil), sdk.OutcomeDelivered)
	issue, _ = h.github.Issue(testRepo, 1)
	if issue.State != "closed" || issue.StateReason != "completed" {
		t.Errorf("after close: state %s reason %s, want closed completed", issue.State, issue.StateReason)
	}
	if !strings.HasPrefix(issue.Body, "See steps below.") {
		t.Errorf("the changed description was not written: %q", issue.Body)
	}

	reopened := turboEvent(t, "issue-closed.json", func(c map[string]any) { c["status"] = "in_progress" })
	h.mustDeliver(reopened, sdk.OutcomeDelivered)
	issue, _ = h.github.Issue(testRepo, 1)
	if issue.State != "open" || issue.StateReason != "reopened" {
		t.Errorf("after reopen: state %s reason %s, want open reopened", issue.State, issue.StateReason)
	}

	again := h.mustDeliver(reopened, sdk.OutcomeSkipped)
	if !strings.Contains(again.Reason, "differs from the value last synced") {
		t.Errorf("a repeated event: reason %q", again.Reason)
	}
}

func TestTurboCommentOnGitHub(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	h.mustDeliver(turboEvent(t, "issue-created-high.json", nil), sdk.OutcomeDelivered)

	h.mustDeliver(turboEvent(t, "comment-created.json", nil), sdk.OutcomeDelivered)
	comments := h.github.Comments(testRepo, 1)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "Root cause is the session cache") ||
		!strings.Contains(comments[0].Body, turboCommentMarkerPrefix) || !strings.Contains(comments[0].Body, `dev\@example.com`) {
		t.Fatalf("comments = %+v", comments)
	}
	h.mustDeliver(turboEvent(t, "comment-created.json", nil), sdk.OutcomeSkipped)

	edited := turboEvent(t, "comment-created.json", func(c map[string]any) { c["content"] = "Fixed in review." })
	h.mustDeliver(edited, sdk.OutcomeDelivered)
	if comments = h.github.Comments(testRepo, 1); len(comments) != 1 || !strings.Contains(comments[0].Body, "Fixed in review.") {
		t.Errorf("after the edit: %+v, want the one comment changed", comments)
	}

	fromGitHub := turboEvent(t, "comment-created.json", func(c map[string]any) {
		c["id"] = "9e9f0a1b-2c3d-4e4f-8a5b-6c7d8e9f0a1b"
		c["content"] = "Seen too.\n\n" + githubCommentMarkerPrefix + "77" + markerSuffix
	})
	h.mustDeliver(fromGitHub, sdk.OutcomeSkipped)
	if n := len(h.github.Comments(testRepo, 1)); n != 1 {
		t.Errorf("a comment copied from GitHub was sent back: %d comments", n)
	}
}

func TestRetriedCreateAfterTimeoutMakesOneIssue(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	h.github.Fail("POST", "/repos/acme/web/issues", 1, githubfake.Failure{Stall: true})
	ev := turboEvent(t, "issue-created-high.json", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	first := h.deliver(ctx, ev, nil)
	cancel()
	if first.Outcome != sdk.OutcomeRetry || first.UpdateState {
		t.Fatalf("timed-out create = %v (%s), state stored %v; want a retry and no link", first.Outcome, first.Reason, first.UpdateState)
	}
	if n := len(h.github.Issues(testRepo)); n != 1 {
		t.Fatalf("GitHub has %d issues after the timed-out create, want 1 (the fake created it)", n)
	}

	second := h.mustDeliver(ev, sdk.OutcomeDelivered)
	if n := len(h.github.Issues(testRepo)); n != 1 {
		t.Errorf("the retried create made %d issues, want 1", n)
	}
	if second.ExternalRef != testRepo+"#1" {
		t.Errorf("the retry linked %q, want the issue of the first attempt", second.ExternalRef)
	}
	if len(h.requests("POST", "/repos/acme/web/issues")) != 1 {
		t.Errorf("the retry sent another create")
	}
}

func TestLongDescriptionFitsGitHubLimit(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	long := strings.Repeat("ü", 70000)
	h.mustDeliver(turboEvent(t, "issue-created-high.json", func(c map[string]any) { c["description"] = long }), sdk.OutcomeDelivered)
	issue, _ := h.github.Issue(testRepo, 1)
	if n := utf8.RuneCountInString(issue.Body); n > githubfake.MaxBodyChars {
		t.Errorf("body has %d characters, over GitHub's %d", n, githubfake.MaxBodyChars)
	}
	if !strings.Contains(issue.Body, "cut to GitHub's length limit") || !strings.Contains(issue.Body, issueMarker(testIssue)) {
		t.Error("the cut body lacks the note or the marker")
	}
}

func TestFakeRejectsBodyOverLimit(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	body := strings.Repeat("a", githubfake.MaxBodyChars+1)
	title := "x"
	_, _, err := h.inst.api().Issues.Create(context.Background(), "acme", "web", &gh.IssueRequest{Title: &title, Body: &body})
	result := h.inst.githubFailure(h.inst.log, "create", testRepo, err)
	if result.Outcome != sdk.OutcomePermanent || result.StatusCode != 422 || !strings.Contains(result.Reason, "body is too long") {
		t.Errorf("result = %v %d %q, want permanent 422 naming the body", result.Outcome, result.StatusCode, result.Reason)
	}
}

func TestRepositoryDispatch(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result := h.deliver(ctx, turboEvent(t, "issue-updated-status.json", nil), sdk.Params{"action": "repository_dispatch", "event_type": "run-tests"})
	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("dispatch = %v (%s)", result.Outcome, result.Reason)
	}
	dispatches := h.github.Dispatches()
	if len(dispatches) != 1 || dispatches[0].EventType != "run-tests" || dispatches[0].Repo != testRepo {
		t.Fatalf("dispatches = %+v", dispatches)
	}
	event, _ := dispatches[0].ClientPayload["event"].(map[string]any)
	if event["event_type"] != "issue.updated" {
		t.Errorf("client_payload.event = %v, want the envelope", event)
	}
}

// TestEmptyDescriptionBodyRoundTrip creates an issue without a description:
// its GitHub body is the footer alone, and a person's title edit on GitHub
// writes the title into Turbo and leaves the description empty.
func TestEmptyDescriptionBodyRoundTrip(t *testing.T) {
	c, opts := startCollector(t)
	h := newHarness(t, opts, nil)
	h.linkCreated(c, turboEvent(t, "issue-created-high.json", func(current map[string]any) { current["description"] = "" }))

	issue, _ := h.github.Issue(testRepo, 1)
	if !strings.HasPrefix(issue.Body, "Synced with [TURBO-42](") {
		t.Errorf("body = %q, want it to start with the link", issue.Body)
	}

	h.clock.Advance(time.Minute)
	editTitle(t, h.human(), "[TURBO-42] Renamed on GitHub")
	for _, ev := range h.take(c) {
		h.mustDeliver(ev, sdk.OutcomeDelivered)
	}
	turbo, _ := h.turbo.Issue(testIssue)
	if turbo.Title != "Renamed on GitHub" || turbo.Description != "" {
		t.Errorf("Turbo issue: title %q, description %q; want GitHub's title and no description", turbo.Title, turbo.Description)
	}
}

// TestCutBodyEditKeepsTurboTail edits on GitHub the body of an issue whose
// Turbo description is longer than GitHub's limit, so GitHub shows its
// beginning only.
func TestCutBodyEditKeepsTurboTail(t *testing.T) {
	long := strings.Repeat("Steps to reproduce the failure. ", 2200)[:70100]
	cases := []struct {
		name string
		// edit changes the body as GitHub shows it.
		edit      func(body string) string
		outcome   sdk.Outcome
		wantTurbo string
	}{
		{"beginning replaced", func(body string) string { return "REPLACED BEGINNING" + body[len("REPLACED BEGINNING"):] },
			sdk.OutcomeDelivered, "REPLACED BEGINNING" + long[len("REPLACED BEGINNING"):]},
		{"note removed", func(body string) string { return strings.Replace(body, cutNote, "", 1) },
			sdk.OutcomeSkipped, long},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, nil)
			h.linkCreated(c, turboEvent(t, "issue-created-high.json", func(c map[string]any) { c["description"] = long }))
			person := h.human()

			h.clock.Advance(time.Minute)
			issue, _ := h.github.Issue(testRepo, 1)
			body := tc.edit(issue.Body)
			if _, _, err := person.Issues.Edit(context.Background(), "acme", "web", 1, &gh.IssueRequest{Body: &body}); err != nil {
				t.Fatal(err)
			}
			for _, ev := range h.take(c) {
				result := h.mustDeliver(ev, tc.outcome)
				if tc.outcome == sdk.OutcomeSkipped && !strings.Contains(result.Reason, "removed the note at the cut") {
					t.Errorf("reason %q, want it to name the removed note", result.Reason)
				}
			}

			turbo, _ := h.turbo.Issue(testIssue)
			if turbo.Description != tc.wantTurbo {
				t.Errorf("Turbo description has %d characters ending in %q, want %d ending in %q",
					len(turbo.Description), tail(turbo.Description), len(tc.wantTurbo), tail(tc.wantTurbo))
			}
			if strings.Contains(turbo.Description, "cut to GitHub's length limit") {
				t.Error("the cut note was written into Turbo")
			}
		})
	}
}

func tail(s string) string { return s[max(len(s)-40, 0):] }

// TestCutTitleEditKeepsTurboTail edits on GitHub the title of an issue whose
// Turbo title is longer than GitHub's limit, so GitHub shows its beginning
// and "…".
func TestCutTitleEditKeepsTurboTail(t *testing.T) {
	long := strings.Repeat("T", 300)
	shown := titleRoom("TURBO-42") - 1
	cases := []struct {
		name string
		// edit changes the title as GitHub shows it.
		edit      func(title string) string
		outcome   sdk.Outcome
		wantTurbo string
	}{
		{"visible part replaced, same length", func(title string) string {
			return "[TURBO-42] " + strings.Repeat("X", shown) + "…"
		}, sdk.OutcomeDelivered, strings.Repeat("X", shown) + long[shown:]},
		{"ellipsis removed", func(title string) string { return strings.TrimSuffix(title, "…") + "Y" },
			sdk.OutcomeSkipped, long},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, nil)
			h.linkCreated(c, turboEvent(t, "issue-created-high.json", func(c map[string]any) { c["title"] = long }))

			h.clock.Advance(time.Minute)
			issue, _ := h.github.Issue(testRepo, 1)
			editTitle(t, h.human(), tc.edit(issue.Title))
			for _, ev := range h.take(c) {
				result := h.mustDeliver(ev, tc.outcome)
				if tc.outcome == sdk.OutcomeSkipped && !strings.Contains(result.Reason, `removed the "…" at the cut`) {
					t.Errorf("reason %q, want it to name the removed ellipsis", result.Reason)
				}
			}

			turbo, _ := h.turbo.Issue(testIssue)
			if turbo.Title != tc.wantTurbo {
				t.Errorf("Turbo title = %q, want %q", turbo.Title, tc.wantTurbo)
			}
		})
	}
}

// TestCutEditReasonNamesEditedFieldOnly removes the note of a cut
// description, then the ellipsis of a cut title: the second skip names the
// title only, although the description's edit is still not applied.
func TestCutEditReasonNamesEditedFieldOnly(t *testing.T) {
	c, opts := startCollector(t)
	h := newHarness(t, opts, nil)
	h.linkCreated(c, turboEvent(t, "issue-created-high.json", func(c map[string]any) {
		c["title"] = strings.Repeat("T", 300)
		c["description"] = strings.Repeat("Steps to reproduce the failure. ", 2200)
	}))
	person := h.human()

	h.clock.Advance(time.Minute)
	issue, _ := h.github.Issue(testRepo, 1)
	body := strings.Replace(issue.Body, cutNote, "", 1)
	if _, _, err := person.Issues.Edit(context.Background(), "acme", "web", 1, &gh.IssueRequest{Body: &body}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range h.take(c) {
		h.mustDeliver(ev, sdk.OutcomeSkipped)
	}

	h.clock.Advance(time.Minute)
	editTitle(t, person, strings.TrimSuffix(issue.Title, "…"))
	events := h.take(c)
	if len(events) == 0 {
		t.Fatal("the title edit sent no webhook")
	}
	for _, ev := range events {
		result := h.mustDeliver(ev, sdk.OutcomeSkipped)
		if !strings.Contains(result.Reason, "the title of") || strings.Contains(result.Reason, "description") {
			t.Errorf("reason %q, want the title's reason only", result.Reason)
		}
	}
}
