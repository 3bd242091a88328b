package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// maxCachedEntities bounds the writer's cache of entity states; past it the
// cache starts over, and states are read from the table again.
const maxCachedEntities = 50000

// entity returns an entity's latest state, or nil when it was never seen. Only
// the writer goroutine calls it.
func (s *Store) entity(tx *txn, key string) (*derive.Entity, error) {
	if e, ok := s.unwritten.get(key); ok {
		return e, nil
	}
	if e, ok := s.entities[key]; ok {
		return e, nil
	}
	e, err := s.readEntityRow(tx.ctx, key)
	if e != nil {
		s.cacheEntity(e)
	}
	return e, err
}

// readEntityRow reads an entity's row, nil when there is none.
func (s *Store) readEntityRow(ctx context.Context, key string) (*derive.Entity, error) {
	e := &derive.Entity{Key: key}
	var dueAt, seenAt, nextDue int64
	var closed int
	var lastChange string
	err := s.stmts.loadEntity.QueryRowContext(ctx, key).Scan(&e.Type, &e.ID, &e.ProjectID, &e.State, &dueAt,
		&closed, &lastChange, &seenAt, &nextDue)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", key, err)
	}
	e.Fields = derive.ReadFields(e.State)
	if err := json.Unmarshal([]byte(lastChange), &e.LastChange); err != nil {
		return nil, fmt.Errorf("read entity %s: %w", key, err)
	}
	e.DueAt, e.Closed, e.SeenAt, e.NextDueAt = fromNanos(dueAt), closed != 0, fromNanos(seenAt), fromNanos(nextDue)
	return e, nil
}

// seenAtResolution is how stale an entity's seen_at may be: an event that
// repeats the stored state within it writes nothing.
const seenAtResolution = time.Minute

// saveEntity records an entity's new state and the time it is next owed a
// due-date event; the backlog writes it to the table later. A state equal to
// the stored one is not recorded again unless seen_at would be more than
// seenAtResolution old.
func (s *Store) saveEntity(tx *txn, e *derive.Entity, req *store.AcceptRequest) error {
	before, ok := s.unwritten.get(e.Key)
	if !ok {
		before, ok = s.entities[e.Key]
	}
	if ok && sameDue(before, e) && slices.Equal(s.thresholds, req.DueThresholds) {
		// Nothing NextDue reads changed. Its result is the earliest time the
		// entity is owed an event, so the stored one still is: a time that
		// has passed meanwhile means owed now, as a new result would.
		e.NextDueAt = before.NextDueAt
	} else {
		e.NextDueAt = fromNanos(nanos(derive.NextDue(e, req.ReceivedAt, req.DueThresholds)))
		s.thresholds = slices.Clone(req.DueThresholds)
	}
	if ok && sameEntity(before, e) {
		return nil
	}
	s.unwritten.add(tx, e)

	cached, had := s.entities[e.Key]
	s.cacheEntity(e)
	tx.req.onUndo(func() {
		if had {
			s.entities[e.Key] = cached
		} else {
			delete(s.entities, e.Key)
		}
	})
	return nil
}

// writeEntityRow writes one entity's row.
func (s *Store) writeEntityRow(ctx context.Context, e *derive.Entity) error {
	lastChange, err := json.Marshal(e.LastChange)
	if err != nil {
		return fmt.Errorf("write entity %s: %w", e.Key, err)
	}
	closed := 0
	if e.Closed {
		closed = 1
	}
	if _, err := s.stmts.saveEntity.ExecContext(ctx, e.Key, e.Type, e.ID, e.ProjectID, []byte(e.State), nanos(e.DueAt),
		closed, string(lastChange), nanos(e.SeenAt), nanos(e.NextDueAt)); err != nil {
		return fmt.Errorf("write entity %s: %w", e.Key, err)
	}
	return nil
}

func (s *Store) cacheEntity(e *derive.Entity) {
	if len(s.entities) >= maxCachedEntities {
		s.entities = make(map[string]*derive.Entity, maxCachedEntities)
	}
	s.entities[e.Key] = e
}

// sameDue reports whether two states of an entity are owed the same due-date
// events: the same due date, set by the same snapshot, closed state and
// record of the events sent.
func sameDue(a, b *derive.Entity) bool {
	return a.DueAt.Equal(b.DueAt) && a.Closed == b.Closed && a.Type == b.Type &&
		a.LastChange[derive.DueDateSetKey] == b.LastChange[derive.DueDateSetKey] &&
		a.LastChange[a.Type+".overdue"] == b.LastChange[b.Type+".overdue"] &&
		a.LastChange[a.Type+".due_date_approaching"] == b.LastChange[b.Type+".due_date_approaching"]
}

// sameEntity reports whether writing next over stored would change nothing a
// reader uses.
func sameEntity(stored, next *derive.Entity) bool {
	return bytes.Equal(stored.State, next.State) && stored.ProjectID == next.ProjectID &&
		stored.DueAt.Equal(next.DueAt) && stored.Closed == next.Closed && stored.NextDueAt.Equal(next.NextDueAt) &&
		maps.Equal(stored.LastChange, next.LastChange) && next.SeenAt.Sub(stored.SeenAt) < seenAtResolution
}
