package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
)

// replayEntities brings the entities table up to date after a stop that left
// entity states unwritten (see backlog.go). It derives the states again from
// the events stored after the entities_through mark, in the order they were
// accepted, and writes them with the new mark in one transaction. Derived
// events and duplicates changed no state when they were accepted, so they are
// skipped; the derived events themselves are stored already.
func (s *Store) replayEntities(ctx context.Context) error {
	through, found, err := s.readThrough(ctx)
	if err != nil {
		return err
	}
	if !found {
		// A store from before the backlog: its table was written through.
		return s.writeMark(ctx)
	}

	states, err := s.replayStates(ctx, through)
	if err != nil {
		return err
	}
	if len(states) > 0 {
		s.log.Info("replayed entity states not written before the last stop", "entities", len(states), "after_seq", through)
	}
	return s.writeReplayed(ctx, states)
}

func (s *Store) readThrough(ctx context.Context) (int64, bool, error) {
	var through int64
	err := s.conn.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?`, throughKey).Scan(&through)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read the entity replay mark: %w", err)
	}
	return through, true, nil
}

// replayStates derives the latest state of every entity an event after
// through changed.
func (s *Store) replayStates(ctx context.Context, through int64) (map[string]*derive.Entity, error) {
	rows, err := s.conn.QueryContext(ctx, `SELECT seq, body, received_at FROM events
		WHERE seq > ? AND format != ? AND duplicate_of IS NULL ORDER BY seq`, through, string(event.FormatDerived))
	if err != nil {
		return nil, fmt.Errorf("read events to replay entity states: %w", err)
	}
	defer rows.Close()

	states := map[string]*derive.Entity{}
	for rows.Next() {
		var seq, receivedAt int64
		var body []byte
		if err := rows.Scan(&seq, &body, &receivedAt); err != nil {
			return nil, fmt.Errorf("read events to replay entity states: %w", err)
		}
		if err := s.replayEvent(ctx, states, body, receivedAt); err != nil {
			return nil, fmt.Errorf("replay entity state of event %d: %w", seq, err)
		}
	}
	return states, rows.Err()
}

func (s *Store) replayEvent(ctx context.Context, states map[string]*derive.Entity, body []byte, receivedAt int64) error {
	var env event.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	key := env.EntityType + ":" + env.EntityID
	stored, ok := states[key]
	if !ok {
		var err error
		if stored, err = s.readEntityRow(ctx, key); err != nil {
			return err
		}
	}
	res, err := derive.PrepareIn(&event.Incoming{Envelope: &env, Body: body}, s.dueZone).Changes(stored)
	if err != nil || res.Entity == nil {
		return err
	}

	// The due-date thresholds are configuration the store does not hold: an
	// entity with a due date is visited by the scheduler at once, which
	// computes its next due time with the thresholds in force.
	next := res.Entity
	if due := derive.NextDue(next, fromNanos(receivedAt), nil); !due.IsZero() {
		next.NextDueAt = fromNanos(receivedAt)
	}
	states[key] = next
	return nil
}

func (s *Store) writeReplayed(ctx context.Context, states map[string]*derive.Entity) (err error) {
	if _, err := s.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("write replayed entity states: %w", err)
	}
	defer func() {
		if err != nil {
			s.conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	for _, e := range states {
		if err := s.writeEntityRow(ctx, e); err != nil {
			return err
		}
	}
	if err := s.writeMark(ctx); err != nil {
		return err
	}
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("write replayed entity states: %w", err)
	}
	return nil
}

// writeMark records that the entities table holds the state of every stored
// event.
func (s *Store) writeMark(ctx context.Context) error {
	if _, err := s.conn.ExecContext(ctx, `INSERT INTO meta (key, value)
		VALUES (?, (SELECT coalesce(max(seq), 0) FROM events))
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, throughKey); err != nil {
		return fmt.Errorf("record written entity states: %w", err)
	}
	return nil
}
