package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// Delivery implements store.Operations.
func (s *Store) Delivery(ctx context.Context, id int64) (*store.Delivery, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	found, err := s.queryDeliveries(ctx, `SELECT `+deliveryColumns+`, e.event_id, e.event_type FROM deliveries d
		JOIN destinations ds ON ds.id = d.destination_id
		JOIN events e ON e.seq = d.event_seq
		WHERE d.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("delivery %d: %w", id, store.ErrNotFound)
	}
	return found[0], nil
}

// derivedWindow bounds how far after its parent a derived event is looked
// for. Change events are stored in their parent's transaction, which holds
// at most a few batches of requests (see acceptBatcher) of at most 500
// events each and the changes each derives, with sequence numbers taken in
// that transaction.
const derivedWindow = 100000

// eventBodyField is the SQL of a top-level string field of the stored
// envelope JSON.
func eventBodyField(name string) string {
	return `(convert_from(e.body, 'UTF8')::jsonb ->> '` + name + `')`
}

// Events implements store.Operations. Entity and parent filters read the
// stored JSON body, which has no index; the other filters and the cursor bound
// the rows read.
func (s *Store) Events(ctx context.Context, filter store.EventFilter) ([]*store.StoredEvent, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var c conditions
	c.addIf(filter.EventType != "", "e.event_type = ?", filter.EventType)
	c.addIf(filter.EntityType != "", eventBodyField("entity_type")+" = ?", filter.EntityType)
	c.addIf(filter.EntityID != "", eventBodyField("entity_id")+" = ?", filter.EntityID)
	if filter.ParentEventID != "" {
		parent, err := s.Event(ctx, filter.ParentEventID)
		if err != nil {
			return nil, err
		}
		c.add("e.seq > ?", parent.Seq)
		c.add("e.seq <= ?", parent.Seq+derivedWindow)
		c.add(eventBodyField("parent_event_id")+" = ?", filter.ParentEventID)
	}
	c.addIf(!filter.ReceivedAfter.IsZero(), "e.received_at >= ?", nanos(filter.ReceivedAfter))
	c.addIf(!filter.ReceivedBefore.IsZero(), "e.received_at < ?", nanos(filter.ReceivedBefore))
	c.addIf(filter.BeforeSeq > 0, "e.seq < ?", filter.BeforeSeq)

	query, args := c.query(`SELECT `+eventColumns+` FROM events e`, "e.seq DESC", filter.Limit)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, unavailable("list events", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.StoredEvent, error) {
		var r eventScan
		err := row.Scan(r.targets()...)
		return r.finish(), err
	})
	if err != nil {
		return nil, unavailable("list events", err)
	}
	return out, nil
}

// Retry implements store.Operations. Setting held_ns to the delivery's age
// gives it a new max_age from now, because the dispatcher counts the age from
// creation plus the time held. The rows are locked as they are read, so a
// claim or an outcome of another instance waits or is waited for.
func (s *Store) Retry(ctx context.Context, ids []int64, now time.Time) ([]int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var retried []int64
	err := s.inTx(ctx, "retry deliveries", func(tx *pipeTx) (int64, error) {
		rows, err := tx.Query(ctx, `UPDATE deliveries d SET state = 0, next_at = $2, hold_reason = '',
				held_ns = greatest($2 - d.created_at, 0), last_error = '', updated_at = $2, retry_base = d.attempts,
				lease_owner = NULL, lease_token = NULL, lease_until = NULL
			FROM (SELECT id, state FROM deliveries WHERE id = ANY($1)
			      AND NOT (state = 0 AND lease_until IS NOT NULL AND lease_until > $2) FOR UPDATE) old
			WHERE d.id = old.id
			RETURNING d.id, old.state`, ids, nanos(now))
		if err != nil {
			return 0, err
		}
		retried = retried[:0]
		revived := int64(0)
		var id int64
		var state int16
		_, err = pgx.ForEachRow(rows, []any{&id, &state}, func() error {
			retried = append(retried, id)
			if state != stateCodes[store.StateScheduled] {
				revived++
			}
			return nil
		})
		return revived, err
	})
	if err != nil {
		return nil, err
	}
	if len(retried) > 0 {
		s.notifier.request()
	}
	return retried, nil
}

// AddDeliveries implements store.Operations. The deliveries are planned as
// Accept plans those of a new event, ordering holds included, for the stored
// event.
func (s *Store) AddDeliveries(ctx context.Context, eventID string, deliveries []*store.NewDelivery, now time.Time) ([]*store.Delivery, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(deliveries))
	for i, nd := range deliveries {
		keys[i] = nd.Destination
	}
	if err := s.registerDestinations(ctx, keys); err != nil {
		return nil, err
	}

	var a *acceptTx
	err = s.inTx(ctx, "add deliveries", func(tx *pipeTx) (int64, error) {
		// FOR SHARE keeps retention from deleting the event until this commits.
		var held int64
		err := tx.QueryRow(ctx, `SELECT seq FROM events WHERE seq = $1 FOR SHARE`, ev.Seq).Scan(&held)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("event %s: %w", eventID, store.ErrNotFound)
		}
		if err != nil {
			return 0, err
		}
		a = newAcceptTx(s, tx, []*store.AcceptRequest{{ReceivedAt: now}})
		a.cur = a.parts[0]
		a.addStored(ev, deliveries)
		if err := a.order(ctx); err != nil {
			return 0, err
		}
		if err := a.ids.ensure(ctx, a.tx, 0, len(a.deliveries), 0); err != nil {
			return 0, err
		}
		return a.scheduled, a.write(ctx)
	})
	if err != nil {
		return nil, err
	}
	if a.notify {
		s.notifier.request()
	}
	created := make([]*store.Delivery, len(a.deliveries))
	for i, row := range a.deliveries {
		created[i] = row.d
	}
	return created, nil
}

// addStored plans deliveries of an event that is stored already.
func (a *acceptTx) addStored(ev *store.StoredEvent, deliveries []*store.NewDelivery) {
	row := &eventRow{part: a.cur, stored: ev}
	for _, nd := range deliveries {
		a.addDelivery(row, nd)
	}
}

// ReleaseConnectorHolds implements store.Operations.
func (s *Store) ReleaseConnectorHolds(ctx context.Context, connector, reason string, now time.Time) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.updateAndNotify(ctx, fmt.Sprintf("release the deliveries of connector %s held for %s", connector, reason),
		`UPDATE deliveries SET held_ns = greatest(held_ns - (next_at - $1), 0), next_at = $1, hold_reason = ''
		WHERE state = 0 AND connector = $2 AND hold_reason = $3 AND next_at > $1 AND lease_owner IS NULL`,
		nanos(now), connector, reason)
}

// Pauses implements store.Operations.
func (s *Store) Pauses(ctx context.Context) ([]*store.Pause, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT connector, reason, actor, automatic, paused_at FROM connector_pauses ORDER BY connector`)
	if err != nil {
		return nil, unavailable("list paused connectors", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Pause, error) {
		p := &store.Pause{}
		var at int64
		err := row.Scan(&p.Connector, &p.Reason, &p.Actor, &p.Automatic, &at)
		p.At = fromNanos(at)
		return p, err
	})
	if err != nil {
		return nil, unavailable("list paused connectors", err)
	}
	return out, nil
}

