package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// Event implements store.Store.
func (s *Store) Event(ctx context.Context, eventID string) (*store.StoredEvent, error) {
	for _, seq := range s.ids.candidates(hashID(eventID)) {
		r, dst := eventScanTargets()
		err := s.readDB.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.seq = ?`, seq).Scan(dst...)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read event %s: %w", eventID, err)
		}
		if r.e.EventID == eventID {
			return r.finish(), nil
		}
	}
	return nil, fmt.Errorf("event %s: %w", eventID, store.ErrNotFound)
}

// Deliveries implements store.Store.
func (s *Store) Deliveries(ctx context.Context, filter store.DeliveryFilter) ([]*store.Delivery, error) {
	var c conditions
	if filter.EventID != "" {
		ev, err := s.Event(ctx, filter.EventID)
		if err != nil {
			return nil, err
		}
		// A digest delivery lists under every event it collected.
		c.add("(d.event_seq = ? OR d.id IN (SELECT delivery_id FROM digest_events WHERE event_seq = ?))", ev.Seq, ev.Seq)
	}
	if filter.State != "" {
		code, ok := stateCodes[filter.State]
		if !ok {
			return nil, fmt.Errorf("unknown delivery state %q", filter.State)
		}
		c.add("d.state = ?", code)
	}
	c.addAll(store.DeliveryConditions(filter))

	query, args := c.query(`SELECT `+deliveryColumns+`, e.event_id, e.event_type FROM deliveries d
		JOIN destinations ds ON ds.id = d.destination_id
		JOIN events e ON e.seq = d.event_seq`, "d.id DESC", filter.Limit)
	return s.queryDeliveries(ctx, query, args...)
}

// conditions collects the WHERE clause of a listing and its arguments.
type conditions struct {
	where []string
	args  []any
}

func (c *conditions) add(cond string, args ...any) {
	c.where, c.args = append(c.where, cond), append(c.args, args...)
}

// addAll adds conditions built by the store package, such as
// store.DeliveryConditions.
func (c *conditions) addAll(list []store.Condition) {
	for _, cond := range list {
		c.add(cond.SQL, cond.Arg)
	}
}

func (c *conditions) addIf(use bool, cond string, arg any) {
	if use {
		c.add(cond, arg)
	}
}

// query appends the conditions, the order and the limit (default 100) to
// selection.
func (c *conditions) query(selection, order string, limit int) (string, []any) {
	if limit <= 0 {
		limit = 100
	}
	if len(c.where) > 0 {
		selection += " WHERE " + strings.Join(c.where, " AND ")
	}
	return selection + " ORDER BY " + order + " LIMIT ?", append(c.args, limit)
}

func (s *Store) queryDeliveries(ctx context.Context, query string, args ...any) ([]*store.Delivery, error) {
	rows, err := s.readDB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()

	var out []*store.Delivery
	for rows.Next() {
		r, dst := deliveryScanTargets()
		var eventID, eventType string
		if err := rows.Scan(append(dst, &eventID, &eventType)...); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		d := r.finish()
		d.EventID, d.EventType = eventID, eventType
		out = append(out, d)
	}
	return out, rows.Err()
}

// Attempts implements store.Store.
func (s *Store) Attempts(ctx context.Context, deliveryID int64) ([]*store.Attempt, error) {
	rows, err := s.readDB.QueryContext(ctx, `SELECT number, started_at, duration_us, outcome, status_code,
		response, error, external_ref FROM attempts WHERE delivery_id = ? ORDER BY id`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("list attempts of delivery %d: %w", deliveryID, err)
	}
	defer rows.Close()

	var out []*store.Attempt
	for rows.Next() {
		a := &store.Attempt{DeliveryID: deliveryID}
		var started, durationUS int64
		if err := rows.Scan(&a.Number, &started, &durationUS, &a.Outcome, &a.StatusCode, &a.Response, &a.Error, &a.ExternalRef); err != nil {
			return nil, fmt.Errorf("list attempts of delivery %d: %w", deliveryID, err)
		}
		a.StartedAt, a.Duration = fromNanos(started), time.Duration(durationUS)*time.Microsecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// EntityState implements store.Store.
func (s *Store) EntityState(ctx context.Context, connector, entityKey string) ([]byte, int64, error) {
	var data []byte
	var version int64
	key := s.aliases.resolve(connector, entityKey)
	err := s.readDB.QueryRowContext(ctx, `SELECT data, version FROM entity_state WHERE connector = ? AND entity_key = ?`,
		connector, key).Scan(&data, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read %s state of %s: %w", connector, entityKey, err)
	}
	return data, version, nil
}

// NextDue implements store.Store.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.readDB.QueryRowContext(ctx, `SELECT min(next_at) FROM deliveries WHERE state = 0 AND lease_owner IS NULL`).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("find next due delivery: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return fromNanos(next.Int64), true, nil
}
