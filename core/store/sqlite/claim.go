package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// Claim implements store.Store. It visits the destinations round-robin, starting
// after the one the previous claim ended on, and takes at most PerDestination due
// deliveries from each, so a destination with a large backlog cannot crowd out
// the others.
func (s *Store) Claim(ctx context.Context, req *store.ClaimRequest) ([]*store.Claimed, error) {
	var claimed []*store.Claimed
	err := s.writer.do(ctx, func(tx *txn) error {
		claimed = claimed[:0]
		skip := make(map[string]bool, len(req.SkipDestinations))
		for _, key := range req.SkipDestinations {
			skip[key] = true
		}

		ids := s.claimOrder()
		for i, id := range ids {
			if req.Limit > 0 && len(claimed) >= req.Limit {
				s.claimOffset += i
				return nil
			}
			if skip[s.destinationKeys[id]] {
				continue
			}
			got, err := s.claimFrom(tx, req, id, room(req, len(claimed)))
			if err != nil {
				return err
			}
			claimed = append(claimed, got...)
		}
		s.claimOffset += len(ids)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// claimOrder returns the ids of the destinations with scheduled deliveries,
// rotated to start at the claim offset. Destinations with none are not queried,
// so idle ones cost a claim nothing.
func (s *Store) claimOrder() []int64 {
	ids := make([]int64, 0, len(s.pending))
	for id, n := range s.pending {
		if n > 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) == 0 {
		return ids
	}
	start := s.claimOffset % len(ids)
	return append(ids[start:], ids[:start]...)
}

// room is how many deliveries the next destination may contribute.
func room(req *store.ClaimRequest, have int) int {
	n := req.PerDestination
	if req.Limit > 0 && (n <= 0 || n > req.Limit-have) {
		n = req.Limit - have
	}
	if n <= 0 {
		n = 1000
	}
	return n
}

func (s *Store) claimFrom(tx *txn, req *store.ClaimRequest, destID int64, limit int) ([]*store.Claimed, error) {
	now := nanos(req.Now)
	rows, err := s.stmts.claimDue.QueryContext(tx.ctx, destID, now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim from %s: %w", s.destinationKeys[destID], err)
	}
	var out []*store.Claimed
	for rows.Next() {
		c, err := scanClaimed(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim from %s: %w", s.destinationKeys[destID], err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim from %s: %w", s.destinationKeys[destID], err)
	}

	for _, c := range out {
		d := c.Delivery
		d.LeaseOwner, d.LeaseToken, d.LeaseUntil = req.Owner, s.nextToken(), req.LeaseUntil
		if _, err := s.stmts.lease.ExecContext(tx.ctx, d.LeaseOwner, d.LeaseToken, nanos(d.LeaseUntil), d.ID); err != nil {
			return nil, fmt.Errorf("lease delivery %d: %w", d.ID, err)
		}
	}
	return out, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanClaimed(row scanner) (*store.Claimed, error) {
	d, dst := deliveryScanTargets()
	e, edst := eventScanTargets()
	if err := row.Scan(append(dst, edst...)...); err != nil {
		return nil, err
	}
	c := &store.Claimed{Delivery: d.finish(), Event: e.finish()}
	c.Delivery.EventID, c.Delivery.EventType = c.Event.EventID, c.Event.EventType
	return c, nil
}

// deliveryRow holds the raw column values of deliveryColumns.
type deliveryRow struct {
	d                            store.Delivery
	untrusted                    string
	orderingKey, leaseOwner      sql.NullString
	leaseToken, leaseUntil       sql.NullInt64
	state                        int
	createdAt, nextAt, updatedAt int64
	heldNS                       int64
	target                       []byte
}

func deliveryScanTargets() (*deliveryRow, []any) {
	r := &deliveryRow{}
	return r, []any{&r.d.ID, &r.d.EventSeq, &r.d.Route, &r.d.Connector, &r.target, &r.untrusted,
		&r.d.Destination, &r.orderingKey, &r.d.EntityKey, &r.state, &r.d.Attempts, &r.createdAt, &r.nextAt,
		&r.d.HoldReason, &r.heldNS, &r.d.LastError, &r.updatedAt, &r.leaseOwner, &r.leaseToken, &r.leaseUntil, &r.d.RetryBase,
		&r.d.TotalEvents, &r.d.Suppressed}
}

func (r *deliveryRow) finish() *store.Delivery {
	d := r.d
	d.Target = r.target
	if r.untrusted != "" {
		d.Untrusted = strings.Split(r.untrusted, ",")
	}
	d.OrderingKey = r.orderingKey.String
	d.State = stateNames[r.state]
	d.CreatedAt, d.NextAt, d.UpdatedAt = fromNanos(r.createdAt), fromNanos(r.nextAt), fromNanos(r.updatedAt)
	d.HeldFor = time.Duration(r.heldNS)
	d.LeaseOwner, d.LeaseToken, d.LeaseUntil = r.leaseOwner.String, r.leaseToken.Int64, fromNanos(r.leaseUntil.Int64)
	return &d
}

// eventRow holds the raw column values of eventColumns.
type eventRow struct {
	e          store.StoredEvent
	format     string
	receivedAt int64
}

func eventScanTargets() (*eventRow, []any) {
	r := &eventRow{}
	return r, []any{&r.e.Seq, &r.e.EventID, &r.e.EventType, &r.format, &r.e.Body, &r.receivedAt}
}

func (r *eventRow) finish() *store.StoredEvent {
	e := r.e
	e.Format = event.Format(r.format)
	e.ReceivedAt = fromNanos(r.receivedAt)
	return &e
}

// RenewLeases implements store.Store.
func (s *Store) RenewLeases(ctx context.Context, owner string, ids []int64, until time.Time) error {
	const chunk = 500
	return s.writer.do(ctx, func(tx *txn) error {
		for start := 0; start < len(ids); start += chunk {
			part := ids[start:min(start+chunk, len(ids))]
			args := make([]any, 0, len(part)+2)
			args = append(args, nanos(until), owner)
			for _, id := range part {
				args = append(args, id)
			}
			query := `UPDATE deliveries SET lease_until = ? WHERE state = 0 AND lease_owner = ? AND id IN (` +
				placeholders(len(part)) + `)`
			if _, err := tx.w.conn.ExecContext(tx.ctx, query, args...); err != nil {
				return fmt.Errorf("renew %d leases: %w", len(part), err)
			}
		}
		return nil
	})
}

// ReleaseOwner implements store.Store.
func (s *Store) ReleaseOwner(ctx context.Context, owner string) (int, error) {
	var released int64
	err := s.writer.do(ctx, func(tx *txn) error {
		res, err := tx.w.conn.ExecContext(tx.ctx, `UPDATE deliveries
			SET lease_owner = NULL, lease_token = NULL, lease_until = NULL
			WHERE state = 0 AND lease_owner = ?`, owner)
		if err != nil {
			return fmt.Errorf("release leases of %s: %w", owner, err)
		}
		released, err = res.RowsAffected()
		return err
	})
	return int(released), err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// ReleaseHolds implements store.Store.
func (s *Store) ReleaseHolds(ctx context.Context, destination, reason string, now time.Time) (int, error) {
	var released int64
	err := s.writer.do(ctx, func(tx *txn) error {
		destID, known := s.destinations[destination]
		if !known {
			return nil
		}
		res, err := tx.w.conn.ExecContext(tx.ctx, `UPDATE deliveries
			SET held_ns = max(held_ns - (next_at - ?1), 0), next_at = ?1, hold_reason = ''
			WHERE state = 0 AND destination_id = ?2 AND hold_reason = ?3 AND next_at > ?1 AND lease_owner IS NULL`,
			nanos(now), destID, reason)
		if err != nil {
			return fmt.Errorf("release %s holds of %s: %w", reason, destination, err)
		}
		released, err = res.RowsAffected()
		return err
	})
	return int(released), err
}
