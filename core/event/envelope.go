// Package event defines the event envelope, its validation, and the normalisers
// that turn each inbound format (the envelope itself, Turbo's native webhook,
// CloudEvents) into envelopes. It does no I/O.
package event

import (
	"encoding/json"
	"sync"
	"time"
)

// Envelope is one event in Switchboard's canonical form. Its JSON encoding (see
// Marshal) is what the store keeps, what templates and rules read, and what
// connectors receive.
type Envelope struct {
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	Timestamp  time.Time `json:"timestamp"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	Action     string    `json:"action"`
	Actor      *Actor    `json:"actor,omitempty"`
	// Data holds {"current": {...}, "previous": {...}, "changes": [...]} exactly as
	// it arrived; it is parsed only where a rule or template reads it.
	Data json.RawMessage `json:"data,omitempty"`
	// Context names the entities the event belongs to: project_id, issue_id (for a
	// comment or other child of an issue), milestone_id, initiative_id.
	Context       map[string]string `json:"context,omitempty"`
	Derived       bool              `json:"derived,omitempty"`
	ParentEventID string            `json:"parent_event_id,omitempty"`

	// Extra keeps top-level keys this version does not know, as they arrived, so
	// that nothing an emitter sends is lost.
	Extra map[string]json.RawMessage `json:"-"`

	// arrived is the timestamp as the sender wrote it, so that Marshal keeps its
	// precision for as long as Timestamp holds the same instant and offset.
	arrived arrivedTime
}

// Actor is who caused the event.
type Actor struct {
	Type     string          `json:"type"` // user, ai or system
	Name     string          `json:"name,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// Format names the inbound format an event arrived in.
type Format string

// The inbound formats.
const (
	FormatEnvelope    Format = "envelope"
	FormatTurbo       Format = "turbo-webhook"
	FormatCloudEvents Format = "cloudevents"
	FormatGitHub      Format = "github"
	FormatDerived     Format = "derived"
)

// Incoming is an envelope as ingest produced it, ready to be routed and stored.
type Incoming struct {
	Envelope *Envelope
	Format   Format
	// ContentHash identifies what the sender sent for this event (its bytes with
	// insignificant whitespace removed, and the format). A known event id that
	// arrives with the same hash is a duplicate; with another hash, a conflict.
	ContentHash [16]byte
	// Body is the envelope's canonical JSON encoding.
	Body []byte

	docOnce sync.Once
	doc     map[string]any
	docErr  error
}

// Doc returns the envelope parsed as generic JSON (maps, slices, strings, float64,
// bool, nil), the form templates and rules read. The result is parsed once and
// cached, safely for concurrent callers; callers must not modify it.
func (in *Incoming) Doc() (map[string]any, error) {
	in.docOnce.Do(func() {
		in.docErr = json.Unmarshal(in.Body, &in.doc)
	})
	return in.doc, in.docErr
}

// EntityKey returns the key of the event's root entity: the issue a comment or
// other child belongs to (context.issue_id, or context.github_issue for a
// GitHub comment), else the entity itself, as "<type>:<id>". Ordering and
// per-entity connector state are keyed on it.
func (e *Envelope) EntityKey() string {
	if issueID := e.Context["issue_id"]; issueID != "" && e.EntityType != "issue" {
		return "issue:" + issueID
	}
	if issue := e.Context["github_issue"]; issue != "" && e.EntityType != GitHubIssueEntity {
		return GitHubIssueEntity + ":" + issue
	}
	if e.EntityID == "" {
		return ""
	}
	return e.EntityType + ":" + e.EntityID
}
