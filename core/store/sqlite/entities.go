package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// maxCachedEntities bounds the writer's cache of entity states; past it the
// cache starts over, and states are read from the table again.
const maxCachedEntities = 50000

// entity returns an entity's stored state, or nil when it was never seen. Only
// the writer goroutine calls it.
func (s *Store) entity(tx *txn, key string) (*derive.Entity, error) {
	if e, ok := s.entities[key]; ok {
		return e, nil
	}
	e := &derive.Entity{Key: key}
	var dueAt, seenAt int64
	var closed int
	var lastChange string
	err := s.stmts.loadEntity.QueryRowContext(tx.ctx, key).Scan(&e.Type, &e.ID, &e.ProjectID, &e.State, &dueAt,
		&closed, &lastChange, &seenAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", key, err)
	}
	if e.Fields, err = derive.ReadFields(e.State); err != nil {
		return nil, fmt.Errorf("read entity %s: %w", key, err)
	}
	if err := json.Unmarshal([]byte(lastChange), &e.LastChange); err != nil {
		return nil, fmt.Errorf("read entity %s: %w", key, err)
	}
	e.DueAt, e.Closed, e.SeenAt = fromNanos(dueAt), closed != 0, fromNanos(seenAt)
	s.cacheEntity(e)
	return e, nil
}

// saveEntity writes an entity's new state and the time it is next owed a
// due-date event.
func (s *Store) saveEntity(tx *txn, e *derive.Entity, req *store.AcceptRequest) error {
	lastChange, err := json.Marshal(e.LastChange)
	if err != nil {
		return err
	}
	nextDue := derive.NextDue(e, req.ReceivedAt, req.DueThresholds)
	closed := 0
	if e.Closed {
		closed = 1
	}
	if _, err := s.stmts.saveEntity.ExecContext(tx.ctx, e.Key, e.Type, e.ID, e.ProjectID, []byte(e.State), nanos(e.DueAt),
		closed, string(lastChange), nanos(e.SeenAt), nanos(nextDue)); err != nil {
		return fmt.Errorf("write entity %s: %w", e.Key, err)
	}

	before, had := s.entities[e.Key]
	s.cacheEntity(e)
	tx.req.onUndo(func() {
		if had {
			s.entities[e.Key] = before
		} else {
			delete(s.entities, e.Key)
		}
	})
	return nil
}

func (s *Store) cacheEntity(e *derive.Entity) {
	if len(s.entities) >= maxCachedEntities {
		s.entities = make(map[string]*derive.Entity, maxCachedEntities)
	}
	s.entities[e.Key] = e
}
