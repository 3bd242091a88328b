package admin

import (
	"context"
	"fmt"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
)

// derivedPreview is the dry run's result of deriving from one event: the change
// events, what they were compared with, and notes about the comparison.
type derivedPreview struct {
	events []*event.Incoming
	basis  string
	notes  []string
}

// deriveForDryRun derives the change events that ingest would derive from
// in: data.previous over the entity's stored data.current, then data.current
// over that. The stored state is read live, so an event pasted after a real
// one compares with the state that event left. The dry run does not know
// which changes were stored already; such a change would be a duplicate at
// ingest and route nothing.
func (s *server) deriveForDryRun(ctx context.Context, snap Snapshot, in *event.Incoming) (derivedPreview, error) {
	env := in.Envelope
	switch {
	case env.Derived || in.Format == event.FormatGitHub || env.EntityID == "":
		// GitHub's entities are not Turbo's, and a derived event derives nothing.
		return derivedPreview{}, nil
	case !snap.Config.Ingest.Derive:
		return derivedPreview{basis: "nothing: ingest.derive is off"}, nil
	}

	key := env.EntityType + ":" + env.EntityID
	stored, err := s.storedEntity(ctx, key)
	if err != nil {
		return derivedPreview{}, err
	}
	prepared := derive.PrepareIn(in, snap.Config.Schedule.Location)
	res, err := prepared.Changes(stored)
	if err != nil {
		return derivedPreview{}, fmt.Errorf("derive the changes of event %s: %w", env.EventID, err)
	}

	out := derivedPreview{events: res.Derived, basis: deriveBasis(key, prepared.HasPrevious(), stored != nil)}
	if kind := prepared.InvalidCurrent(); kind != "" {
		out.notes = append(out.notes, derive.CurrentNotObjectNote(kind))
	}
	if bad := prepared.InvalidDueDate(); bad != "" {
		out.notes = append(out.notes, fmt.Sprintf("due_date %q is not a date, so the entity would get no due-date events; "+
			"write it as 2026-12-10, 2026-12-10T17:00:00 or 2026-12-10T17:00:00Z", bad))
	}
	if res.Late {
		out.notes = append(out.notes, fmt.Sprintf("the stored state of %s has a later updated_at than this event's "+
			"data.current: the event arrived late, so it derives nothing", key))
	}
	return out, nil
}

// storedEntity returns the entity's stored data.current as the state to
// compare with, or nil when the store has none.
func (s *server) storedEntity(ctx context.Context, key string) (*derive.Entity, error) {
	current, err := s.backend.Store().EntityCurrent(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read the stored state of %s: %w", key, err)
	}
	if current == nil {
		return nil, nil
	}
	return &derive.Entity{Key: key, State: current, Fields: derive.ReadFields(current)}, nil
}

// deriveBasis describes the state an event was compared with.
func deriveBasis(key string, hasPrevious, hasStored bool) string {
	switch {
	case hasPrevious && hasStored:
		return "data.previous over the stored state of " + key
	case hasPrevious:
		return "data.previous (the store has no state of " + key + ")"
	case hasStored:
		return "the stored state of " + key
	default:
		return "nothing: the store has no state of " + key + " and the event has no data.previous, so this is its first known state"
	}
}
