package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// RunDue implements store.Store. It holds the advisory locks of the entities
// it looks at, as Accept does, so an event changing one of them waits for it
// or is seen by it.
func (s *Store) RunDue(ctx context.Context, req *store.AcceptRequest, limit int) (*store.AcceptResult, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var a *acceptTx
	more := false
	err := s.inTx(ctx, "derive due-date events", func(tx *pipeTx) (int64, error) {
		a = newAcceptTx(s, tx, []*store.AcceptRequest{req})
		a.cur = a.parts[0]
		var err error
		if more, err = a.runDue(ctx, limit); err != nil {
			return 0, err
		}
		return a.scheduled, nil
	})
	if err != nil {
		return nil, false, err
	}
	for key, id := range a.newDestinations {
		s.destinations.Store(key, id)
	}
	if a.notify {
		s.notifier.request()
	}
	return a.cur.result, more, nil
}

func (a *acceptTx) runDue(ctx context.Context, limit int) (bool, error) {
	req := a.cur.req
	rows, err := a.tx.Query(ctx, `SELECT key FROM entities WHERE next_due_at > 0 AND next_due_at <= $1
		ORDER BY next_due_at LIMIT $2`, nanos(req.ReceivedAt), limit+1)
	if err != nil {
		return false, fmt.Errorf("list due entities: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, fmt.Errorf("list due entities: %w", err)
	}
	more := len(keys) > limit
	if more {
		keys = keys[:limit]
	}
	if len(keys) == 0 {
		return false, nil
	}

	if err := a.loadLocked(ctx, keys); err != nil {
		return false, err
	}
	for _, key := range keys {
		if err := a.addDue(ctx, a.entities[key]); err != nil {
			return false, err
		}
	}
	if err := a.order(ctx); err != nil {
		return false, err
	}
	if err := a.ids.ensure(ctx, a.tx, len(a.events), len(a.deliveries), a.leasedCount()); err != nil {
		return false, err
	}
	return more, a.write(ctx)
}

// loadLocked takes the advisory locks of the entities and reads them.
func (a *acceptTx) loadLocked(ctx context.Context, keys []string) error {
	lockKeys := make([]int64, len(keys))
	for i, key := range keys {
		lockKeys[i] = a.s.locks.key(lockEntity, key)
	}
	batch := &pgx.Batch{}
	lockAll(batch, lockKeys)
	batch.Queue(`SELECT `+entityColumns+` FROM entities WHERE key = ANY($1)`, keys)
	results := a.tx.SendBatch(ctx, batch)
	defer results.Close()
	if _, err := results.Exec(); err != nil {
		return fmt.Errorf("lock due entities: %w", err)
	}
	if err := a.readEntities(results); err != nil {
		return err
	}
	return results.Close()
}

// addDue plans the due-date events one entity is owed and records them on it,
// with the time it is next due.
func (a *acceptTx) addDue(ctx context.Context, e *derive.Entity) error {
	if e == nil {
		return nil
	}
	req := a.cur.req
	events, err := derive.Due(e, req.ReceivedAt, req.DueThresholds)
	if err != nil {
		return fmt.Errorf("derive due-date events of %s: %w", e.Key, err)
	}
	if err := a.lookUp(ctx, derive.Result{Derived: events}); err != nil {
		return err
	}
	for _, in := range events {
		if a.stored[in.Envelope.EventID] {
			continue
		}
		deliveries, err := req.Plan(in)
		if err != nil {
			return fmt.Errorf("route derived event %s: %w", in.Envelope.EventType, err)
		}
		a.addEvent(&store.NewEvent{Incoming: in, Deliveries: deliveries}, "", "")
		a.cur.result.Derived++
	}

	next := *e
	next.LastChange = maps.Clone(e.LastChange)
	if next.LastChange == nil {
		next.LastChange = map[string]string{}
	}
	for _, in := range events {
		next.LastChange[in.Envelope.EventType] = in.Envelope.EventID
	}
	a.setEntity(&next)
	return nil
}

// Summary implements store.Store.
func (s *Store) Summary(ctx context.Context, from, to time.Time) (*derive.Summary, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	sum := &derive.Summary{}
	err := s.countGroups(ctx, func(project, eventType string, n int) { sum.Count(project, eventType, n) },
		`SELECT project_id, event_type, count(*) FROM events
		WHERE received_at >= $1 AND received_at < $2 AND duplicate_of IS NULL AND event_type NOT LIKE 'system.%'
		GROUP BY project_id, event_type`, nanos(from), nanos(to))
	if err != nil {
		return nil, unavailable("summarise events", err)
	}
	err = s.countGroups(ctx, func(project, _ string, n int) { sum.CountOverdue(project, n) },
		`SELECT project_id, '', count(*) FROM entities
		WHERE entity_type = 'issue' AND NOT closed AND due_at > 0 AND due_at < $1 GROUP BY project_id`, nanos(to))
	if err != nil {
		return nil, unavailable("count overdue issues", err)
	}
	return sum, nil
}

// countGroups runs a query of (project, type, count) rows and passes each to add.
func (s *Store) countGroups(ctx context.Context, add func(project, eventType string, n int), query string, args ...any) error {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	var project, eventType string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&project, &eventType, &n}, func() error {
		add(project, eventType, n)
		return nil
	})
	return err
}

// AcquireLease implements store.Store. The row is taken or renewed in one
// statement, so of two instances asking at once exactly one gets it. While
// this store does not hold the lock on its instance id, another instance may
// run with the same id and so own the same leases; the lease is not taken
// then, and the error says why.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if err := s.listener.lock.state(); err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	tag, err := s.pool.Exec(ctx, `INSERT INTO leases (name, owner, until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE leases.owner = excluded.owner OR leases.until <= $4`, name, owner, nanos(now.Add(ttl)), nanos(now))
	if err != nil {
		return false, unavailable("acquire lease "+name, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Mark implements store.Store.
func (s *Store) Mark(ctx context.Context, name string) (time.Time, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var at int64
	err := s.pool.QueryRow(ctx, `SELECT at FROM schedule_marks WHERE name = $1`, name).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, unavailable("read mark "+name, err)
	}
	return fromNanos(at), nil
}

// SetMark implements store.Store.
func (s *Store) SetMark(ctx context.Context, name string, at time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO schedule_marks (name, at) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at`, name, nanos(at))
	if err != nil {
		return unavailable("write mark "+name, err)
	}
	return nil
}
