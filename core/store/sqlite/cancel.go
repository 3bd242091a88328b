package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// Cancel implements store.Operations.
func (s *Store) Cancel(ctx context.Context, ids []int64, reason string, now time.Time) ([]int64, error) {
	var cancelled []int64
	err := s.writer.do(ctx, func(tx *txn) error {
		cancelled = cancelled[:0]
		finished := map[int64]int64{}
		for _, id := range ids {
			destID, ok, err := s.cancelOne(tx, id, reason, now)
			if err != nil {
				return err
			}
			if ok {
				cancelled = append(cancelled, id)
				finished[destID]--
			}
		}
		tx.req.onCommit(func() { s.addPending(finished) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cancelled, nil
}

// cancelOne cancels one scheduled, unleased delivery and makes the next
// delivery of its ordering key due. It reports ok false for a delivery that
// is unknown, final or leased.
func (s *Store) cancelOne(tx *txn, id int64, reason string, now time.Time) (destID int64, ok bool, err error) {
	var state int
	var leaseUntil sql.NullInt64
	var orderingKey sql.NullString
	err = tx.w.conn.QueryRowContext(tx.ctx, `SELECT state, destination_id, lease_until, ordering_key FROM deliveries WHERE id = ?`, id).
		Scan(&state, &destID, &leaseUntil, &orderingKey)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read delivery %d: %w", id, err)
	}
	if state != stateCodes[store.StateScheduled] || (leaseUntil.Valid && leaseUntil.Int64 > nanos(now)) {
		return 0, false, nil
	}

	_, err = tx.w.conn.ExecContext(tx.ctx, `UPDATE deliveries SET state = ?1, hold_reason = '', last_error = ?2, updated_at = ?3,
		lease_owner = NULL, lease_token = NULL, lease_until = NULL WHERE id = ?4`,
		stateCodes[store.StateCancelled], reason, nanos(now), id)
	if err != nil {
		return 0, false, fmt.Errorf("cancel delivery %d: %w", id, err)
	}
	if orderingKey.Valid {
		if _, err := s.stmts.promoteNext.ExecContext(tx.ctx, nanos(now), orderingKey.String); err != nil {
			return 0, false, fmt.Errorf("make the next delivery of ordering key %s due: %w", orderingKey.String, err)
		}
	}
	return destID, true, nil
}
