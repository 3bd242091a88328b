package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Prune implements store.Store. It walks events in seq order from where the
// previous call stopped and stops at the first event received at or after
// cutoff, so a call costs at most limit rows even on a large store. Events it
// must keep (a delivery is dead or unfinished) are passed over; a pass that
// reaches the end starts the next one from the oldest event, so they are looked
// at again once their deliveries finish.
func (s *Store) Prune(ctx context.Context, cutoff time.Time, limit int) (int, bool, error) {
	deleted, more := 0, false
	err := s.writer.do(ctx, func(tx *txn) error {
		deleted, more = 0, false
		candidates, err := s.pruneCandidates(tx, limit)
		if err != nil {
			return err
		}

		cursor := s.pruneCursor
		reachedEnd := len(candidates) < limit
		for _, c := range candidates {
			if !c.receivedAt.Before(cutoff) {
				reachedEnd = true
				break
			}
			cursor = c.seq
			keep, err := s.mustKeep(tx, c.seq)
			if err != nil {
				return err
			}
			if keep {
				continue
			}
			if err := s.deleteEvent(tx, c.seq); err != nil {
				return err
			}
			hash, alias, seq := c.hash, c.alias, c.seq
			tx.req.onCommit(func() {
				s.ids.remove(hash, seq)
				if alias.Valid {
					s.ids.remove(uint64(alias.Int64), seq)
				}
			})
			deleted++
		}

		if reachedEnd {
			cursor = 0
			if err := s.pruneThrottles(tx, cutoff); err != nil {
				return err
			}
		}
		more = !reachedEnd
		tx.req.onCommit(func() { s.pruneCursor = cursor })
		return nil
	})
	return deleted, more, err
}

type pruneCandidate struct {
	seq        int64
	hash       uint64
	alias      sql.NullInt64
	receivedAt time.Time
}

func (s *Store) pruneCandidates(tx *txn, limit int) ([]pruneCandidate, error) {
	rows, err := tx.w.conn.QueryContext(tx.ctx, `SELECT seq, id_hash, alias_hash, received_at FROM events
		WHERE seq > ? ORDER BY seq LIMIT ?`, s.pruneCursor, limit)
	if err != nil {
		return nil, fmt.Errorf("find events to prune: %w", err)
	}
	defer rows.Close()
	var out []pruneCandidate
	for rows.Next() {
		var c pruneCandidate
		var hash, received int64
		if err := rows.Scan(&c.seq, &hash, &c.alias, &received); err != nil {
			return nil, fmt.Errorf("find events to prune: %w", err)
		}
		c.hash, c.receivedAt = uint64(hash), fromNanos(received)
		out = append(out, c)
	}
	return out, rows.Err()
}

// mustKeep reports whether an event has a delivery that is dead or unfinished,
// or is in a digest whose delivery is.
func (s *Store) mustKeep(tx *txn, seq int64) (bool, error) {
	var open int
	err := tx.w.conn.QueryRowContext(tx.ctx, `SELECT count(*) FROM deliveries WHERE event_seq = ?1 AND state IN (0, 2)
		OR id IN (SELECT delivery_id FROM digest_events WHERE event_seq = ?1) AND state IN (0, 2)`, seq).Scan(&open)
	if err != nil {
		return false, fmt.Errorf("check deliveries of event %d: %w", seq, err)
	}
	return open > 0, nil
}

func (s *Store) deleteEvent(tx *txn, seq int64) error {
	for _, stmt := range []string{
		`DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_seq = ?)`,
		`DELETE FROM digest_events WHERE event_seq = ?1 OR delivery_id IN (SELECT id FROM deliveries WHERE event_seq = ?1)`,
		`DELETE FROM digests WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_seq = ?)`,
		`DELETE FROM deliveries WHERE event_seq = ?`,
		`DELETE FROM events WHERE seq = ?`,
	} {
		if _, err := tx.w.conn.ExecContext(tx.ctx, stmt, seq); err != nil {
			return fmt.Errorf("prune event %d: %w", seq, err)
		}
	}
	return nil
}

// pruneThrottles deletes the throttles whose period ended before cutoff. A
// count of suppressed matches that no later match reported is lost with its
// throttle; the matches stay in the delivery log as skipped.
func (s *Store) pruneThrottles(tx *txn, cutoff time.Time) error {
	if _, err := tx.w.conn.ExecContext(tx.ctx, `DELETE FROM throttles WHERE until < ?`, nanos(cutoff)); err != nil {
		return fmt.Errorf("prune throttles: %w", err)
	}
	return nil
}
