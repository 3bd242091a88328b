package route

import (
	"slices"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/config"
)

// testCatalogue is a small catalogue: issue.created and issue.closed come
// from Turbo, the rest only from Switchboard.
var testCatalogue = Catalogue{
	Types: []string{"issue.created", "issue.closed", "issue.overdue", "issue.due_date_approaching",
		"issue.due_date_changed", "system.daily_digest", "system.weekly_report", "switchboard.delivery_dead"},
	DerivedOnly: func(t string) bool {
		return !slices.Contains([]string{"issue.created", "issue.closed", "switchboard.delivery_dead"}, t)
	},
}

func TestLintEventNames(t *testing.T) {
	tests := []struct {
		name    string
		events  []string
		derived bool
		// want are substrings of the warnings, one per warning, in order;
		// none means no warning.
		want []string
	}{
		{name: "catalogue types", events: []string{"issue.created", "issue.overdue", "system.daily_digest"}},
		{name: "type outside the catalogue", events: []string{"issue.commented", "note.created"}},
		{name: "misspelt type", events: []string{"issue.close"},
			want: []string{`"issue.close" is not in the event catalogue; did you mean issue.closed?`}},
		{name: "longer action", events: []string{"issue.overdue_soon"},
			want: []string{`"issue.overdue_soon" is not in the event catalogue; did you mean issue.overdue?`}},
		{name: "system name outside the catalogue", events: []string{"system.daily_report"},
			want: []string{`"system.daily_report" is no event Switchboard raises, and ingest rejects system.* events from senders, so it never matches; the system.* events are system.daily_digest, system.weekly_report`}},
		{name: "misspelt entity", events: []string{"isue.closed"},
			want: []string{`"isue.closed" is not in the event catalogue; did you mean issue.closed?`}},
		{name: "glob of derived types only", events: []string{"system.*", "issue.due_*"},
			want: []string{`"system.*" matches only events Switchboard derives (system.daily_digest, system.weekly_report)`,
				`"issue.due_*" matches only events Switchboard derives (issue.due_date_approaching, issue.due_date_changed)`}},
		{name: "glob of derived types with derived true", events: []string{"system.*"}, derived: true},
		{name: "glob with a received type", events: []string{"issue.*", "*"}},
		{name: "glob matching nothing known", events: []string{"note.*"}},
		{name: "invalid pattern", events: []string{"Issue.Close"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{File: "switchboard.yaml", Routes: []config.Route{{Name: "r", Events: tt.events, Derived: tt.derived,
				FieldAt: map[string]config.Position{"events": {Line: 7, Column: 13, Path: "routes[0].events"}}}}}
			warnings := Lint(cfg, testCatalogue)
			if len(warnings) != len(tt.want) {
				t.Fatalf("Lint = %v, want %d warnings", warnings, len(tt.want))
			}
			for i, w := range warnings {
				if !strings.Contains(w.Message, tt.want[i]) {
					t.Errorf("warning %d = %q, want it to contain %q", i, w.Message, tt.want[i])
				}
				if !strings.HasPrefix(w.Error(), "switchboard.yaml:7:13: routes[0].events[") {
					t.Errorf("warning %d is at %q, want the route's events item", i, w.Error())
				}
			}
		})
	}
}
