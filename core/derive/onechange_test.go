package derive

import (
	"regexp"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/event"
)

// issueEvent builds an envelope about issue iss-14; previous is left out when
// empty.
func issueEvent(t *testing.T, id, eventType, previous, current string) *event.Incoming {
	t.Helper()
	data := `"current":` + current
	if previous != "" {
		data = `"previous":` + previous + `,` + data
	}
	raw := `{"event_id":"` + id + `","event_type":"` + eventType + `","timestamp":"2026-12-05T03:10:00Z",` +
		`"entity_type":"issue","entity_id":"iss-14","data":{` + data + `}}`
	events, err := event.ParseEnvelopes([]byte(raw), 1)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return events[0]
}

// withoutIDs returns replay's output with the derived ids replaced by their
// types, so a case reads as the events routed.
func withoutIDs(out string) string {
	ids := regexp.MustCompile(` [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	return strings.TrimSpace(ids.ReplaceAllString(out, ""))
}

// TestSameChangeIsOneEvent sends one change through several events, in
// different orders and with different data.previous: each change is derived
// once, and Turbo's own event for it is a duplicate.
func TestSameChangeIsOneEvent(t *testing.T) {
	const (
		created    = `{"status":"open","assignee":null,"priority":"low","updated_at":"2026-12-05T03:00:00Z"}`
		inProgress = `{"status":"in_progress","assignee":null,"priority":"low","updated_at":"2026-12-05T03:04:00Z"}`
		closed     = `{"status":"closed","assignee":null,"priority":"low","updated_at":"2026-12-05T03:05:00Z"}`
		later      = `{"status":"closed","assignee":null,"priority":"high","updated_at":"2026-12-05T03:06:00Z"}`
		assigned   = `{"status":"open","assignee":"lead@example.com","priority":"low","updated_at":"2026-12-05T03:05:00Z"}`
		reassigned = `{"status":"open","assignee":"lead@example.com","priority":"high","updated_at":"2026-12-05T03:06:00Z"}`
	)
	tests := []struct {
		name   string
		events func(t *testing.T) []*event.Incoming
		want   string
	}{
		{
			name: "turbo close, late update, update with other previous",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", created),
					issueEvent(t, "e2", "issue.closed", "", closed),
					issueEvent(t, "e3", "issue.updated", created, inProgress),
					issueEvent(t, "e4", "issue.updated", `{"status":"in_progress"}`, closed),
				}
			},
			want: "e1 issue.created\ne2 issue.closed\n  derived issue.status_changed changes=status\ne3 issue.updated\ne4 issue.updated",
		},
		{
			name: "update with previous, then turbo close with another previous",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", created),
					issueEvent(t, "e2", "issue.updated", inProgress, closed),
					issueEvent(t, "e3", "issue.closed", created, closed),
				}
			},
			want: "e1 issue.created\ne2 issue.updated\n  derived issue.status_changed changes=status\n" +
				"  derived issue.closed changes=status\ne3 issue.closed: duplicate of",
		},
		{
			name: "turbo close arrives after a newer version",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", created),
					issueEvent(t, "e2", "issue.updated", inProgress, closed),
					issueEvent(t, "e3", "issue.updated", closed, later),
					issueEvent(t, "e4", "issue.closed", "", closed),
				}
			},
			want: "e1 issue.created\ne2 issue.updated\n  derived issue.status_changed changes=status\n" +
				"  derived issue.closed changes=status\ne3 issue.updated\n  derived issue.priority_changed changes=priority\n" +
				"e4 issue.closed: duplicate of",
		},
		{
			name: "turbo assignment arrives after a newer version",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", created),
					issueEvent(t, "e2", "issue.updated", created, assigned),
					issueEvent(t, "e3", "issue.updated", assigned, reassigned),
					issueEvent(t, "e4", "issue.assigned", "", assigned),
				}
			},
			want: "e1 issue.created\ne2 issue.updated\n  derived issue.assigned changes=assignee\n" +
				"e3 issue.updated\n  derived issue.priority_changed changes=priority\ne4 issue.assigned: duplicate of",
		},
		{
			name: "turbo assignment first, then the update with previous",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", created),
					issueEvent(t, "e2", "issue.assigned", "", assigned),
					issueEvent(t, "e3", "issue.updated", `{"assignee":"dev@example.com"}`, assigned),
				}
			},
			want: "e1 issue.created\ne2 issue.assigned\ne3 issue.updated",
		},
		{
			name: "same version adds a field the first event left out",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", created),
					issueEvent(t, "e2", "issue.updated", `{"status":"in_progress"}`, `{"status":"closed","updated_at":"2026-12-05T03:05:00Z"}`),
					issueEvent(t, "e3", "issue.updated", `{"status":"in_progress","priority":"medium"}`,
						`{"status":"closed","priority":"high","updated_at":"2026-12-05T03:05:00.000+00:00"}`),
				}
			},
			want: "e1 issue.created\ne2 issue.updated\n  derived issue.status_changed changes=status\n" +
				"  derived issue.closed changes=status\ne3 issue.updated\n  derived issue.priority_changed changes=priority",
		},
		{
			name: "no updated_at: turbo close with another previous after the update",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", `{"status":"open"}`),
					issueEvent(t, "e2", "issue.updated", `{"status":"in_progress"}`, `{"status":"closed"}`),
					issueEvent(t, "e3", "issue.closed", `{"status":"open"}`, `{"status":"closed"}`),
				}
			},
			want: "e1 issue.created\ne2 issue.updated\n  derived issue.status_changed changes=status\n" +
				"  derived issue.closed changes=status\ne3 issue.closed: duplicate of",
		},
		{
			name: "no updated_at: closed again after a reopen",
			events: func(t *testing.T) []*event.Incoming {
				return []*event.Incoming{
					issueEvent(t, "e1", "issue.created", "", `{"status":"open"}`),
					issueEvent(t, "e2", "issue.updated", `{"status":"open"}`, `{"status":"closed"}`),
					issueEvent(t, "e3", "issue.updated", `{"status":"closed"}`, `{"status":"open"}`),
					issueEvent(t, "e4", "issue.updated", `{"status":"in_progress"}`, `{"status":"closed"}`),
				}
			},
			want: "e1 issue.created\ne2 issue.updated\n  derived issue.status_changed changes=status\n" +
				"  derived issue.closed changes=status\ne3 issue.updated\n  derived issue.status_changed changes=status\n" +
				"  derived issue.reopened changes=status\ne4 issue.updated\n  derived issue.status_changed changes=status\n" +
				"  derived issue.closed changes=status",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withoutIDs(replay(t, tt.events(t)))
			if got != tt.want {
				t.Errorf("derived:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestOwnChangeMatchesRules checks that the change a Turbo event reports by its
// own snapshot has the id of the change the rules derive, for every type
// keyed on the value it sets.
func TestOwnChangeMatchesRules(t *testing.T) {
	s := func(v string) *string { return &v }
	yes := true
	tests := []struct {
		entity, eventType string
		previous, current Fields
	}{
		{"issue", "issue.closed", Fields{Status: s("open")}, Fields{Status: s("closed")}},
		{"issue", "issue.reopened", Fields{Status: s("closed")}, Fields{Status: s("open")}},
		{"issue", "issue.assigned", Fields{}, Fields{Assignee: s("a@x")}},
		{"issue", "issue.unassigned", Fields{Assignee: s("a@x")}, Fields{}},
		{"milestone", "milestone.completed", Fields{Status: s("active")}, Fields{Status: s("completed")}},
		{"initiative", "initiative.completed", Fields{Status: s("active")}, Fields{Status: s("completed")}},
		{"project", "project.archived", Fields{Status: s("active")}, Fields{Status: s("active"), IsArchived: &yes}},
	}
	for _, tt := range tests {
		t.Run(tt.eventType, func(t *testing.T) {
			own, ok := ownChange(tt.eventType, tt.current)
			if !ok {
				t.Fatalf("ownChange(%s) found no change in %+v", tt.eventType, tt.current)
			}
			for _, c := range rules(tt.entity, tt.previous, tt.current) {
				if c.eventType == tt.eventType && changeID("k", c, "s") == changeID("k", own, "s") {
					return
				}
			}
			t.Errorf("the rules derive no %s with the id of ownChange's %+v", tt.eventType, own)
		})
	}
}
