// Package derive synthesises the events Turbo does not send: the changes an
// update carries (issue.status_changed, issue.assigned, ...) and the events of
// time (issue.due_date_approaching, issue.overdue, the daily digest). It is
// pure: the store calls it inside the transaction that stores an event and its
// entity's new state, so two events about one entity never compare against
// the same stale state.
package derive

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Entity is the last known state of one entity, as the store keeps it.
type Entity struct {
	// Key is "<entity_type>:<entity_id>".
	Key       string
	Type      string
	ID        string
	ProjectID string
	// State is the entity's last data.current, as it arrived.
	State json.RawMessage
	// Fields are the values the change rules compare, read from State.
	Fields Fields
	// DueAt is the due date, zero when none.
	DueAt time.Time
	// Closed is set for a closed issue, a completed or cancelled milestone,
	// initiative or project, and an archived project: no due-date events follow.
	Closed bool
	// LastChange maps a change type to the id of the last change of that type
	// seen, so that Turbo's own event for a change already derived (or the
	// reverse) is recognised as the same change, and a due-date event type to
	// the id of the last one sent. Under DueDateSetKey it holds the stamp of
	// the snapshot that set the current due date.
	LastChange map[string]string
	// SeenAt is when the entity last changed.
	SeenAt time.Time
	// NextDueAt is when the entity is next owed a due-date event (NextDue), as
	// the store last wrote it; zero when never.
	NextDueAt time.Time

	// keys are State's member names, when known, so that a full snapshot over
	// it needs no scan to see that it replaces every member.
	keys []string
}

// DueDateSetKey is the LastChange key of the stamp (changeStamp) of the
// snapshot that set the entity's current due date, which the ids of its
// due-date events include. It is no event type, so it never meets one.
const DueDateSetKey = "due_date"

// Fields are the values of data.current that the change rules read.
type Fields struct {
	Status   *string `json:"status"`
	Priority *string `json:"priority"`
	Assignee *string `json:"assignee"`
	DueDate  *string `json:"due_date"`
	// Blocked is set when blocked_by is a non-empty list.
	Blocked    bool     `json:"-"`
	IsArchived *bool    `json:"is_archived"`
	Completion *float64 `json:"completion_percentage"`
	Progress   *float64 `json:"progress"`
	ProjectID  *string  `json:"project_id"`
	UpdatedAt  *string  `json:"updated_at"`
	// dueDateRaw and updatedAtRaw are the JSON values as written, so that a
	// value of another type than string is reported rather than ignored.
	dueDateRaw, updatedAtRaw []byte
}

// ReadFields reads the tracked fields of a data.current object, which must be
// valid JSON. A field whose value has another type than Turbo gives it (a
// GitHub issue's assignee is an object) is left empty, so that an event from
// another source is still stored.
func ReadFields(current json.RawMessage) Fields {
	var f Fields
	eachMember(current, func(key, value []byte) bool {
		f.read(key, value)
		return true
	})
	return f
}

// read sets the field that key names, if it is tracked.
func (f *Fields) read(key, value []byte) {
	if set, ok := fieldReaders[keyText(key)]; ok {
		set(f, value)
	}
}

// fieldReaders set each tracked field from its raw JSON value.
var fieldReaders = map[string]func(*Fields, []byte){
	"status":                func(f *Fields, v []byte) { f.Status = stringValue(v) },
	"priority":              func(f *Fields, v []byte) { f.Priority = stringValue(v) },
	"assignee":              func(f *Fields, v []byte) { f.Assignee = stringValue(v) },
	"due_date":              func(f *Fields, v []byte) { f.DueDate, f.dueDateRaw = stringValue(v), v },
	"blocked_by":            func(f *Fields, v []byte) { f.Blocked = nonEmptyArray(v) },
	"is_archived":           func(f *Fields, v []byte) { f.IsArchived = boolValue(v) },
	"completion_percentage": func(f *Fields, v []byte) { f.Completion = numberValue(v) },
	"progress":              func(f *Fields, v []byte) { f.Progress = numberValue(v) },
	"project_id":            func(f *Fields, v []byte) { f.ProjectID = stringValue(v) },
	"updated_at":            func(f *Fields, v []byte) { f.UpdatedAt, f.updatedAtRaw = stringValue(v), v },
}

// text returns a field's value, "" for a missing or null one.
func text(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// completion returns the completion percentage, or the progress, and whether
// the entity has either.
func (f Fields) completion() (float64, bool) {
	switch {
	case f.Completion != nil:
		return *f.Completion, true
	case f.Progress != nil:
		return *f.Progress, true
	}
	return 0, false
}

// closedStatuses are the statuses after which an entity expects no due-date
// events.
var closedStatuses = map[string]bool{"closed": true, "completed": true, "cancelled": true, "archived": true}

// isClosed reports whether an entity with these fields is done.
func (f Fields) isClosed() bool {
	return closedStatuses[text(f.Status)] || (f.IsArchived != nil && *f.IsArchived)
}

// percentText formats a percentage without a needless decimal point.
func percentText(p float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(p, 'f', 2, 64), ".00")
}
