package derive

import "slices"

// TimeTypes lists every event type the scheduler derives from time.
func TimeTypes() []string {
	return []string{
		"issue.due_date_approaching", "issue.overdue", "milestone.due_date_approaching", "milestone.overdue",
		"system.daily_digest", "system.weekly_report",
	}
}

// turboTypes are the event types Turbo sends today (docs/events.md), besides
// note.*, whose actions Turbo does not list.
var turboTypes = []string{
	"issue.created", "issue.updated", "issue.closed", "issue.assigned", "issue.ready",
	"issue.implementation_requested", "project.created", "milestone.completed", "comment.created", "note.created",
}

// Catalogue lists every event type of the catalogue, sorted: those Turbo
// sends and those Switchboard derives from changes and from time.
func Catalogue() []string {
	all := slices.Concat(turboTypes, Types(), TimeTypes())
	slices.Sort(all)
	return slices.Compact(all)
}

// DerivedOnly reports whether only Switchboard makes events of this type:
// Turbo sends none of them, so a route matches them only as derived events.
func DerivedOnly(eventType string) bool {
	return !slices.Contains(turboTypes, eventType) &&
		(slices.Contains(Types(), eventType) || slices.Contains(TimeTypes(), eventType))
}
