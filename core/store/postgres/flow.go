package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// Transaction lock kinds of the route options that shape deliveries.
const (
	lockDigest   = "digest"
	lockThrottle = "throttle"
)

// flowState holds a transaction's digests and throttles: the digests it
// opened, the events it adds to digests, and the throttles it read and
// changed.
type flowState struct {
	opened    map[string]*deliveryRow
	joins     []digestJoin
	throttles map[string]*throttleState
}

// digestJoin adds an event to a digest: a stored one (deliveryID) or one this
// transaction opens (row).
type digestJoin struct {
	deliveryID int64
	row        *deliveryRow
	event      *eventRow
}

type throttleState struct {
	until, suppressed int64
	changed           bool
}

// shape applies the route options digest, throttle and quiet hours to the
// planned deliveries, in order. An event that joins an open digest gets no
// delivery of its own. A match that a throttle suppresses is stored skipped,
// and a delivery due later than now is held until then. Each digest and throttle
// key is locked for the transaction when it is first met, so instances never
// open two digests with one key or let two messages through one throttle.
func (a *acceptTx) shape(ctx context.Context) error {
	kept := a.deliveries[:0]
	for _, row := range a.deliveries {
		joined, err := a.shapeOne(ctx, row)
		if err != nil {
			return err
		}
		if !joined {
			kept = append(kept, row)
		}
	}
	a.deliveries = kept
	return nil
}

func (a *acceptTx) shapeOne(ctx context.Context, row *deliveryRow) (bool, error) {
	nd, d, req := row.nd, row.d, row.event.part.req
	if nd == nil || d.State != store.StateScheduled || (nd.Digest == nil && nd.Throttle == nil && nd.NotBefore.IsZero()) {
		return false, nil
	}
	if nd.Digest != nil {
		joined, err := a.joinDigest(ctx, row)
		if err != nil || joined {
			return joined, err
		}
	}
	if nd.Throttle != nil {
		if err := a.passThrottle(ctx, row); err != nil || d.State != store.StateScheduled {
			return false, err
		}
	}
	if nd.Digest != nil || nd.NotBefore.After(req.ReceivedAt) {
		row.held = true
		d.NextAt, d.HoldReason, d.HeldFor = nd.NotBefore, nd.HoldReason, nd.NotBefore.Sub(req.ReceivedAt)
	}
	if nd.Digest != nil {
		d.TotalEvents, row.digest = 1, nd.Digest
		a.flow.opened[nd.Digest.Key] = row
		a.flow.joins = append(a.flow.joins, digestJoin{row: row, event: row.event})
	}
	return false, nil
}

// joinDigest adds the row's event to the open digest with its key, one this
// transaction opened or a stored one, and reports whether there was one. A
// digest is open while its delivery is scheduled and unleased.
func (a *acceptTx) joinDigest(ctx context.Context, row *deliveryRow) (bool, error) {
	key := row.nd.Digest.Key
	if a.flow.opened == nil {
		a.flow.opened = map[string]*deliveryRow{}
	}
	if open, ok := a.flow.opened[key]; ok {
		open.d.TotalEvents++
		a.flow.joins = append(a.flow.joins, digestJoin{row: open, event: row.event})
		return true, nil
	}
	if err := lockNow(ctx, a.tx, []int64{a.s.locks.key(lockDigest, key)}); err != nil {
		return false, fmt.Errorf("lock digest %s: %w", key, err)
	}
	var id int64
	err := a.tx.QueryRow(ctx, `UPDATE deliveries SET total_events = total_events + 1
		WHERE id = (SELECT delivery_id FROM digests WHERE key = $1 ORDER BY delivery_id DESC LIMIT 1)
		  AND state = 0 AND lease_owner IS NULL
		RETURNING id`, key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find the open digest %s: %w", key, err)
	}
	a.flow.joins = append(a.flow.joins, digestJoin{deliveryID: id, event: row.event})
	return true, nil
}

