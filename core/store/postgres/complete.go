package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// Complete implements store.Store. It writes every update in one transaction
// of two round trips: the updates of the leased rows, fenced by their tokens,
// then the attempts, the promotion of ordered deliveries that were waiting,
// and the connectors' entity states.
func (s *Store) Complete(ctx context.Context, updates []*store.Update) ([]error, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	results := make([]error, len(updates))
	promoted := false
	err := s.inTx(ctx, "complete", func(tx *pipeTx) (int64, error) {
		clear(results)
		orderingKeys, err := updateLeased(ctx, tx, updates, results)
		if err != nil {
			return 0, err
		}
		finished := int64(0)
		for i, u := range updates {
			if results[i] == nil && u.State.Final() {
				finished++
			}
		}
		promoted = slices.ContainsFunc(orderingKeys, func(key string) bool { return key != "" })
		return -finished, s.recordOutcomes(ctx, tx, updates, results, orderingKeys, -finished)
	})
	if err != nil {
		return nil, err
	}
	if promoted {
		s.notifier.request()
	}
	return results, nil
}

// updateLeased applies each update whose lease token still holds, setting
// ErrLeaseLost in results for the others. It returns the ordering key of each
// update that finished an ordered delivery, "" for the rest.
func updateLeased(ctx context.Context, tx *pipeTx, updates []*store.Update, results []error) ([]string, error) {
	batch := &pgx.Batch{}
	for _, u := range updates {
		counted := 0
		if u.Attempt != nil {
			counted = 1
		}
		batch.Queue(`UPDATE deliveries
			SET state = $1, attempts = attempts + $2, next_at = $3, hold_reason = $4, held_ns = held_ns + $5,
			    last_error = $6, updated_at = $7, lease_owner = NULL, lease_token = NULL, lease_until = NULL
			WHERE id = $8 AND lease_token = $9 AND state = 0
			RETURNING coalesce(ordering_key, '')`,
			stateCodes[u.State], counted, nanos(u.NextAt), u.HoldReason, int64(u.HeldFor), u.Reason, nanos(u.At),
			u.DeliveryID, u.LeaseToken)
	}
	batchResults := tx.SendBatch(ctx, batch)
	defer batchResults.Close()

	keys := make([]string, len(updates))
	for i, u := range updates {
		var key string
		err := batchResults.QueryRow().Scan(&key)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			results[i] = store.ErrLeaseLost
		case err != nil:
			return nil, fmt.Errorf("update delivery %d: %w", u.DeliveryID, err)
		case u.State.Final():
			keys[i] = key
		}
	}
	return keys, batchResults.Close()
}

// recordOutcomes writes, for the updates that held, their attempts, the
// promotion of the next delivery of each ordering key they finished, and
// their entity states, and commits with delta scheduled deliveries. An entity state whose version changed is the update's
// own ErrStateConflict: the outcome is recorded all the same, because its
// effect at the destination has happened.
func (s *Store) recordOutcomes(ctx context.Context, tx *pipeTx, updates []*store.Update, results []error, orderingKeys []string, delta int64) error {
	batch := &pgx.Batch{}
	queueAttempts(batch, updates, results)

	var lockKeys []int64
	var promote []*store.Update
	for i, key := range orderingKeys {
		if key != "" {
			lockKeys = append(lockKeys, s.locks.key(lockOrdering, key))
			promote = append(promote, updates[i])
		}
	}
	// The lock makes a concurrent Accept of the same key either see this
	// delivery finished or be seen by the promotion.
	lockAll(batch, lockKeys)
	for i, key := range orderingKeys {
		if key != "" {
			batch.Queue(`UPDATE deliveries SET next_at = $1, hold_reason = '', held_ns = held_ns + ($1 - created_at)
				WHERE id = (SELECT id FROM deliveries WHERE state = 0 AND ordering_key = $2 ORDER BY id LIMIT 1)
				  AND hold_reason = 'ordering'`, nanos(updates[i].At), key)
		}
	}
	stateSlots := queueEntityStates(batch, updates, results)
	if batch.Len() == 0 {
		return nil
	}

	queued := batch.Len()
	batchResults := tx.SendFinal(ctx, batch, delta)
	defer batchResults.Close()
	for range queued - len(stateSlots) {
		if _, err := batchResults.Exec(); err != nil {
			return fmt.Errorf("record attempts and promote ordered deliveries: %w", err)
		}
	}
	aliased := false
	for _, i := range stateSlots {
		st := updates[i].EntityState
		var written int
		if err := batchResults.QueryRow().Scan(&written); err != nil {
			return fmt.Errorf("write %s state of %s: %w", st.Connector, st.EntityKey, err)
		}
		if written == 0 {
			results[i] = store.ErrStateConflict
		}
		aliased = aliased || (written > 0 && len(st.Aliases) > 0)
	}
	if aliased {
		defer s.aliases.load(context.WithoutCancel(ctx), s.pool)
	}
	return batchResults.Close()
}

