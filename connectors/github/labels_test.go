package github

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// TestLabelsAddedTogetherKeepAddedValue adds a label of a kind that the issue
// already has, together with other labels, in one request. GitHub sends a
// labeled webhook per label, each with every label of the issue, so the
// webhooks of the other labels still show the replaced one.
func TestLabelsAddedTogetherKeepAddedValue(t *testing.T) {
	cases := []struct {
		name      string
		add       []string
		field     func(turbofake.Issue) string
		want      string
		wantLabel string
	}{
		{"priority", []string{"priority: low", "zzz2"}, func(i turbofake.Issue) string { return i.Priority }, "low",
			"priority: low,type: bug,zzz2"},
		{"type", []string{"wontfix", "frontend", "type: feature"}, func(i turbofake.Issue) string { return i.Type }, "feature",
			"frontend,priority: high,type: feature,wontfix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, opts := startCollector(t)
			h := newHarness(t, opts, func(cfg map[string]any) {
				cfg["labels"] = map[string]any{"types": map[string]string{"bug": "type: bug", "feature": "type: feature"}}
			})
			h.linkIssue(c)
			person := h.human()

			h.clock.Advance(time.Minute)
			if _, _, err := person.Issues.AddLabelsToIssue(context.Background(), "acme", "web", 1, tc.add); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				for _, ev := range h.take(c) {
					h.deliverSettled(ev)
				}
			}

			issue, _ := h.turbo.Issue(testIssue)
			if got := tc.field(issue); got != tc.want {
				t.Errorf("Turbo %s = %q, want %q, the added label's", tc.name, got, tc.want)
			}
			if github, _ := h.github.Issue(testRepo, 1); strings.Join(github.Labels, ",") != tc.wantLabel {
				t.Errorf("GitHub labels = %v, want %s", github.Labels, tc.wantLabel)
			}
		})
	}
}

func TestRemovedPriorityLabelNamedInSkip(t *testing.T) {
	c, opts := startCollector(t)
	h := newHarness(t, opts, nil)
	h.linkIssue(c)
	person := h.human()

	h.clock.Advance(time.Minute)
	if _, err := person.Issues.RemoveLabelForIssue(context.Background(), "acme", "web", 1, "priority: high"); err != nil {
		t.Fatal(err)
	}
	events := h.take(c)
	if len(events) != 1 {
		t.Fatalf("got %d webhooks, want the unlabeled one", len(events))
	}
	result := h.mustDeliver(events[0], sdk.OutcomeSkipped)
	if !strings.Contains(result.Reason, "has no priority label") || !strings.Contains(result.Reason, "keeps its priority") {
		t.Errorf("reason %q, want it to say that Turbo keeps its priority without a label", result.Reason)
	}

	// The next priority change in Turbo sets a label again.
	h.clock.Advance(time.Minute)
	changed := turboUpdate(t, "priority", "low", h.clock.Now())
	h.mustDeliver(changed, sdk.OutcomeDelivered)
	if github, _ := h.github.Issue(testRepo, 1); strings.Join(github.Labels, ",") != "bug,priority: low" {
		t.Errorf("GitHub labels = %v after Turbo's change, want bug and priority: low", github.Labels)
	}
}

func TestOwnedFieldNamedInSkip(t *testing.T) {
	h := newHarness(t, githubfake.Options{}, func(cfg map[string]any) {
		cfg["ownership"] = map[string]string{"labels": "github"}
	})
	h.mustDeliver(turboEvent(t, "issue-created-high.json", nil), sdk.OutcomeDelivered)

	h.clock.Advance(time.Minute)
	result := h.mustDeliver(turboUpdate(t, "priority", "low", h.clock.Now()), sdk.OutcomeSkipped)
	if !strings.Contains(result.Reason, "ownership.labels is github") {
		t.Errorf("reason %q, want it to name ownership.labels", result.Reason)
	}
}
