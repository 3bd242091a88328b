package derive

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/event"
)

// Namespace is the UUID namespace of derived event ids.
var Namespace = uuid.MustParse("5c6b0e8a-2f4d-4c9b-9d7e-3a1f8b6c2e40")

// change is one transition a rule found.
type change struct {
	eventType string
	// fields are the names listed in the derived event's data.changes.
	fields []string
	// detail identifies the transition ("open>closed", "threshold:50").
	detail string
}

// Result is what an event derives.
type Result struct {
	// Derived are the new events, each with its deterministic id.
	Derived []*event.Incoming
	// ChangeID is the id of the change the event itself reports, when its type
	// is one of the derived types (Turbo's own issue.closed, issue.assigned):
	// a derived event with that id is the same change. Empty otherwise.
	ChangeID string
	// Entity is the entity's new state; nil when the event carries none.
	Entity *Entity
}

// Changes derives the change events of one received event, comparing its
// data.current with its data.previous when it has one, else with stored, the
// entity's state before it. Derived events derive nothing.
func Changes(in *event.Incoming, stored *Entity) (Result, error) {
	return Prepare(in).Changes(stored)
}

// Prepared is an event read for deriving: the part of the work that needs no
// stored state, so the store's single writer does not spend its time on it.
type Prepared struct {
	in *event.Incoming
	// skip is set for an event that derives nothing and carries no state.
	skip bool

	current, previous             json.RawMessage
	currentFields, previousFields Fields
	hasPrevious                   bool
}

// Prepare reads an event's data.current and data.previous.
func Prepare(in *event.Incoming) *Prepared {
	p := &Prepared{in: in}
	env := in.Envelope
	if env.Derived || env.EntityID == "" {
		p.skip = true
		return p
	}
	var data struct{ Current, Previous json.RawMessage }
	eachMember(env.Data, func(key, value []byte) bool {
		switch keyText(key) {
		case "current":
			data.Current = value
		case "previous":
			data.Previous = value
		}
		return true
	})
	if !isObject(data.Current) {
		p.skip = true
		return p
	}

	p.current, p.currentFields = data.Current, ReadFields(data.Current)
	if isObject(data.Previous) {
		p.previous, p.previousFields, p.hasPrevious = data.Previous, ReadFields(data.Previous), true
	}
	return p
}

// Changes derives the event's change events against stored, the entity's
// state before it (nil when never seen).
func (p *Prepared) Changes(stored *Entity) (Result, error) {
	if p.skip {
		return Result{}, nil
	}
	env := p.in.Envelope
	if stored != nil && olderThan(p.currentFields, stored.Fields) {
		// A snapshot older than the stored one arrived late: it neither
		// replaces the newer state nor reports a change.
		return Result{}, nil
	}
	next := nextEntity(env, p.current, p.currentFields, stored)
	res := Result{Entity: next}

	previousState, previous, known := p.before(stored)
	if !known {
		return res, nil
	}

	changes := rules(env.EntityType, previous, p.currentFields)
	stamp := changeStamp(p.currentFields, env.EventID)
	for _, c := range changes {
		id := changeID(next.Key, c, stamp)
		next.LastChange[c.eventType] = id
		if c.eventType == env.EventType {
			res.ChangeID = id
			continue
		}
		derived, err := newEvent(p.in, c, id, previousState, p.current)
		if err != nil {
			return Result{}, err
		}
		res.Derived = append(res.Derived, derived)
	}

	if res.ChangeID == "" && stored != nil && len(changes) == 0 {
		// The state already shows this change: an earlier event reported or
		// derived it. Turbo's own event for it is that same change.
		res.ChangeID = stored.LastChange[env.EventType]
	}
	return res, nil
}

// before returns the state to compare with: the event's data.previous, else
// the stored state. known is false when there is neither.
func (p *Prepared) before(stored *Entity) (json.RawMessage, Fields, bool) {
	if p.hasPrevious {
		return p.previous, p.previousFields, true
	}
	if stored == nil {
		return nil, Fields{}, false
	}
	return stored.State, stored.Fields, true
}

// nextEntity returns the entity's state after the event.
func nextEntity(env *event.Envelope, state json.RawMessage, f Fields, stored *Entity) *Entity {
	next := &Entity{Key: env.EntityType + ":" + env.EntityID, Type: env.EntityType, ID: env.EntityID,
		ProjectID: env.Context["project_id"], State: state, Fields: f, DueAt: f.dueAt(), Closed: f.isClosed(),
		LastChange: map[string]string{}, SeenAt: env.Timestamp}
	if next.ProjectID == "" {
		next.ProjectID = text(f.ProjectID)
	}
	if stored != nil {
		for k, v := range stored.LastChange {
			next.LastChange[k] = v
		}
	}
	return next
}

// changeStamp makes a change's id unique to its occurrence: the entity's
// updated_at when the snapshot has one, which is the same in every event that
// reports the change, else the reporting event's id.
func changeStamp(current Fields, eventID string) string {
	if at := text(current.UpdatedAt); at != "" {
		return "at:" + at
	}
	return "event:" + eventID
}

