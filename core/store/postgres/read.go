package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// Event implements store.Store.
func (s *Store) Event(ctx context.Context, eventID string) (*store.StoredEvent, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var r eventScan
	err := s.pool.QueryRow(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.event_id = $1`, eventID).Scan(r.targets()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("event %s: %w", eventID, store.ErrNotFound)
	}
	if err != nil {
		return nil, unavailable("read event "+eventID, err)
	}
	return r.finish(), nil
}

// Deliveries implements store.Store.
func (s *Store) Deliveries(ctx context.Context, filter store.DeliveryFilter) ([]*store.Delivery, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var c conditions
	if filter.EventID != "" {
		ev, err := s.Event(ctx, filter.EventID)
		if err != nil {
			return nil, err
		}
		// A digest delivery lists under every event it collected.
		c.add("(d.event_seq = ? OR d.id IN (SELECT delivery_id FROM digest_events WHERE event_seq = ?))", ev.Seq)
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

func (s *Store) queryDeliveries(ctx context.Context, query string, args ...any) ([]*store.Delivery, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, unavailable("list deliveries", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Delivery, error) {
		var r deliveryScan
		var eventID, eventType string
		if err := row.Scan(append(r.targets(), &eventID, &eventType)...); err != nil {
			return nil, err
		}
		d := r.finish()
		d.EventID, d.EventType = eventID, eventType
		return d, nil
	})
	if err != nil {
		return nil, unavailable("list deliveries", err)
	}
	return out, nil
}

// Attempts implements store.Store.
func (s *Store) Attempts(ctx context.Context, deliveryID int64) ([]*store.Attempt, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT number, started_at, duration_us, outcome, status_code, response, error,
		external_ref FROM attempts WHERE delivery_id = $1 ORDER BY id`, deliveryID)
	if err != nil {
		return nil, unavailable(fmt.Sprintf("list attempts of delivery %d", deliveryID), err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Attempt, error) {
		a := &store.Attempt{DeliveryID: deliveryID}
		var started, durationUS int64
		if err := row.Scan(&a.Number, &started, &durationUS, &a.Outcome, &a.StatusCode, &a.Response, &a.Error, &a.ExternalRef); err != nil {
			return nil, err
		}
		a.StartedAt, a.Duration = fromNanos(started), time.Duration(durationUS)*time.Microsecond
		return a, nil
	})
	if err != nil {
		return nil, unavailable(fmt.Sprintf("list attempts of delivery %d", deliveryID), err)
	}
	return out, nil
}

// EntityState implements store.Store. An alias is resolved in the same
// query, so an alias another instance wrote a moment ago is found too.
func (s *Store) EntityState(ctx context.Context, connector, entityKey string) ([]byte, int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var data []byte
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT data, version FROM entity_state WHERE connector = $1 AND entity_key = `+resolvedKey,
		connector, entityKey).Scan(&data, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, unavailable(fmt.Sprintf("read %s state of %s", connector, entityKey), err)
	}
	return data, version, nil
}
