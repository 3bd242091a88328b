package app

import (
	"log/slog"
	"sync"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
)

// maxInvalidValueWarnings bounds the entity fields remembered as warned
// about; past it the memory starts over, so a value may be warned about once
// more.
const maxInvalidValueWarnings = 10_000

// invalidValueWarnings logs events whose data.current, due_date or
// updated_at cannot be read, once per entity, field and value, so that an
// entity that keeps its bad value does not fill the log.
type invalidValueWarnings struct {
	mu sync.Mutex
	// warned maps "<entity key> <field>" to the value last warned about.
	warned map[string]string
}

// check logs at WARN each field of the prepared event that cannot be read,
// unless this entity was warned about that value of the field before.
func (w *invalidValueWarnings) check(log *slog.Logger, p *derive.Prepared, env *event.Envelope) {
	entity := env.EntityType + ":" + env.EntityID
	if kind := p.InvalidCurrent(); kind != "" && w.first(entity+" current", kind) {
		log.Warn(derive.CurrentNotObjectNote(kind), "event_id", env.EventID, "event_type", env.EventType, "entity", entity)
	}
	if value := p.InvalidDueDate(); value != "" && w.first(entity+" due_date", value) {
		log.Warn("due date is not a date, so the entity gets no due-date events until an event sets a valid one; "+
			"write it as 2026-12-10, 2026-12-10T17:00:00 or 2026-12-10T17:00:00Z",
			"event_id", env.EventID, "event_type", env.EventType, "entity", entity, "due_date", value)
	}
	if value := p.InvalidUpdatedAt(); value != "" && w.first(entity+" updated_at", value) {
		log.Warn("updated_at is not an RFC 3339 time with a UTC offset, so Switchboard cannot tell whether this "+
			"snapshot is older than the stored one: it takes the snapshots of the entity in arrival order; "+
			"write it as 2026-12-10T17:00:00Z",
			"event_id", env.EventID, "event_type", env.EventType, "entity", entity, "updated_at", value)
	}
}

// first records value for the key and reports whether it was new.
func (w *invalidValueWarnings) first(key, value string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.warned[key] == value {
		return false
	}
	if w.warned == nil || len(w.warned) >= maxInvalidValueWarnings {
		w.warned = map[string]string{}
	}
	w.warned[key] = value
	return true
}
