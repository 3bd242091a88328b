package derive

// ownChange returns the change that an event of a derived type reports, read
// from its own snapshot alone: Turbo's issue.closed with status closed, its
// issue.assigned with the new assignee. It gives the same id as the change
// the rules derive (becomes), so the id is known also for an event that
// cannot be compared with anything because it arrived late. It returns false
// for the other types and for a snapshot that does not show the change.
func ownChange(eventType string, current Fields) (change, bool) {
	status, assignee := text(current.Status), text(current.Assignee)
	switch {
	case eventType == "issue.closed" && status == "closed":
		return becomes(eventType, "status", status), true
	case eventType == "issue.reopened" && status != "" && status != "closed":
		return becomes(eventType, "status", status), true
	case eventType == "issue.assigned" && assignee != "":
		return becomes(eventType, "assignee", assignee), true
	case eventType == "issue.unassigned" && assignee == "":
		return becomes(eventType, "assignee", ""), true
	case (eventType == "milestone.completed" || eventType == "initiative.completed") && status == "completed":
		return becomes(eventType, "status", status), true
	case eventType == "project.archived" && current.archived():
		return newChange(eventType, "status", "archived"), true
	}
	return change{}, false
}

// lateChangeID returns the id of the change a late event reports, so that
// Turbo's own event for a change derived already is a duplicate even when a
// newer version arrived between them. It is empty unless the snapshot has a
// valid updated_at, because a stamp made of the event's own id never equals a
// derived change's.
func (p *Prepared) lateChangeID(key string) string {
	if _, ok := p.current.fields.updatedAt(); !ok {
		return ""
	}
	c, ok := ownChange(p.in.Envelope.EventType, p.current.fields)
	if !ok {
		return ""
	}
	return changeID(key, c, changeStamp(p.current.fields, p.in.Envelope.EventID))
}
