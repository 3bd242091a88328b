package turbo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// eventView is the part of an event the connector reads.
type eventView struct {
	id, eventType, entityType, entityID string
	context                             map[string]string
	current, previous, native           map[string]any
	changes                             []string
	// document is the whole envelope, the only_if variable event.
	document map[string]any
}

// readEvent parses an event's envelope.
func readEvent(raw json.RawMessage) (*eventView, error) {
	var env struct {
		EventID    string            `json:"event_id"`
		EventType  string            `json:"event_type"`
		EntityType string            `json:"entity_type"`
		EntityID   string            `json:"entity_id"`
		Context    map[string]string `json:"context"`
		Data       struct {
			Current  map[string]any `json:"current"`
			Previous map[string]any `json:"previous"`
			Native   map[string]any `json:"native"`
			Changes  []string       `json:"changes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("read the event: %w", err)
	}
	var document map[string]any
	if err := json.Unmarshal(raw, &document); err != nil {
		return nil, fmt.Errorf("read the event: %w", err)
	}
	return &eventView{id: env.EventID, eventType: env.EventType, entityType: env.EntityType, entityID: env.EntityID,
		context: env.Context, current: env.Data.Current, previous: env.Data.Previous, native: env.Data.Native,
		changes: env.Data.Changes, document: document}, nil
}

// issue returns the issue the event is about: the issue itself, or the issue
// a comment or other child belongs to (context.issue_id).
func (e *eventView) issue() string {
	if e.entityType == "issue" {
		return e.entityID
	}
	return e.context["issue_id"]
}

// key returns the event's own entity key, "<entity_type>:<entity_id>".
func (e *eventView) key() string { return e.entityType + ":" + e.entityID }

// nativeChangeTypes are the events that report a change of a field without
// data.previous or data.changes: Turbo's native webhooks carry only the new
// state.
var nativeChangeTypes = map[string][]string{
	fieldAssignee:     {"issue.assigned"},
	fieldAssignedToID: {"issue.assigned"},
	fieldStatus:       {"issue.ready", "issue.closed", "issue.reopened"},
}

// reports returns whether the event reports a change of field: data.changes
// names it, data.previous holds another value, or the event type is the one
// Turbo sends for such a change.
func (e *eventView) reports(field string) bool {
	if slices.Contains(e.changes, field) {
		return true
	}
	if e.previous != nil {
		if _, ok := e.previous[field]; ok && text(e.previous[field]) != e.value(field) {
			return true
		}
	}
	return slices.Contains(nativeChangeTypes[field], e.eventType)
}

// value returns a field's new value as text: assigned_to_id from the native
// payload (Turbo's issue JSON does not carry it), any other from
// data.current.
func (e *eventView) value(field string) string {
	if field == fieldAssignedToID {
		return text(e.native[field])
	}
	return text(e.current[field])
}

// stamp identifies the change the event reports: the entity's updated_at,
// which every event about that change carries, else the event's id.
func (e *eventView) stamp() string {
	if at := text(e.current["updated_at"]); at != "" {
		return at
	}
	return "event:" + e.id
}

// text returns a JSON scalar as text; null and objects are "".
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
