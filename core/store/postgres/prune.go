package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Prune implements store.Store. It walks events in seq order from where this
// store's previous call stopped and stops at the first event received at or
// after cutoff, so a call costs at most limit rows even on a large store. It
// deletes the events whose deliveries, those of the digests they are in
// included, are all delivered, skipped or cancelled, with their deliveries,
// digests and attempts, and the throttles whose period ended before cutoff. It
// locks only those rows, which ingest never touches again, so it does not hold
// up ingest. Events it
// must keep are passed over; a pass that reaches the end starts the next one
// from the oldest event, so they are looked at again once their deliveries
// finish. Instances that prune at the same time do the same work twice,
// harmlessly: the second finds the rows gone.
//
// The events are locked before their deliveries are checked, by a statement
// of their own, so a replay that adds deliveries to one of them (AddDeliveries
// holds the event with FOR SHARE) either finishes first and keeps the event,
// or waits and finds it gone. Events a replay holds are passed over.
func (s *Store) Prune(ctx context.Context, cutoff time.Time, limit int) (int, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	s.pruneMu.Lock()
	defer s.pruneMu.Unlock()

	rows, err := s.pool.Query(ctx, `SELECT seq, received_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, s.pruneCursor, limit)
	if err != nil {
		return 0, false, unavailable("find events to prune", err)
	}
	type candidate struct{ Seq, ReceivedAt int64 }
	candidates, err := pgx.CollectRows(rows, pgx.RowToStructByPos[candidate])
	if err != nil {
		return 0, false, unavailable("find events to prune", err)
	}

	cursor, reachedEnd := s.pruneCursor, len(candidates) < limit
	var old []int64
	for _, c := range candidates {
		if c.ReceivedAt >= nanos(cutoff) {
			reachedEnd = true
			break
		}
		cursor = c.Seq
		old = append(old, c.Seq)
	}

	if _, err := s.pool.Exec(ctx, `DELETE FROM throttles WHERE until < $1`, nanos(cutoff)); err != nil {
		return 0, false, unavailable("prune throttles", err)
	}
	deleted := 0
	if len(old) > 0 {
		deleted, err = s.deleteFinished(ctx, old)
		if err != nil {
			return 0, false, unavailable("prune old events", err)
		}
	}

	if reachedEnd {
		cursor = 0
	}
	s.pruneCursor = cursor
	return deleted, !reachedEnd, nil
}

// deleteFinished locks the events of seqs that no replay holds, then deletes
// those whose deliveries are all finished and not dead, with their deliveries
// and attempts, and returns how many events it deleted.
func (s *Store) deleteFinished(ctx context.Context, seqs []int64) (int, error) {
	deleted := 0
	err := s.inTx(ctx, "prune old events", func(tx *pipeTx) (int64, error) {
		rows, err := tx.Query(ctx, `SELECT seq FROM events WHERE seq = ANY($1) FOR UPDATE SKIP LOCKED`, seqs)
		if err != nil {
			return 0, err
		}
		locked, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(locked) == 0 {
			return 0, err
		}
		tag, err := tx.Exec(ctx, `WITH doomed AS (
				SELECT seq FROM events e WHERE seq = ANY($1) AND NOT EXISTS (
					SELECT 1 FROM deliveries d WHERE d.state IN (0, 2) AND (d.event_seq = e.seq
						OR d.id IN (SELECT delivery_id FROM digest_events WHERE event_seq = e.seq)))),
			gone_members AS (
				DELETE FROM digest_events WHERE event_seq IN (SELECT seq FROM doomed)
					OR delivery_id IN (SELECT id FROM deliveries WHERE event_seq IN (SELECT seq FROM doomed))),
			gone_digests AS (
				DELETE FROM digests WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_seq IN (SELECT seq FROM doomed))),
			gone_attempts AS (
				DELETE FROM attempts WHERE delivery_id IN (
					SELECT id FROM deliveries WHERE event_seq IN (SELECT seq FROM doomed))),
			gone_deliveries AS (
				DELETE FROM deliveries WHERE event_seq IN (SELECT seq FROM doomed))
			DELETE FROM events WHERE seq IN (SELECT seq FROM doomed)`, locked)
		deleted = int(tag.RowsAffected())
		return 0, err
	})
	return deleted, err
}
