package derive

import (
	"fmt"
	"math"
	"slices"
)

// rules returns the changes from previous to current for an entity type, in a
// fixed order.
func rules(entityType string, previous, current Fields) []change {
	switch entityType {
	case "issue":
		return issueChanges(previous, current)
	case "project":
		return projectChanges(previous, current)
	case "milestone":
		return milestoneChanges(previous, current)
	case "initiative":
		return statusChanges("initiative", previous, current, "completed")
	}
	return nil
}

func issueChanges(previous, current Fields) []change {
	out := statusChanges("issue", previous, current, "")
	from, to := text(previous.Status), text(current.Status)
	if from != to && to == "closed" {
		out = append(out, becomes("issue.closed", "status", to))
	}
	if from != to && from == "closed" && to != "" {
		out = append(out, becomes("issue.reopened", "status", to))
	}
	out = append(out, valueChange("issue.priority_changed", "priority", previous.Priority, current.Priority)...)

	before, after := text(previous.Assignee), text(current.Assignee)
	switch {
	case before != after && after != "":
		out = append(out, becomes("issue.assigned", "assignee", after))
	case before != after:
		out = append(out, becomes("issue.unassigned", "assignee", ""))
	}
	if previous.Blocked != current.Blocked {
		kind := "issue.unblocked"
		if current.Blocked {
			kind = "issue.blocked"
		}
		out = append(out, newChange(kind, "blocked_by", fmt.Sprint(previous.Blocked, ">", current.Blocked)))
	}
	if previous.dueKey() != current.dueKey() {
		// Another spelling of the same instant is the same due date.
		out = append(out, newChange("issue.due_date_changed", "due_date", text(previous.DueDate)+">"+text(current.DueDate)))
	}
	return out
}

func projectChanges(previous, current Fields) []change {
	out := statusChanges("project", previous, current, "")
	if current.archived() && !previous.archived() {
		out = append(out, newChange("project.archived", "status", "archived"))
	}
	before, _ := previous.completion()
	after, has := current.completion()
	if !has {
		return out
	}
	for _, threshold := range []float64{25, 50, 75, 100} {
		if before < threshold && after >= threshold {
			c := newChange("project.completion_milestone", "completion_percentage", "threshold:"+percentText(threshold))
			out = append(out, c.reaching(threshold))
		}
	}
	return out
}

func milestoneChanges(previous, current Fields) []change {
	out := statusChanges("milestone", previous, current, "completed")
	before, _ := previous.completion()
	after, has := current.completion()
	if has && math.Floor(before/10) != math.Floor(after/10) {
		tenth := math.Floor(after/10) * 10
		c := newChange("milestone.progress_updated", "progress", "tenth:"+percentText(tenth))
		out = append(out, c.reaching(tenth))
	}
	return out
}

// statusChanges returns <entity>.status_changed and, when completed names a
// status, <entity>.completed on reaching it. A status that becomes null or
// empty is no status, so it derives nothing.
func statusChanges(entity string, previous, current Fields, completed string) []change {
	from, to := text(previous.Status), text(current.Status)
	if from == to || to == "" {
		return nil
	}
	out := []change{newChange(entity+".status_changed", "status", from+">"+to)}
	if completed != "" && to == completed {
		out = append(out, becomes(entity+".completed", "status", to))
	}
	return out
}

// valueChange returns a change when a field's value differs.
func valueChange(eventType, field string, before, after *string) []change {
	if text(before) == text(after) {
		return nil
	}
	return []change{newChange(eventType, field, text(before)+">"+text(after))}
}

// archived reports whether a project's fields mark it archived.
func (f Fields) archived() bool {
	return text(f.Status) == "archived" || (f.IsArchived != nil && *f.IsArchived)
}

// Types lists every event type Changes can derive, for the documentation and
// for routes that name them.
func Types() []string {
	types := []string{
		"issue.status_changed", "issue.priority_changed", "issue.assigned", "issue.unassigned", "issue.closed",
		"issue.reopened", "issue.blocked", "issue.unblocked", "issue.due_date_changed",
		"project.status_changed", "project.archived", "project.completion_milestone",
		"milestone.status_changed", "milestone.completed", "milestone.progress_updated",
		"initiative.status_changed", "initiative.completed",
	}
	slices.Sort(types)
	return types
}

// newChange returns a change of one field.
func newChange(eventType, field, detail string) change {
	return change{eventType: eventType, fields: []string{field}, detail: detail}
}

// becomes returns a change identified by the value the field takes alone.
// Turbo sends some of these types itself (issue.closed, issue.assigned,
// milestone.completed), and its event may carry another data.previous than
// the one Switchboard compared with, or none, or arrive late. Within one
// updated_at a field has one value, so the new value and the stamp identify
// the change whatever the event saw before it (see ownChange).
func becomes(eventType, field, value string) change {
	return newChange(eventType, field, "to:"+value)
}

// reaching returns the change with the percentage it reached.
func (c change) reaching(threshold float64) change {
	c.threshold = &threshold
	return c
}
