package email

import (
	"testing"

	"github.com/turbocode/switchboard/sdk/eventview"
)

func TestHeadline(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want string
	}{
		{"user", map[string]any{"entity_type": "issue", "action": "status_changed", "actor": map[string]any{"type": "user", "name": "dev@example.com"}},
			"Issue status changed by dev@example.com"},
		{"AI", map[string]any{"entity_type": "issue", "action": "created", "actor": map[string]any{"type": "ai", "name": "triage-bot"}},
			"Issue created by triage-bot (AI)"},
		{"system", map[string]any{"entity_type": "milestone", "action": "overdue", "actor": map[string]any{"type": "system", "name": "switchboard"}},
			"Milestone overdue"},
		{"no entity type", map[string]any{"event_type": "custom\nthing"}, "Event custom thing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := headline(eventview.FromDoc(tc.doc)); got != tc.want {
				t.Errorf("headline = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFormatDate(t *testing.T) {
	tests := map[string]string{
		"2026-12-05T17:00:00Z":      "Sat 5 Dec 2026, 17:00 UTC",
		"2026-12-04T00:00:00Z":      "Fri 4 Dec 2026",
		"2026-12-05T17:00:00+01:00": "Sat 5 Dec 2026, 17:00 +0100",
		"next week":                 "next week",
	}
	for in, want := range tests {
		if got := formatDate(in); got != want {
			t.Errorf("formatDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSummaryWithoutWebURL(t *testing.T) {
	v := eventview.FromDoc(map[string]any{"entity_type": "issue", "entity_id": "i1", "action": "created",
		"data": map[string]any{"current": map[string]any{"issue_key": "TURBO-1", "title": "x"}}})
	if s := summarize(v, ""); s.Link != "" {
		t.Errorf("Link = %q, want none without turbo.web_url", s.Link)
	}
}
