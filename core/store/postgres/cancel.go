package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// Cancel implements store.Operations. It locks the rows as it updates them,
// then the ordering keys of the cancelled deliveries in the order Complete
// takes them. A concurrent Accept of a key therefore either reads the
// delivery finished or is found by the promotion of the next one.
func (s *Store) Cancel(ctx context.Context, ids []int64, reason string, now time.Time) ([]int64, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var cancelled []int64
	err := s.inTx(ctx, "cancel deliveries", func(tx *pipeTx) (int64, error) {
		rows, err := tx.Query(ctx, `UPDATE deliveries d SET state = $3, hold_reason = '', last_error = $4, updated_at = $2,
				lease_owner = NULL, lease_token = NULL, lease_until = NULL
			FROM (SELECT id FROM deliveries WHERE id = ANY($1) AND state = 0
			      AND NOT (lease_until IS NOT NULL AND lease_until > $2) FOR UPDATE) old
			WHERE d.id = old.id
			RETURNING d.id, coalesce(d.ordering_key, '')`, ids, nanos(now), stateCodes[store.StateCancelled], reason)
		if err != nil {
			return 0, err
		}
		cancelled = cancelled[:0]
		var keys []string
		var id int64
		var key string
		_, err = pgx.ForEachRow(rows, []any{&id, &key}, func() error {
			cancelled = append(cancelled, id)
			if key != "" {
				keys = append(keys, key)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		return -int64(len(cancelled)), s.promoteAfter(ctx, tx, keys, now)
	})
	if err != nil {
		return nil, err
	}
	if len(cancelled) > 0 {
		s.notifier.request()
	}
	return cancelled, nil
}

// promoteAfter makes due the next delivery of each ordering key whose
// delivery before it finished, under the keys' locks.
func (s *Store) promoteAfter(ctx context.Context, tx *pipeTx, keys []string, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	lockKeys := make([]int64, len(keys))
	for i, key := range keys {
		lockKeys[i] = s.locks.key(lockOrdering, key)
	}
	if err := lockNow(ctx, tx, lockKeys); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE deliveries d SET next_at = $1, hold_reason = '', held_ns = held_ns + ($1 - created_at)
		FROM (SELECT DISTINCT ON (ordering_key) id FROM deliveries WHERE state = 0 AND ordering_key = ANY($2)
		      ORDER BY ordering_key, id) head
		WHERE d.id = head.id AND d.hold_reason = 'ordering'`, nanos(now), keys)
	return err
}
