package github

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	gh "github.com/google/go-github/v60/github"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// importHarness imports an issue opened on GitHub and returns the event Turbo
// sends for the new issue.
func importHarness(t *testing.T) (*harness, *hookCollector, sdk.Event) {
	t.Helper()
	c, opts := startCollector(t)
	h := newHarness(t, opts, func(cfg map[string]any) { cfg["import"] = true })
	person := h.human()
	request := &gh.IssueRequest{Title: gh.String("Crash on start"), Body: gh.String("It crashes."), Labels: &[]string{"bug"}}
	if _, _, err := person.Issues.Create(context.Background(), "acme", "web", request); err != nil {
		t.Fatal(err)
	}
	events := h.take(c)
	if len(events) != 2 {
		t.Fatalf("got %d webhooks, want opened and labeled", len(events))
	}
	h.mustDeliver(events[0], sdk.OutcomeDelivered)

	issues := h.turbo.Issues()
	if len(issues) != 1 {
		t.Fatalf("Turbo has %d issues after the import, want 1", len(issues))
	}
	client, _ := turboapi.New(turboapi.Options{BaseURL: h.turbo.URL(), Token: "turbo-token"})
	created, err := client.GetIssue(context.Background(), issues[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(created)
	var current map[string]any
	json.Unmarshal(raw, &current)
	ev := turboEvent(t, "issue-created-high.json", func(c map[string]any) {
		clear(c)
		maps.Copy(c, current)
	})
	return h, c, ev
}

// TestImportedIssueEventBeforeLink delivers Turbo's event for an imported
// issue before the import's link is stored, as when it is routed while the
// import is still running.
func TestImportedIssueEventBeforeLink(t *testing.T) {
	h, _, ev := importHarness(t)

	result := h.inst.Deliver(context.Background(), &sdk.DeliveryRequest{DeliveryID: "dlv_race", Attempt: 1, Events: []sdk.Event{ev},
		EntityKey: "issue:" + ev.EntityID})
	if result.Outcome != sdk.OutcomeSkipped || !strings.Contains(result.Reason, "imported from GitHub issue acme/web#1") {
		t.Errorf("Deliver = %v (%s), want skipped as the imported issue's event", result.Outcome, result.Reason)
	}
	if result.UpdateState {
		t.Error("the skip stored a link")
	}
	if n := len(h.github.Issues(testRepo)); n != 1 {
		t.Errorf("GitHub has %d issues, want the imported one only", n)
	}
}

// TestImportedIssueEventAfterLink delivers Turbo's event for an imported
// issue with the link stored. The skip must not write the link, because a
// delivery of the GitHub issue may be writing it at the same time.
func TestImportedIssueEventAfterLink(t *testing.T) {
	h, _, ev := importHarness(t)

	result := h.mustDeliver(ev, sdk.OutcomeSkipped)
	if result.UpdateState {
		t.Errorf("the skip (%s) wrote the unchanged link", result.Reason)
	}
	if n := len(h.github.Issues(testRepo)); n != 1 {
		t.Errorf("GitHub has %d issues, want the imported one only", n)
	}
	if issue, _ := h.turbo.Issue(ev.EntityID); strings.Contains(turboText(issue.Description), "switchboard:") {
		t.Errorf("the imported description shows a marker: %q", turboText(issue.Description))
	}
}

func TestUnlinkedIssueReasons(t *testing.T) {
	cases := []struct {
		name     string
		importOn bool
		want     string
	}{
		{"import off", false, "import is off"},
		{"import on, labeled", true, "from the opened webhook only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, func(cfg map[string]any) { cfg["import"] = tc.importOn })
			person := h.human()
			request := &gh.IssueRequest{Title: gh.String("Crash on start"), Labels: &[]string{"bug"}}
			if _, _, err := person.Issues.Create(context.Background(), "acme", "web", request); err != nil {
				t.Fatal(err)
			}
			labeled := h.take(c)[1]
			result := h.mustDeliver(labeled, sdk.OutcomeSkipped)
			if !strings.Contains(result.Reason, tc.want) {
				t.Errorf("reason %q, want it to contain %q", result.Reason, tc.want)
			}
		})
	}
}
