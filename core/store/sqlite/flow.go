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

// flowStatements are the prepared statements of digests and throttles.
type flowStatements struct {
	joinDigest     *sql.Stmt
	insertHeld     *sql.Stmt
	insertDigest   *sql.Stmt
	addDigestEvent *sql.Stmt
	loadThrottle   *sql.Stmt
	passThrottle   *sql.Stmt
	countThrottle  *sql.Stmt
	setSuppressed  *sql.Stmt
}

func prepareFlowStatements(ctx context.Context, conn *sql.Conn) (*flowStatements, error) {
	s := &flowStatements{}
	texts := []statementText{
		// The newest digest with the key is open while its delivery is
		// scheduled and unleased.
		{&s.joinDigest, `UPDATE deliveries SET total_events = total_events + 1
			WHERE id = (SELECT delivery_id FROM digests WHERE key = ? ORDER BY delivery_id DESC LIMIT 1)
			  AND state = 0 AND lease_owner IS NULL
			RETURNING id`},
		{&s.insertHeld, `INSERT INTO deliveries (event_seq, route, connector, target, untrusted, destination_id,
			ordering_key, entity_key, state, attempts, created_at, next_at, hold_reason, held_ns, last_error,
			updated_at, total_events, suppressed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, '', ?, ?, ?)`},
		{&s.insertDigest, `INSERT INTO digests (delivery_id, key, max_items) VALUES (?, ?, ?)`},
		{&s.addDigestEvent, `INSERT INTO digest_events (delivery_id, event_seq) VALUES (?, ?)`},
		{&s.loadThrottle, `SELECT until, suppressed FROM throttles WHERE key = ?`},
		{&s.passThrottle, `INSERT INTO throttles (key, until, suppressed) VALUES (?, ?, 0)
			ON CONFLICT (key) DO UPDATE SET until = excluded.until, suppressed = 0`},
		{&s.countThrottle, `UPDATE throttles SET suppressed = suppressed + 1 WHERE key = ?`},
		{&s.setSuppressed, `UPDATE deliveries SET suppressed = ? WHERE id = ?`},
	}
	if err := prepareEach(ctx, conn, texts); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *flowStatements) close() {
	for _, stmt := range []*sql.Stmt{s.joinDigest, s.insertHeld, s.insertDigest, s.addDigestEvent,
		s.loadThrottle, s.passThrottle, s.countThrottle, s.setSuppressed} {
		if stmt != nil {
			stmt.Close()
		}
	}
}

// placeDelivery stores one planned delivery and returns it with its
// destination's row id. A delivery of a route with digest, throttle or quiet
// hours goes through placeShaped, which returns a nil delivery when the event
// joined an open digest.
func (s *Store) placeDelivery(tx *txn, req *store.AcceptRequest, ev *store.StoredEvent, nd *store.NewDelivery) (*store.Delivery, int64, error) {
	if nd.Digest == nil && nd.Throttle == nil && nd.NotBefore.IsZero() {
		return s.insertDelivery(tx, req, ev, nd)
	}
	if nd.State != "" && nd.State != store.StateScheduled {
		return s.insertDelivery(tx, req, ev, nd)
	}
	return s.placeShaped(tx, req, ev, nd)
}

// placeShaped joins the event to its open digest, or records a match its
// throttle suppresses as skipped, or else stores the delivery: held until
// NotBefore when that is later than now, opening a digest when nd has one.
func (s *Store) placeShaped(tx *txn, req *store.AcceptRequest, ev *store.StoredEvent, nd *store.NewDelivery) (*store.Delivery, int64, error) {
	if nd.Digest != nil {
		joined, err := s.joinDigest(tx, ev, nd.Digest)
		if err != nil || joined {
			return nil, 0, err
		}
	}

	suppressed := 0
	if nd.Throttle != nil {
		passed, count, err := s.passThrottle(tx, req.ReceivedAt, nd.Throttle)
		if err != nil {
			return nil, 0, err
		}
		if !passed {
			skipped := *nd
			skipped.State = store.StateSkipped
			skipped.Reason = fmt.Sprintf("suppressed by throttle: a message with the same key went out less than %s ago; the next message counts this one", nd.Throttle.Per)
			return s.insertDelivery(tx, req, ev, &skipped)
		}
		suppressed = count
	}

	if nd.Digest == nil && !nd.NotBefore.After(req.ReceivedAt) {
		return s.insertCounted(tx, req, ev, nd, suppressed)
	}
	return s.insertHeld(tx, req, ev, nd, suppressed)
}

// insertCounted is insertDelivery for a delivery that carries the number of
// matches its throttle suppressed before it.
func (s *Store) insertCounted(tx *txn, req *store.AcceptRequest, ev *store.StoredEvent, nd *store.NewDelivery, suppressed int) (*store.Delivery, int64, error) {
	d, destID, err := s.insertDelivery(tx, req, ev, nd)
	if err != nil || suppressed == 0 {
		return d, destID, err
	}
	if _, err := s.flowStmts.setSuppressed.ExecContext(tx.ctx, suppressed, d.ID); err != nil {
		return nil, 0, fmt.Errorf("count suppressed deliveries of delivery %d: %w", d.ID, err)
	}
	d.Suppressed = suppressed
	return d, destID, nil
}

