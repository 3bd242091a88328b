package derive

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"

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
	// threshold is the percentage a completion or progress change reached,
	// sent as data.threshold; nil for other changes.
	threshold *float64
}

// Result is what an event derives.
type Result struct {
	// Derived are the new events, each with its deterministic id.
	Derived []*event.Incoming
	// ChangeID is the id of the change the event itself reports, when its type
	// is one of the derived types (Turbo's own issue.closed, issue.assigned):
	// a derived event with that id is the same change. Empty otherwise.
	ChangeID string
	// Entity is the entity's new state; nil when the event carries none or
	// arrived late.
	Entity *Entity
	// Late is set when the event's snapshot is older than the stored state
	// (its updated_at is earlier): it derives nothing and changes no state.
	Late bool
	// SameVersion is set when the event's snapshot has the stored state's
	// updated_at: it was compared with the stored state alone, not with its
	// data.previous.
	SameVersion bool
}

// Changes derives the change events of one received event, comparing its
// data.current with its data.previous when it has one, else with stored, the
// entity's state before it. Derived events derive nothing.
func Changes(in *event.Incoming, stored *Entity) (Result, error) {
	return Prepare(in).Changes(stored)
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
	fields := map[string]any{"previous": previous, "current": current, "changes": c.fields}
	if c.threshold != nil {
		fields["threshold"] = *c.threshold
	}
	data, err := json.Marshal(fields)
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
