package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// RunDue implements store.Store.
func (s *Store) RunDue(ctx context.Context, req *store.AcceptRequest, limit int) (*store.AcceptResult, bool, error) {
	result := &store.AcceptResult{}
	more := false
	err := s.writer.do(ctx, func(tx *txn) error {
		result.Derived, result.Deliveries = 0, nil
		// The due times of the states not written yet must be in the table
		// that dueEntityKeys reads.
		written, err := s.writeBacklog(tx.ctx)
		if err != nil {
			return err
		}
		tx.req.onCommit(written)
		keys, err := s.dueEntityKeys(tx, req.ReceivedAt, limit+1)
		if err != nil {
			return err
		}
		more = len(keys) > limit
		if more {
			keys = keys[:limit]
		}

		scheduled := map[int64]int64{}
		for _, key := range keys {
			n, err := s.runDueEntity(tx, req, key, scheduled, &result.Deliveries)
			if err != nil {
				return err
			}
			result.Derived += n
		}
		tx.req.onCommit(func() { s.addPending(scheduled) })
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return result, more, nil
}

// runDueEntity stores the due-date events one entity is owed and records them
// on it, with the time it is next due.
func (s *Store) runDueEntity(tx *txn, req *store.AcceptRequest, key string, scheduled map[int64]int64, handoff *[]*store.Claimed) (int, error) {
	e, err := s.entity(tx, key)
	if err != nil || e == nil {
		return 0, err
	}
	events, err := derive.Due(e, req.ReceivedAt, req.DueThresholds)
	if err != nil {
		return 0, fmt.Errorf("derive due-date events of %s: %w", key, err)
	}
	n, err := s.storeDerived(tx, req, events, scheduled, handoff)
	if err != nil {
		return 0, err
	}

	// The cached entity is replaced, not changed, so a rollback restores it.
	next := *e
	next.LastChange = maps.Clone(e.LastChange)
	if next.LastChange == nil {
		next.LastChange = map[string]string{}
	}
	for _, in := range events {
		next.LastChange[in.Envelope.EventType] = in.Envelope.EventID
	}
	return n, s.saveEntity(tx, &next, req)
}

func (s *Store) dueEntityKeys(tx *txn, now time.Time, limit int) ([]string, error) {
	rows, err := tx.w.conn.QueryContext(tx.ctx, `SELECT key FROM entities
		WHERE next_due_at > 0 AND next_due_at <= ? ORDER BY next_due_at LIMIT ?`, nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("list due entities: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, fmt.Errorf("list due entities: %w", err)
		}
		keys = append(keys, key)
	}
	return keys, rows.Err()
}

// Summary implements store.Store.
func (s *Store) Summary(ctx context.Context, from, to time.Time) (*derive.Summary, error) {
	// The overdue count reads the entities table.
	if err := s.flushBacklog(ctx); err != nil {
		return nil, err
	}
	sum := &derive.Summary{}
	rows, err := s.readDB.QueryContext(ctx, `SELECT project_id, event_type, count(*) FROM events
		WHERE received_at >= ? AND received_at < ? AND duplicate_of IS NULL AND event_type NOT LIKE 'system.%'
		GROUP BY project_id, event_type`, nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("summarise events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var project, eventType string
		var n int
		if err := rows.Scan(&project, &eventType, &n); err != nil {
			return nil, fmt.Errorf("summarise events: %w", err)
		}
		sum.Count(project, eventType, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("summarise events: %w", err)
	}
	if err := s.countIssues(ctx, sum, from, to); err != nil {
		return nil, err
	}
	return sum, s.countOverdue(ctx, sum, to)
}

// countIssues counts the distinct issues of each project with an event of
// derive.IssueEventTypes in [from, to). The body is cast to text because
// SQLite reads a BLOB argument of json_extract as its binary JSON format.
func (s *Store) countIssues(ctx context.Context, sum *derive.Summary, from, to time.Time) error {
	rows, err := s.readDB.QueryContext(ctx, `SELECT project_id, event_type,
		count(DISTINCT json_extract(CAST(body AS TEXT), '$.entity_id')) FROM events
		WHERE received_at >= ? AND received_at < ? AND duplicate_of IS NULL AND event_type IN (?, ?)
		GROUP BY project_id, event_type`, nanos(from), nanos(to), derive.IssueEventTypes[0], derive.IssueEventTypes[1])
	if err != nil {
		return fmt.Errorf("count issues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var project, eventType string
		var n int
		if err := rows.Scan(&project, &eventType, &n); err != nil {
			return fmt.Errorf("count issues: %w", err)
		}
		sum.CountIssues(project, eventType, n)
	}
	return rows.Err()
}

func (s *Store) countOverdue(ctx context.Context, sum *derive.Summary, at time.Time) error {
	rows, err := s.readDB.QueryContext(ctx, `SELECT project_id, count(*) FROM entities
		WHERE entity_type = 'issue' AND closed = 0 AND due_at > 0 AND due_at < ? GROUP BY project_id`, nanos(at))
	if err != nil {
		return fmt.Errorf("count overdue issues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var project string
		var n int
		if err := rows.Scan(&project, &n); err != nil {
			return fmt.Errorf("count overdue issues: %w", err)
		}
		sum.CountOverdue(project, n)
	}
	return rows.Err()
}

// AcquireLease implements store.Store.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	acquired := false
	err := s.writer.do(ctx, func(tx *txn) error {
		res, err := tx.w.conn.ExecContext(tx.ctx, `INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
			WHERE leases.owner = excluded.owner OR leases.until <= ?`, name, owner, nanos(now.Add(ttl)), nanos(now))
		if err != nil {
			return fmt.Errorf("acquire lease %s: %w", name, err)
		}
		n, err := res.RowsAffected()
		acquired = n == 1
		return err
	})
	return acquired, err
}

// Mark implements store.Store.
func (s *Store) Mark(ctx context.Context, name string) (time.Time, error) {
	var at int64
	err := s.readDB.QueryRowContext(ctx, `SELECT at FROM schedule_marks WHERE name = ?`, name).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read mark %s: %w", name, err)
	}
	return fromNanos(at), nil
}

// SetMark implements store.Store.
func (s *Store) SetMark(ctx context.Context, name string, at time.Time) error {
	return s.writer.do(ctx, func(tx *txn) error {
		_, err := tx.w.conn.ExecContext(tx.ctx, `INSERT INTO schedule_marks (name, at) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET at = excluded.at`, name, nanos(at))
		if err != nil {
			return fmt.Errorf("write mark %s: %w", name, err)
		}
		return nil
	})
}
