package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// Delivery implements store.Operations.
func (s *Store) Delivery(ctx context.Context, id int64) (*store.Delivery, error) {
	found, err := s.queryDeliveries(ctx, `SELECT `+deliveryColumns+`, e.event_id, e.event_type FROM deliveries d
		JOIN destinations ds ON ds.id = d.destination_id
		JOIN events e ON e.seq = d.event_seq
		WHERE d.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("delivery %d: %w", id, store.ErrNotFound)
	}
	return found[0], nil
}

// derivedWindow bounds how far after its parent a derived event is looked for.
// Change events are stored in their parent's transaction, right after it, so
// they are within the events of that one request (at most a batch of 500 and
// the changes each derives).
const derivedWindow = 10000

// Events implements store.Operations. Entity and parent filters read the
// stored JSON body, which has no index; the other filters and the cursor bound
// the rows read.
func (s *Store) Events(ctx context.Context, filter store.EventFilter) ([]*store.StoredEvent, error) {
	var c conditions
	c.addIf(filter.EventType != "", "e.event_type = ?", filter.EventType)
	c.addIf(filter.EntityType != "", "json_extract(CAST(e.body AS TEXT), '$.entity_type') = ?", filter.EntityType)
	c.addIf(filter.EntityID != "", "json_extract(CAST(e.body AS TEXT), '$.entity_id') = ?", filter.EntityID)
	if filter.ParentEventID != "" {
		parent, err := s.Event(ctx, filter.ParentEventID)
		if err != nil {
			return nil, err
		}
		c.add("e.seq > ?", parent.Seq)
		c.add("e.seq <= ?", parent.Seq+derivedWindow)
		c.add("json_extract(CAST(e.body AS TEXT), '$.parent_event_id') = ?", filter.ParentEventID)
	}
	c.addIf(!filter.ReceivedAfter.IsZero(), "e.received_at >= ?", nanos(filter.ReceivedAfter))
	c.addIf(!filter.ReceivedBefore.IsZero(), "e.received_at < ?", nanos(filter.ReceivedBefore))
	c.addIf(filter.BeforeSeq > 0, "e.seq < ?", filter.BeforeSeq)

	query, args := c.query(`SELECT `+eventColumns+` FROM events e`, "e.seq DESC", filter.Limit)
	return s.queryEvents(ctx, query, args...)
}

func (s *Store) queryEvents(ctx context.Context, query string, args ...any) ([]*store.StoredEvent, error) {
	rows, err := s.readDB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()

	var out []*store.StoredEvent
	for rows.Next() {
		r, dst := eventScanTargets()
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, r.finish())
	}
	return out, rows.Err()
}

// Retry implements store.Operations. Setting held_ns to the delivery's age
// gives it a new max_age from now, because the dispatcher counts the age
// from creation plus the time held.
func (s *Store) Retry(ctx context.Context, ids []int64, now time.Time) ([]int64, error) {
	var retried []int64
	err := s.writer.do(ctx, func(tx *txn) error {
		retried = retried[:0]
		revived := map[int64]int64{}
		for _, id := range ids {
			ok, destID, wasFinal, err := s.retryOne(tx, id, now)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			retried = append(retried, id)
			if wasFinal {
				revived[destID]++
			}
		}
		tx.req.onCommit(func() { s.addPending(revived) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return retried, nil
}

func (s *Store) retryOne(tx *txn, id int64, now time.Time) (ok bool, destID int64, wasFinal bool, err error) {
	var state int
	var leaseUntil sql.NullInt64
	err = tx.w.conn.QueryRowContext(tx.ctx, `SELECT state, destination_id, lease_until FROM deliveries WHERE id = ?`, id).
		Scan(&state, &destID, &leaseUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, false, nil
	}
	if err != nil {
		return false, 0, false, fmt.Errorf("read delivery %d: %w", id, err)
	}
	if state == stateCodes[store.StateScheduled] && leaseUntil.Valid && leaseUntil.Int64 > nanos(now) {
		return false, 0, false, nil
	}

	_, err = tx.w.conn.ExecContext(tx.ctx, `UPDATE deliveries SET state = 0, next_at = ?1, hold_reason = '',
		held_ns = max(?1 - created_at, 0), last_error = '', updated_at = ?1, retry_base = attempts,
		lease_owner = NULL, lease_token = NULL, lease_until = NULL WHERE id = ?2`, nanos(now), id)
	if err != nil {
		return false, 0, false, fmt.Errorf("retry delivery %d: %w", id, err)
	}
	return true, destID, state != stateCodes[store.StateScheduled], nil
}

// AddDeliveries implements store.Operations.
func (s *Store) AddDeliveries(ctx context.Context, eventID string, deliveries []*store.NewDelivery, now time.Time) ([]*store.Delivery, error) {
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return nil, err
	}
	var created []*store.Delivery
	err = s.writer.do(ctx, func(tx *txn) error {
		created = created[:0]
		req := &store.AcceptRequest{ReceivedAt: now}
		scheduled := map[int64]int64{}
		for _, nd := range deliveries {
			d, destID, err := s.insertDelivery(tx, req, ev, nd)
			if err != nil {
				return err
			}
			if d.State == store.StateScheduled {
				scheduled[destID]++
			}
			created = append(created, d)
		}
		tx.req.onCommit(func() { s.addPending(scheduled) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// ReleaseConnectorHolds implements store.Operations.
func (s *Store) ReleaseConnectorHolds(ctx context.Context, connector, reason string, now time.Time) (int, error) {
	var released int64
	err := s.writer.do(ctx, func(tx *txn) error {
		var err error
		released, err = rowsAffected(tx.w.conn.ExecContext(tx.ctx, `UPDATE deliveries
			SET held_ns = max(held_ns - (next_at - ?1), 0), next_at = ?1, hold_reason = ''
			WHERE state = 0 AND connector = ?2 AND hold_reason = ?3 AND next_at > ?1 AND lease_owner IS NULL`,
			nanos(now), connector, reason))
		if err != nil {
			return fmt.Errorf("release the deliveries of connector %s held for %s: %w", connector, reason, err)
		}
		return nil
	})
	return int(released), err
}

// Pauses implements store.Operations.
func (s *Store) Pauses(ctx context.Context) ([]*store.Pause, error) {
	rows, err := s.readDB.QueryContext(ctx, `SELECT connector, reason, actor, automatic, paused_at FROM connector_pauses ORDER BY connector`)
	if err != nil {
		return nil, fmt.Errorf("list paused connectors: %w", err)
	}
	defer rows.Close()
	var out []*store.Pause
	for rows.Next() {
		p := &store.Pause{}
		var at int64
		if err := rows.Scan(&p.Connector, &p.Reason, &p.Actor, &p.Automatic, &at); err != nil {
			return nil, fmt.Errorf("list paused connectors: %w", err)
		}
		p.At = fromNanos(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPause implements store.Operations.
func (s *Store) SetPause(ctx context.Context, p *store.Pause) error {
	return s.writer.do(ctx, func(tx *txn) error {
		_, err := tx.w.conn.ExecContext(tx.ctx, `INSERT INTO connector_pauses (connector, reason, actor, automatic, paused_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (connector) DO UPDATE SET reason = excluded.reason, actor = excluded.actor,
			automatic = excluded.automatic, paused_at = excluded.paused_at`,
			p.Connector, p.Reason, p.Actor, p.Automatic, nanos(p.At))
		if err != nil {
			return fmt.Errorf("pause connector %s: %w", p.Connector, err)
		}
		return nil
	})
}

// ClearPause implements store.Operations.
func (s *Store) ClearPause(ctx context.Context, connector string) (bool, error) {
	var changed int64
	err := s.writer.do(ctx, func(tx *txn) error {
		var err error
		changed, err = rowsAffected(tx.w.conn.ExecContext(tx.ctx, `DELETE FROM connector_pauses WHERE connector = ?`, connector))
		if err != nil {
			return fmt.Errorf("resume connector %s: %w", connector, err)
		}
		return nil
	})
	return changed > 0, err
}

// RecordAction implements store.Operations.
func (s *Store) RecordAction(ctx context.Context, a *store.Action) error {
	return s.writer.do(ctx, func(tx *txn) error {
		res, err := tx.w.conn.ExecContext(tx.ctx, `INSERT INTO operator_actions (at, actor, action, target, detail)
			VALUES (?, ?, ?, ?, ?)`, nanos(a.At), a.Actor, a.Action, a.Target, a.Detail)
		if err != nil {
			return fmt.Errorf("record operator action %s: %w", a.Action, err)
		}
		a.ID, err = res.LastInsertId()
		return err
	})
}

// Actions implements store.Operations.
func (s *Store) Actions(ctx context.Context, filter store.ActionFilter) ([]*store.Action, error) {
	var c conditions
	c.addAll(store.ActionConditions(filter))
	query, args := c.query(`SELECT id, at, actor, action, target, detail FROM operator_actions`, "id DESC", filter.Limit)
	rows, err := s.readDB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list operator actions: %w", err)
	}
	defer rows.Close()
	var out []*store.Action
	for rows.Next() {
		a := &store.Action{}
		var at int64
		if err := rows.Scan(&a.ID, &at, &a.Actor, &a.Action, &a.Target, &a.Detail); err != nil {
			return nil, fmt.Errorf("list operator actions: %w", err)
		}
		a.At = fromNanos(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Stats implements store.Operations. Both queries read a partial index.
func (s *Store) Stats(ctx context.Context) (*store.Stats, error) {
	st := &store.Stats{}
	if err := s.readDB.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE state = 2`).Scan(&st.Dead); err != nil {
		return nil, fmt.Errorf("count dead deliveries: %w", err)
	}
	var oldest sql.NullInt64
	err := s.readDB.QueryRowContext(ctx, `SELECT created_at FROM deliveries WHERE state = 0 ORDER BY id LIMIT 1`).Scan(&oldest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find the oldest pending delivery: %w", err)
	}
	st.OldestPending = fromNanos(oldest.Int64)
	return st, nil
}

// Backup writes a consistent copy of the database to path, which must not
// exist, while the store keeps running: VACUUM INTO reads one snapshot on a
// connection of its own, so writers go on.
func (s *Store) Backup(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", dsn(s.path, 2048, false))
	if err != nil {
		return fmt.Errorf("open %s for the backup: %w", s.path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("back up %s to %s: %w", s.path, path, err)
	}
	return nil
}