// insertHeld stores a scheduled delivery due at nd.NotBefore with
// nd.HoldReason, unleased, and opens its digest when nd has one. The wait is
// held time, which does not count against the delivery's maximum age.
func (s *Store) insertHeld(tx *txn, req *store.AcceptRequest, ev *store.StoredEvent, nd *store.NewDelivery, suppressed int) (*store.Delivery, int64, error) {
	destID, err := s.destinationID(tx, nd.Destination)
	if err != nil {
		return nil, 0, err
	}
	d := &store.Delivery{EventSeq: ev.Seq, EventID: ev.EventID, EventType: ev.EventType, Route: nd.Route,
		Connector: nd.Connector, Target: nd.Target, Untrusted: nd.Untrusted, Destination: nd.Destination,
		OrderingKey: nd.OrderingKey, EntityKey: nd.EntityKey, State: store.StateScheduled, CreatedAt: req.ReceivedAt,
		NextAt: nd.NotBefore, HoldReason: nd.HoldReason, HeldFor: nd.NotBefore.Sub(req.ReceivedAt),
		UpdatedAt: req.ReceivedAt, Suppressed: suppressed}
	if nd.Digest != nil {
		d.TotalEvents = 1
	}

	res, err := s.flowStmts.insertHeld.ExecContext(tx.ctx, d.EventSeq, d.Route, d.Connector, []byte(d.Target),
		strings.Join(d.Untrusted, ","), destID, nullString(d.OrderingKey), d.EntityKey, nanos(d.CreatedAt),
		nanos(d.NextAt), d.HoldReason, int64(d.HeldFor), nanos(d.UpdatedAt), d.TotalEvents, d.Suppressed)
	if err != nil {
		return nil, 0, fmt.Errorf("insert held delivery of event %s to %s: %w", ev.EventID, d.Connector, err)
	}
	if d.ID, err = res.LastInsertId(); err != nil {
		return nil, 0, fmt.Errorf("insert held delivery of event %s to %s: %w", ev.EventID, d.Connector, err)
	}
	if nd.Digest != nil {
		if err := s.openDigest(tx, d.ID, ev.Seq, nd.Digest); err != nil {
			return nil, 0, err
		}
	}
	return d, destID, nil
}

// joinDigest adds the event to the open digest with spec's key, and reports
// whether there was one.
func (s *Store) joinDigest(tx *txn, ev *store.StoredEvent, spec *store.DigestSpec) (bool, error) {
	var deliveryID int64
	err := s.flowStmts.joinDigest.QueryRowContext(tx.ctx, spec.Key).Scan(&deliveryID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find the open digest of event %s: %w", ev.EventID, err)
	}
	if _, err := s.flowStmts.addDigestEvent.ExecContext(tx.ctx, deliveryID, ev.Seq); err != nil {
		return false, fmt.Errorf("add event %s to digest delivery %d: %w", ev.EventID, deliveryID, err)
	}
	return true, nil
}

// openDigest records a new digest and its first event.
func (s *Store) openDigest(tx *txn, deliveryID, eventSeq int64, spec *store.DigestSpec) error {
	if _, err := s.flowStmts.insertDigest.ExecContext(tx.ctx, deliveryID, spec.Key, spec.MaxItems); err != nil {
		return fmt.Errorf("open digest of delivery %d: %w", deliveryID, err)
	}
	if _, err := s.flowStmts.addDigestEvent.ExecContext(tx.ctx, deliveryID, eventSeq); err != nil {
		return fmt.Errorf("open digest of delivery %d: %w", deliveryID, err)
	}
	return nil
}

// passThrottle reports whether a message with spec's key may go out at now,
// with the number of matches suppressed since the last one. A message that
// passes starts a new period; one that does not is counted.
func (s *Store) passThrottle(tx *txn, now time.Time, spec *store.ThrottleSpec) (bool, int, error) {
	var until int64
	var suppressed int
	err := s.flowStmts.loadThrottle.QueryRowContext(tx.ctx, spec.Key).Scan(&until, &suppressed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, 0, fmt.Errorf("read throttle %s: %w", spec.Key, err)
	}

	if err == nil && now.Before(fromNanos(until)) {
		if _, err := s.flowStmts.countThrottle.ExecContext(tx.ctx, spec.Key); err != nil {
			return false, 0, fmt.Errorf("count a suppressed match of throttle %s: %w", spec.Key, err)
		}
		return false, 0, nil
	}
	if _, err := s.flowStmts.passThrottle.ExecContext(tx.ctx, spec.Key, nanos(now.Add(spec.Per))); err != nil {
		return false, 0, fmt.Errorf("start a period of throttle %s: %w", spec.Key, err)
	}
	return true, suppressed, nil
}

// DigestEvents implements store.Store.
func (s *Store) DigestEvents(ctx context.Context, deliveryID int64) ([]*store.StoredEvent, error) {
	rows, err := s.readDB.QueryContext(ctx, `SELECT `+eventColumns+` FROM digest_events de
		JOIN events e ON e.seq = de.event_seq
		WHERE de.delivery_id = ?1
		ORDER BY de.event_seq
		LIMIT coalesce((SELECT max_items FROM digests WHERE delivery_id = ?1), 0)`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("read the events of digest delivery %d: %w", deliveryID, err)
	}
	defer rows.Close()

	var out []*store.StoredEvent
	for rows.Next() {
		r, dst := eventScanTargets()
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("read the events of digest delivery %d: %w", deliveryID, err)
		}
		out = append(out, r.finish())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the events of digest delivery %d: %w", deliveryID, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("digest delivery %d: %w", deliveryID, store.ErrNotFound)
	}
	return out, nil
}
