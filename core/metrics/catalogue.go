package metrics

import "strings"

// catalogue holds the event types Switchboard knows: what Turbo sends, what
// Switchboard derives, GitHub's webhooks and Switchboard's own system events.
// Metrics label an event with its type only when the type is in the
// catalogue or named exactly by a route, and with "other" otherwise, so that
// a sender cannot grow the number of time series by inventing types.
var catalogue = map[string]bool{}

func init() {
	add := func(entity string, actions ...string) {
		for _, a := range actions {
			catalogue[entity+"."+a] = true
		}
	}
	add("issue", "created", "updated", "deleted", "closed", "reopened", "status_changed", "priority_changed",
		"assigned", "unassigned", "blocked", "unblocked", "due_date_changed", "due_date_approaching", "overdue",
		"ready", "implementation_requested")
	add("comment", "created", "updated", "deleted")
	add("note", "created", "updated", "deleted")
	add("project", "created", "updated", "deleted", "status_changed", "completion_milestone", "archived")
	add("milestone", "created", "updated", "deleted", "completed", "progress_updated", "due_date_approaching", "overdue")
	add("initiative", "created", "updated", "deleted", "completed")
	add("system", "daily_digest", "weekly_report")
	add("switchboard", "delivery_dead", "circuit_opened", "connector_disabled")
	add("github.issues", "opened", "edited", "closed", "reopened", "deleted", "labeled", "unlabeled", "assigned", "unassigned")
	add("github.issue_comment", "created", "edited", "deleted")
}

// otherType is the label of an event type outside the catalogue.
const otherType = "other"

// typeLabel returns eventType when it is known, else "other".
func (m *Metrics) typeLabel(eventType string) string {
	if catalogue[eventType] {
		return eventType
	}
	if known := m.routeTypes.Load(); known != nil && (*known)[eventType] {
		return eventType
	}
	return otherType
}

// SetRouteTypes adds the event types that routes name exactly (no wildcard)
// to the known ones; a config reload calls it again with the new routes.
func (m *Metrics) SetRouteTypes(patterns []string) {
	known := map[string]bool{}
	for _, p := range patterns {
		if p != "" && !strings.ContainsAny(p, "*?[") {
			known[p] = true
		}
	}
	m.routeTypes.Store(&known)
}
