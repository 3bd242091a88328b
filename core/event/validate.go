package event

import (
	"strings"

	"github.com/google/uuid"
)

// Limits of the envelope's identifiers.
const (
	maxEventIDLength  = 128
	minTypeSegments   = 2
	maxTypeSegments   = 4
	systemEntityType  = "system"
	eventIDCharacters = "A-Z a-z 0-9 . _ : ~ -"
)

// validate checks the rules of an inbound envelope and fills entity_type and
// action from event_type where they are missing.
func (e *Envelope) validate() *FieldError {
	if err := checkEventID("event_id", e.EventID); err != nil {
		return err
	}
	if err := checkEventType("event_type", e.EventType); err != nil {
		return err
	}
	if e.arrived.text == "" && e.Timestamp.IsZero() {
		return fieldError("timestamp", "missing; send the time the event happened in RFC 3339, like \"2026-12-01T16:03:10Z\"")
	}
	if err := e.checkEntity(); err != nil {
		return err
	}
	if err := e.checkActor(); err != nil {
		return err
	}
	return e.checkNotDerived()
}

// checkNotDerived rejects an inbound event that claims to be derived. Only
// Switchboard makes derived events, and a route without `derived: true` skips
// them, so a sender that set the flag could hide its event from those routes.
// false, null and an empty parent_event_id are accepted as absent.
func (e *Envelope) checkNotDerived() *FieldError {
	const reason = "Switchboard sets %s only on the events it derives itself; leave it out of the events you send"
	if e.Derived {
		return fieldError("derived", reason, "derived")
	}
	if e.ParentEventID != "" {
		return fieldError("parent_event_id", reason, "parent_event_id")
	}
	return nil
}

// checkEntity fills entity_type and action from event_type's first and last
// segment when they are missing, and requires them to agree when present.
func (e *Envelope) checkEntity() *FieldError {
	entity, action := typeEntity(e.EventType), typeAction(e.EventType)
	switch e.EntityType {
	case "":
		e.EntityType = entity
	case entity:
	default:
		return fieldError("entity_type", "%s disagrees with event_type %s; send %q or leave entity_type out",
			quoteValue(e.EntityType), quoteValue(e.EventType), entity)
	}
	switch e.Action {
	case "":
		e.Action = action
	case action:
	default:
		return fieldError("action", "%s disagrees with event_type %s; send %q or leave action out",
			quoteValue(e.Action), quoteValue(e.EventType), action)
	}

	if e.EntityID == "" && e.EntityType != systemEntityType {
		return fieldError("entity_id", "missing; send the id of the %s the event is about (only system.* events may leave it out)", e.EntityType)
	}
	return nil
}

func (e *Envelope) checkActor() *FieldError {
	if e.Actor == nil {
		return nil
	}
	switch e.Actor.Type {
	case "user", "ai", "system":
		return nil
	case "":
		return fieldError("actor.type", "missing; send \"user\", \"ai\" or \"system\", or leave actor out")
	default:
		return fieldError("actor.type", "%s is not an actor type; send \"user\", \"ai\" or \"system\"", quoteValue(e.Actor.Type))
	}
}

// checkEventID checks an event id: a UUID, or 1 to 128 characters of
// [A-Za-z0-9._:~-]. field names the field or header in the error.
func checkEventID(field, id string) *FieldError {
	if id == "" {
		return fieldError(field, "missing; send a unique id for the event, such as a UUID")
	}
	if isEventID(id) {
		return nil
	}
	return fieldError(field, "%s is not a valid event id; use a UUID or 1 to %d characters of %s",
		quoteValue(id), maxEventIDLength, eventIDCharacters)
}

func isEventID(id string) bool {
	if len(id) > maxEventIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !eventIDByte[id[i]] {
			return uuid.Validate(id) == nil // the {xxxxxxxx-...} form of a UUID
		}
	}
	return true
}

var eventIDByte = func() (table [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		table[c] = true
		table[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		table[c] = true
	}
	for _, c := range "._:~-" {
		table[c] = true
	}
	return table
}()

// checkEventType checks an event type: 2 to 4 dot-separated segments of
// [a-z0-9_], like "issue.created" or "github.issue_comment.created".
func checkEventType(field, eventType string) *FieldError {
	if eventType == "" {
		return fieldError(field, "missing; send <entity>.<action>, like \"issue.created\"")
	}
	if isEventType(eventType) {
		return nil
	}
	return fieldError(field, "%s is not a valid event type; send %d to %d dot-separated lowercase segments of a-z, 0-9 and _, like \"issue.created\"",
		quoteValue(eventType), minTypeSegments, maxTypeSegments)
}

func isEventType(eventType string) bool {
	segments := 1
	segmentLength := 0
	for i := 0; i < len(eventType); i++ {
		switch c := eventType[i]; {
		case c == '.':
			if segmentLength == 0 {
				return false
			}
			segments++
			segmentLength = 0
		case (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_':
			segmentLength++
		default:
			return false
		}
	}
	return segmentLength > 0 && segments >= minTypeSegments && segments <= maxTypeSegments
}

// typeEntity returns the first segment of an event type.
func typeEntity(eventType string) string {
	entity, _, _ := strings.Cut(eventType, ".")
	return entity
}

// typeAction returns the last segment of an event type.
func typeAction(eventType string) string {
	return eventType[strings.LastIndexByte(eventType, '.')+1:]
}