// queueAttempts inserts the attempts of the updates that held. An attempt
// whose lease was lost belongs to a delivery another worker owns now; the
// dispatcher logs it instead.
func queueAttempts(batch *pgx.Batch, updates []*store.Update, results []error) {
	var ids, started, durations []int64
	var numbers, codes []int32
	var outcomes, responses, errs, refs []string
	for i, u := range updates {
		a := u.Attempt
		if a == nil || results[i] != nil {
			continue
		}
		ids, started, durations = append(ids, u.DeliveryID), append(started, nanos(a.StartedAt)), append(durations, a.Duration.Microseconds())
		numbers, codes = append(numbers, int32(a.Number)), append(codes, int32(a.StatusCode))
		outcomes, responses = append(outcomes, a.Outcome), append(responses, a.Response)
		errs, refs = append(errs, a.Error), append(refs, a.ExternalRef)
	}
	if len(ids) == 0 {
		return
	}
	batch.Queue(`INSERT INTO attempts (delivery_id, number, started_at, duration_us, outcome, status_code, response,
			error, external_ref)
		SELECT * FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::text[], $6::integer[],
			$7::text[], $8::text[], $9::text[])`,
		ids, numbers, started, durations, outcomes, codes, responses, errs, refs)
}

// queueEntityStates queues the entity state writes of the updates that held,
// and returns the indexes of those updates in queue order. Each statement
// writes the state of the entity the key stands for (its alias target, or the
// key itself), only if the version the connector read still holds, then points
// the update's aliases at that entity, and returns how many state rows it
// wrote. A key that has state of its own never becomes an alias of another.
func queueEntityStates(batch *pgx.Batch, updates []*store.Update, results []error) []int {
	var slots []int
	for i, u := range updates {
		st := u.EntityState
		if st == nil || results[i] != nil {
			continue
		}
		write := `INSERT INTO entity_state (connector, entity_key, version, data, updated_at)
			SELECT $1, ` + resolvedKey + `, 1, $3, $4 WHERE $5::bigint = 0 ON CONFLICT DO NOTHING RETURNING entity_key`
		if st.Version != 0 {
			write = `UPDATE entity_state SET version = version + 1, data = $3, updated_at = $4
				WHERE connector = $1 AND entity_key = ` + resolvedKey + ` AND version = $5 RETURNING entity_key`
		}
		batch.Queue(`WITH written AS (`+write+`),
			aliased AS (
				INSERT INTO entity_alias (connector, alias_key, entity_key)
				SELECT $1, a, w.entity_key FROM written w, unnest($6::text[]) AS a
				WHERE a <> '' AND a <> w.entity_key
				  AND NOT EXISTS (SELECT 1 FROM entity_state s WHERE s.connector = $1 AND s.entity_key = a)
				ON CONFLICT (connector, alias_key) DO UPDATE SET entity_key = excluded.entity_key, id = DEFAULT)
			SELECT count(*) FROM written`,
			st.Connector, st.EntityKey, st.Data, nanos(u.At), st.Version, st.Aliases)
		slots = append(slots, i)
	}
	return slots
}