// SetPause implements store.Operations. The other instances are notified in
// the same transaction, so they hear of the pause once it is committed.
func (s *Store) SetPause(ctx context.Context, p *store.Pause) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.changePauses(ctx, `INSERT INTO connector_pauses (connector, reason, actor, automatic, paused_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (connector) DO UPDATE SET reason = excluded.reason, actor = excluded.actor,
		automatic = excluded.automatic, paused_at = excluded.paused_at`,
		p.Connector, p.Reason, p.Actor, p.Automatic, nanos(p.At))
	if err != nil {
		return unavailable("pause connector "+p.Connector, err)
	}
	return nil
}

// ClearPause implements store.Operations, and notifies the other instances
// as SetPause does.
func (s *Store) ClearPause(ctx context.Context, connector string) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	changed, err := s.changePauses(ctx, `DELETE FROM connector_pauses WHERE connector = $1`, connector)
	if err != nil {
		return false, unavailable("resume connector "+connector, err)
	}
	return changed > 0, nil
}

// changePauses runs a change of connector_pauses and, when it changed a row,
// notifies the other instances in the same transaction. Pauses change
// rarely, so the lock that NOTIFY takes at commit costs nothing here.
func (s *Store) changePauses(ctx context.Context, query string, args ...any) (int64, error) {
	var changed int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		changed = tag.RowsAffected()
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, s.channel, pausePrefix+s.listener.origin)
		return err
	})
	return changed, err
}

// RecordAction implements store.Operations.
func (s *Store) RecordAction(ctx context.Context, a *store.Action) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	err := s.pool.QueryRow(ctx, `INSERT INTO operator_actions (at, actor, action, target, detail)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, nanos(a.At), a.Actor, a.Action, a.Target, a.Detail).Scan(&a.ID)
	if err != nil {
		return unavailable("record operator action "+a.Action, err)
	}
	return nil
}

// Actions implements store.Operations.
func (s *Store) Actions(ctx context.Context, filter store.ActionFilter) ([]*store.Action, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var c conditions
	c.addAll(store.ActionConditions(filter))
	query, args := c.query(`SELECT id, at, actor, action, target, detail FROM operator_actions`, "id DESC", filter.Limit)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, unavailable("list operator actions", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Action, error) {
		a := &store.Action{}
		var at int64
		err := row.Scan(&a.ID, &at, &a.Actor, &a.Action, &a.Target, &a.Detail)
		a.At = fromNanos(at)
		return a, err
	})
	if err != nil {
		return nil, unavailable("list operator actions", err)
	}
	return out, nil
}

// Stats implements store.Operations. Both queries read a partial index.
func (s *Store) Stats(ctx context.Context) (*store.Stats, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	st := &store.Stats{}
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE state = 2`).Scan(&st.Dead); err != nil {
		return nil, unavailable("count dead deliveries", err)
	}
	var oldest int64
	err := s.pool.QueryRow(ctx, `SELECT created_at FROM deliveries WHERE state = 0 ORDER BY id LIMIT 1`).Scan(&oldest)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, unavailable("find the oldest pending delivery", err)
	}
	st.OldestPending = fromNanos(oldest)
	return st, nil
}