// passThrottle lets the row's delivery through its throttle, carrying the
// number of matches suppressed since the last message, or stores it skipped
// and counts it.
func (a *acceptTx) passThrottle(ctx context.Context, row *deliveryRow) error {
	spec, now := row.nd.Throttle, row.event.part.req.ReceivedAt
	st, err := a.throttle(ctx, spec.Key)
	if err != nil {
		return err
	}
	st.changed = true
	if nanos(now) < st.until {
		st.suppressed++
		row.d.State = store.StateSkipped
		row.d.LastError = fmt.Sprintf("suppressed by throttle: a message with the same key went out less than %s ago; the next message counts this one", spec.Per)
		return nil
	}
	row.d.Suppressed = int(st.suppressed)
	st.until, st.suppressed = nanos(now.Add(spec.Per)), 0
	return nil
}

// throttle returns a throttle's state, locking and reading it when the
// transaction meets it first.
func (a *acceptTx) throttle(ctx context.Context, key string) (*throttleState, error) {
	if st, ok := a.flow.throttles[key]; ok {
		return st, nil
	}
	if a.flow.throttles == nil {
		a.flow.throttles = map[string]*throttleState{}
	}
	if err := lockNow(ctx, a.tx, []int64{a.s.locks.key(lockThrottle, key)}); err != nil {
		return nil, fmt.Errorf("lock throttle %s: %w", key, err)
	}
	st := &throttleState{}
	err := a.tx.QueryRow(ctx, `SELECT until, suppressed FROM throttles WHERE key = $1`, key).Scan(&st.until, &st.suppressed)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("read throttle %s: %w", key, err)
	}
	a.flow.throttles[key] = st
	return st, nil
}

// queueFlow writes the digests opened, the events added to digests and the
// throttles changed. It runs after the rows have their ids.
func (a *acceptTx) queueFlow(batch *pgx.Batch) {
	var ids, limits []int64
	var keys []string
	for key, row := range a.flow.opened {
		ids, keys, limits = append(ids, row.d.ID), append(keys, key), append(limits, int64(row.digest.MaxItems))
	}
	if len(ids) > 0 {
		batch.Queue(`INSERT INTO digests (delivery_id, key, max_items)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])`, ids, keys, limits)
	}

	var deliveries, seqs []int64
	for _, j := range a.flow.joins {
		id := j.deliveryID
		if j.row != nil {
			id = j.row.d.ID
		}
		deliveries, seqs = append(deliveries, id), append(seqs, j.event.stored.Seq)
	}
	if len(deliveries) > 0 {
		batch.Queue(`INSERT INTO digest_events (delivery_id, event_seq)
			SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING`, deliveries, seqs)
	}

	var throttleKeys []string
	var until, suppressed []int64
	for key, st := range a.flow.throttles {
		if st.changed {
			throttleKeys, until, suppressed = append(throttleKeys, key), append(until, st.until), append(suppressed, st.suppressed)
		}
	}
	if len(throttleKeys) > 0 {
		batch.Queue(`INSERT INTO throttles (key, until, suppressed)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
			ON CONFLICT (key) DO UPDATE SET until = excluded.until, suppressed = excluded.suppressed`,
			throttleKeys, until, suppressed)
	}
}

// DigestEvents implements store.Store.
func (s *Store) DigestEvents(ctx context.Context, deliveryID int64) ([]*store.StoredEvent, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM digest_events de
		JOIN events e ON e.seq = de.event_seq
		WHERE de.delivery_id = $1
		ORDER BY de.event_seq
		LIMIT coalesce((SELECT max_items FROM digests WHERE delivery_id = $1), 0)`, deliveryID)
	if err != nil {
		return nil, unavailable(fmt.Sprintf("read the events of digest delivery %d", deliveryID), err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.StoredEvent, error) {
		var r eventScan
		err := row.Scan(r.targets()...)
		return r.finish(), err
	})
	if err != nil {
		return nil, unavailable(fmt.Sprintf("read the events of digest delivery %d", deliveryID), err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("digest delivery %d: %w", deliveryID, store.ErrNotFound)
	}
	return out, nil
}

// EntityCurrent implements store.Store.
func (s *Store) EntityCurrent(ctx context.Context, entityKey string) (json.RawMessage, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var state []byte
	err := s.pool.QueryRow(ctx, `SELECT state FROM entities WHERE key = $1`, entityKey).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("read the state of entity "+entityKey, err)
	}
	return json.RawMessage(state), nil
}
