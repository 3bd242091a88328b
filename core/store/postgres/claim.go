package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// claimQuery leases due deliveries round-robin across destinations: it visits
// the destinations in id order, starting after the one the previous claim of
// this instance ended on, and takes at most $3 due deliveries from each, up to
// $4 in all. FOR UPDATE SKIP LOCKED lets instances claim at the same time
// without waiting for each other or taking the same row. Only the oldest
// unfinished delivery of an ordering key can be claimed; a leased one still
// counts as unfinished. Each lease gets a new fencing token. The last column
// is the owner of an expired lease the claim took over, or NULL.
const claimQuery = `WITH picked AS (
	SELECT d.id, d.lease_owner AS expired_owner FROM (
		SELECT id FROM destinations WHERE id <> ALL($5::bigint[]) ORDER BY id <= $6, id
	) ds
	CROSS JOIN LATERAL (
		SELECT d.id, d.lease_owner FROM deliveries d
		WHERE d.state = 0 AND d.destination_id = ds.id AND d.next_at <= $1
		  AND (d.lease_until IS NULL OR d.lease_until < $1)
		  AND (d.ordering_key IS NULL OR NOT EXISTS (
		        SELECT 1 FROM deliveries p
		        WHERE p.state = 0 AND p.ordering_key = d.ordering_key AND p.id < d.id))
		ORDER BY d.next_at, d.id
		LIMIT $3
		FOR UPDATE SKIP LOCKED
	) d
	LIMIT $4
)
UPDATE deliveries d SET lease_owner = $7, lease_token = nextval('lease_tokens'), lease_until = $2
FROM picked, destinations ds, events e
WHERE d.id = picked.id AND ds.id = d.destination_id AND e.seq = d.event_seq
RETURNING ` + deliveryColumns + `, ` + eventColumns + `, picked.expired_owner`

// Claim implements store.Store.
func (s *Store) Claim(ctx context.Context, req *store.ClaimRequest) ([]*store.Claimed, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	skip := make([]int64, 0, len(req.SkipDestinations))
	for _, key := range req.SkipDestinations {
		if id, ok := s.destinationID(key); ok {
			skip = append(skip, id)
		}
	}
	perDestination, limit := claimBounds(req)
	after := s.claimAfter.Load()

	rows, err := s.pool.Query(ctx, claimQuery, nanos(req.Now), nanos(req.LeaseUntil), perDestination, limit,
		skip, after, req.Owner)
	if err != nil {
		return nil, unavailable("claim due deliveries", err)
	}
	got, err := pgx.CollectRows(rows, scanClaimed)
	if err != nil {
		return nil, unavailable("claim due deliveries", err)
	}
	if last, ok := lastVisited(got, after); ok {
		s.claimAfter.Store(last)
	}
	s.logTakeovers(got, req.Owner)
	claimed := make([]*store.Claimed, len(got))
	for i, row := range got {
		claimed[i] = row.claimed
	}
	return claimed, nil
}

// claimBounds returns how many deliveries one destination may give and how
// many the claim takes in all.
func claimBounds(req *store.ClaimRequest) (int, int) {
	limit := req.Limit
	if limit <= 0 {
		limit = 1000
	}
	perDestination := req.PerDestination
	if perDestination <= 0 || perDestination > limit {
		perDestination = limit
	}
	return perDestination, limit
}

// lastVisited returns the destination id the claim ended on: the last one, in
// the order the claim visited them, that gave a delivery.
func lastVisited(claimed []claimedRow, after int64) (int64, bool) {
	var last int64
	found := false
	for _, c := range claimed {
		id := c.destID
		if !found || visitedLater(id, last, after) {
			last, found = id, true
		}
	}
	return last, found
}

// visitedLater reports whether destination a comes after b in a claim that
// starts after the destination id after.
func visitedLater(a, b, after int64) bool {
	aWrapped, bWrapped := a <= after, b <= after
	if aWrapped != bWrapped {
		return aWrapped
	}
	return a > b
}

// RenewLeases implements store.Store.
func (s *Store) RenewLeases(ctx context.Context, owner string, ids []int64, until time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `UPDATE deliveries SET lease_until = $1 WHERE state = 0 AND lease_owner = $2 AND id = ANY($3)`,
		nanos(until), owner, ids)
	if err != nil {
		return unavailable(fmt.Sprintf("renew %d leases", len(ids)), err)
	}
	return nil
}

// ReleaseOwner implements store.Store, and notifies the other instances, which
// may claim the released deliveries at once.
func (s *Store) ReleaseOwner(ctx context.Context, owner string) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.updateAndNotify(ctx, "release leases of "+owner, `UPDATE deliveries
		SET lease_owner = NULL, lease_token = NULL, lease_until = NULL
		WHERE state = 0 AND lease_owner = $1`, owner)
}

// ReleaseHolds implements store.Store.
func (s *Store) ReleaseHolds(ctx context.Context, destination, reason string, now time.Time) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.updateAndNotify(ctx, fmt.Sprintf("release %s holds of %s", reason, destination), `UPDATE deliveries
		SET held_ns = greatest(held_ns - (next_at - $1), 0), next_at = $1, hold_reason = ''
		WHERE state = 0 AND destination_id = (SELECT id FROM destinations WHERE key = $2)
		  AND hold_reason = $3 AND next_at > $1 AND lease_owner IS NULL`, nanos(now), destination, reason)
}

// updateAndNotify runs an update that may make deliveries claimable and, when
// it changed rows, notifies the other instances.
func (s *Store) updateAndNotify(ctx context.Context, op, query string, args ...any) (int, error) {
	var changed int64
	err := s.inTx(ctx, op, func(tx *pipeTx) (int64, error) {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		changed = tag.RowsAffected()
		return 0, nil
	})
	if changed > 0 {
		s.notifier.request()
	}
	return int(changed), err
}

// NextDue implements store.Store.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var next *int64
	err := s.pool.QueryRow(ctx, `SELECT min(next_at) FROM deliveries WHERE state = 0 AND lease_owner IS NULL`).Scan(&next)
	if err != nil {
		return time.Time{}, false, unavailable("find next due delivery", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return fromNanos(*next), true, nil
}

// logTakeovers says, per earlier owner, how many deliveries a claim took over
// after their lease expired, as it does when an instance stopped or hangs.
func (s *Store) logTakeovers(claimed []claimedRow, owner string) {
	taken := map[string]int{}
	for _, row := range claimed {
		if row.expiredOwner != "" {
			taken[row.expiredOwner]++
		}
	}
	for previous, n := range taken {
		s.log.Info("claimed deliveries whose lease expired", "deliveries", n, "previous_owner", previous, "owner", owner)
	}
}
