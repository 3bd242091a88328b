package client

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Event is one event in Switchboard's envelope format, as POST /v1/events
// accepts it. Send fills ID and Time, in its own copy, when they are empty.
type Event struct {
	// ID is the event's idempotency key: a resend with the same ID is
	// acknowledged as a duplicate and delivered once. Set it yourself to make
	// a resend safe; when it is empty, Send generates a random UUID at each
	// call, so the same Event sent twice is two events.
	ID string `json:"event_id"`
	// Type is "<entity>.<action>", such as "issue.created". Required.
	Type string `json:"event_type"`
	// Time is when the event happened. Default: the time Send is called.
	Time time.Time `json:"timestamp"`
	// EntityType and Action default to the first and last segment of Type.
	EntityType string `json:"entity_type,omitempty"`
	Action     string `json:"action,omitempty"`
	// EntityID identifies the entity the event is about; only system.* events
	// may leave it empty.
	EntityID string `json:"entity_id,omitempty"`
	Actor    *Actor `json:"actor,omitempty"`
	Data     *Data  `json:"data,omitempty"`
	// Context names the entities the event belongs to: project_id, issue_id
	// (for a comment), milestone_id, initiative_id.
	Context map[string]string `json:"context,omitempty"`
}

// Actor is who caused an event.
type Actor struct {
	// Type is ActorUser, ActorAI or ActorSystem.
	Type     string `json:"type"`
	Name     string `json:"name,omitempty"`
	Metadata any    `json:"metadata,omitempty"`
}

// The actor types the envelope allows.
const (
	ActorUser   = "user"
	ActorAI     = "ai"
	ActorSystem = "system"
)

// Data is the entity as the event saw it. Each value is encoded with
// encoding/json: a struct, a map or a json.RawMessage.
type Data struct {
	// Current is the entity after the event.
	Current any `json:"current,omitempty"`
	// Previous is the entity before an update.
	Previous any `json:"previous,omitempty"`
	// Changes names the fields an update changed.
	Changes []string `json:"changes,omitempty"`
}

// prepare returns a copy of events with every empty ID and Time filled, and
// an error naming the first event without a type.
func prepare(events []Event, now time.Time) ([]Event, error) {
	out := make([]Event, len(events))
	for i, ev := range events {
		if strings.TrimSpace(ev.Type) == "" {
			return nil, fmt.Errorf("event %d has no Type; set it to <entity>.<action>, such as issue.created", i)
		}
		if ev.ID == "" {
			id, err := uuid.NewRandom()
			if err != nil {
				return nil, fmt.Errorf("generate an id for event %d: %w", i, err)
			}
			ev.ID = id.String()
		}
		if ev.Time.IsZero() {
			ev.Time = now.UTC()
		}
		out[i] = ev
	}
	return out, nil
}
