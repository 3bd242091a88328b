package app

import (
	"log/slog"
	"sync"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
)

// maxDueDateWarnings bounds the entities remembered as warned about; past it
// the memory starts over, so an entity may be warned about once more.
const maxDueDateWarnings = 10_000

// dueDateWarnings logs events whose due date is not a date, once per entity
// and value, so that an entity that keeps its bad value does not fill the log.
type dueDateWarnings struct {
	mu sync.Mutex
	// warned maps an entity key to the due date last warned about.
	warned map[string]string
}

// check logs at WARN when the prepared event sets a due date that cannot be
// read and this entity was not warned about that value before.
func (w *dueDateWarnings) check(log *slog.Logger, p *derive.Prepared, env *event.Envelope) {
	value := p.InvalidDueDate()
	if value == "" || !w.first(env.EntityType+":"+env.EntityID, value) {
		return
	}
	log.Warn("due date is not a date, so the entity gets no due-date events until an event sets a valid one; "+
		"write it as 2026-12-10, 2026-12-10T17:00:00 or 2026-12-10T17:00:00Z",
		"event_id", env.EventID, "event_type", env.EventType, "entity", env.EntityType+":"+env.EntityID, "due_date", value)
}

// first records value for the entity and reports whether it was new.
func (w *dueDateWarnings) first(key, value string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.warned[key] == value {
		return false
	}
	if w.warned == nil || len(w.warned) >= maxDueDateWarnings {
		w.warned = map[string]string{}
	}
	w.warned[key] = value
	return true
}