// changeID is the UUIDv5 of the entity, the change type, the transition and
// its stamp.
func changeID(key string, c change, stamp string) string {
	return uuid.NewSHA1(Namespace, []byte(key+"|"+c.eventType+"|"+c.detail+"|"+stamp)).String()
}

// newEvent builds a derived event from its parent.
func newEvent(parent *event.Incoming, c change, id string, previous, current json.RawMessage) (*event.Incoming, error) {
	p := parent.Envelope
	data, err := json.Marshal(map[string]any{"previous": previous, "current": current, "changes": c.fields})
	if err != nil {
		return nil, err
	}
	_, action, _ := cutLast(c.eventType)
	env := &event.Envelope{EventID: id, EventType: c.eventType, Timestamp: p.Timestamp, EntityType: p.EntityType,
		EntityID: p.EntityID, Action: action, Actor: p.Actor, Data: data, Context: p.Context,
		Derived: true, ParentEventID: p.EventID}
	return Incoming(env)
}

// Incoming encodes a derived envelope for the store. Its content hash is the
// hash of its id, so the same change derived from two parents is a duplicate,
// never a conflict.
func Incoming(env *event.Envelope) (*event.Incoming, error) {
	body, err := env.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode derived event %s: %w", env.EventType, err)
	}
	in := &event.Incoming{Envelope: env, Format: event.FormatDerived, Body: body}
	sum := sha256.Sum256([]byte("derived\x00" + env.EventID))
	copy(in.ContentHash[:], sum[:16])
	return in, nil
}

func cutLast(eventType string) (string, string, bool) {
	for i := len(eventType) - 1; i >= 0; i-- {
		if eventType[i] == '.' {
			return eventType[:i], eventType[i+1:], true
		}
	}
	return eventType, "", false
}

func isObject(raw json.RawMessage) bool {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}

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
		out = append(out, change{"issue.closed", []string{"status"}, from + ">" + to})
	}
	if from != to && from == "closed" {
		out = append(out, change{"issue.reopened", []string{"status"}, from + ">" + to})
	}
	out = append(out, valueChange("issue.priority_changed", "priority", previous.Priority, current.Priority)...)

	before, after := text(previous.Assignee), text(current.Assignee)
	switch {
	case before != after && after != "":
		out = append(out, change{"issue.assigned", []string{"assignee"}, before + ">" + after})
	case before != after:
		out = append(out, change{"issue.unassigned", []string{"assignee"}, before + ">"})
	}
	if previous.Blocked != current.Blocked {
		kind := "issue.unblocked"
		if current.Blocked {
			kind = "issue.blocked"
		}
		out = append(out, change{kind, []string{"blocked_by"}, fmt.Sprint(previous.Blocked, ">", current.Blocked)})
	}
	return append(out, valueChange("issue.due_date_changed", "due_date", previous.DueDate, current.DueDate)...)
}

func projectChanges(previous, current Fields) []change {
	out := statusChanges("project", previous, current, "")
	wasArchived := text(previous.Status) == "archived" || (previous.IsArchived != nil && *previous.IsArchived)
	isArchived := text(current.Status) == "archived" || (current.IsArchived != nil && *current.IsArchived)
	if isArchived && !wasArchived {
		out = append(out, change{"project.archived", []string{"status"}, "archived"})
	}
	before, _ := previous.completion()
	after, has := current.completion()
	if !has {
		return out
	}
	for _, threshold := range []float64{25, 50, 75, 100} {
		if before < threshold && after >= threshold {
			out = append(out, change{"project.completion_milestone", []string{"completion_percentage"},
				"threshold:" + percentText(threshold)})
		}
	}
	return out
}

func milestoneChanges(previous, current Fields) []change {
	out := statusChanges("milestone", previous, current, "completed")
	before, _ := previous.completion()
	after, has := current.completion()
	if has && math.Floor(before/10) != math.Floor(after/10) {
		out = append(out, change{"milestone.progress_updated", []string{"progress"},
			"tenth:" + percentText(math.Floor(after/10)*10)})
	}
	return out
}

// statusChanges returns <entity>.status_changed and, when completed names a
// status, <entity>.completed on reaching it.
func statusChanges(entity string, previous, current Fields, completed string) []change {
	from, to := text(previous.Status), text(current.Status)
	if from == to || to == "" {
		return nil
	}
	out := []change{{entity + ".status_changed", []string{"status"}, from + ">" + to}}
	if completed != "" && to == completed {
		out = append(out, change{entity + ".completed", []string{"status"}, from + ">" + to})
	}
	return out
}

// valueChange returns a change when a field's value differs.
func valueChange(eventType, field string, before, after *string) []change {
	if text(before) == text(after) {
		return nil
	}
	return []change{{eventType, []string{field}, text(before) + ">" + text(after)}}
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

// olderThan reports whether a snapshot's updated_at is before the stored
// one's. Either missing or unreadable counts as not older.
func olderThan(current, stored Fields) bool {
	at, err := time.Parse(time.RFC3339Nano, text(current.UpdatedAt))
	if err != nil {
		return false
	}
	storedAt, err := time.Parse(time.RFC3339Nano, text(stored.UpdatedAt))
	return err == nil && at.Before(storedAt)
}
