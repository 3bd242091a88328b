package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// statements are prepared once on the write connection.
type statements struct {
	insertEvent       *sql.Stmt
	eventIdentity     *sql.Stmt
	insertDestination *sql.Stmt
	insertDelivery    *sql.Stmt
	claimDue          *sql.Stmt
	lease             *sql.Stmt
	complete          *sql.Stmt
	insertAttempt     *sql.Stmt
	insertState       *sql.Stmt
	updateState       *sql.Stmt
	orderingBusy      *sql.Stmt
	promoteNext       *sql.Stmt
	loadEntity        *sql.Stmt
	saveEntity        *sql.Stmt
	resolveAlias      *sql.Stmt
	insertAlias       *sql.Stmt
}

// deliveryColumns is the column list scanDelivery reads, prefixed with "d.".
const deliveryColumns = `d.id, d.event_seq, d.route, d.connector, d.target, d.untrusted,
	ds.key, d.ordering_key, d.entity_key, d.state, d.attempts, d.created_at, d.next_at,
	d.hold_reason, d.held_ns, d.last_error, d.updated_at, d.lease_owner, d.lease_token, d.lease_until, d.retry_base,
	d.total_events, d.suppressed`

// eventColumns is the column list scanEvent reads, prefixed with "e.".
const eventColumns = `e.seq, e.event_id, e.event_type, e.format, e.body, e.received_at`

func prepareStatements(ctx context.Context, conn *sql.Conn) (*statements, error) {
	s := &statements{}
	texts := []statementText{
		{&s.insertEvent, `INSERT INTO events (event_id, id_hash, content_hash, event_type, format, body, received_at,
			alias_id, alias_hash, project_id, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.eventIdentity, `SELECT event_id, coalesce(alias_id, ''), content_hash FROM events WHERE seq = ?`},
		{&s.loadEntity, `SELECT entity_type, entity_id, project_id, state, due_at, closed, last_change, seen_at,
			next_due_at FROM entities WHERE key = ?`},
		{&s.saveEntity, `INSERT INTO entities (key, entity_type, entity_id, project_id, state, due_at, closed, last_change,
			seen_at, next_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET project_id = excluded.project_id, state = excluded.state,
			due_at = excluded.due_at, closed = excluded.closed, last_change = excluded.last_change,
			seen_at = excluded.seen_at, next_due_at = excluded.next_due_at`},
		{&s.insertDestination, `INSERT INTO destinations (key) VALUES (?)
			ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id`},
		{&s.insertDelivery, `INSERT INTO deliveries (event_seq, route, connector, target, untrusted,
			destination_id, ordering_key, entity_key, state, attempts, created_at, next_at,
			hold_reason, last_error, updated_at, lease_owner, lease_token, lease_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`},
		// The ordering clause lets only the oldest unfinished delivery of an
		// ordering key be claimed; a leased one still counts as unfinished.
		{&s.claimDue, `SELECT ` + deliveryColumns + `, ` + eventColumns + `
			FROM deliveries d
			JOIN destinations ds ON ds.id = d.destination_id
			JOIN events e ON e.seq = d.event_seq
			WHERE d.state = 0 AND d.destination_id = ? AND d.next_at <= ?
			  AND (d.lease_until IS NULL OR d.lease_until < ?)
			  AND (d.ordering_key IS NULL OR NOT EXISTS (
			        SELECT 1 FROM deliveries p
			        WHERE p.state = 0 AND p.ordering_key = d.ordering_key AND p.id < d.id))
			ORDER BY d.next_at, d.id
			LIMIT ?`},
		{&s.lease, `UPDATE deliveries SET lease_owner = ?, lease_token = ?, lease_until = ? WHERE id = ?`},
		{&s.complete, `UPDATE deliveries
			SET state = ?, attempts = attempts + ?, next_at = ?, hold_reason = ?, held_ns = held_ns + ?,
			    last_error = ?, updated_at = ?, lease_owner = NULL, lease_token = NULL, lease_until = NULL
			WHERE id = ? AND lease_token = ? AND state = 0
			RETURNING destination_id, ordering_key`},
		{&s.insertAttempt, `INSERT INTO attempts (delivery_id, number, started_at, duration_us, outcome,
			status_code, response, error, external_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.insertState, `INSERT INTO entity_state (connector, entity_key, version, data, updated_at)
			VALUES (?, ?, 1, ?, ?) ON CONFLICT DO NOTHING`},
		{&s.updateState, `UPDATE entity_state SET version = version + 1, data = ?, updated_at = ?
			WHERE connector = ? AND entity_key = ? AND version = ?`},
		{&s.orderingBusy, `SELECT 1 FROM deliveries WHERE state = 0 AND ordering_key = ? LIMIT 1`},
		// A delivery held behind its predecessor becomes due when that one
		// finishes; the time it waited does not count against its maximum age.
		{&s.promoteNext, `UPDATE deliveries SET next_at = ?1, hold_reason = '', held_ns = held_ns + (?1 - created_at)
			WHERE id = (SELECT id FROM deliveries WHERE state = 0 AND ordering_key = ?2 ORDER BY id LIMIT 1)
			  AND hold_reason = 'ordering'`},
		{&s.resolveAlias, `SELECT entity_key FROM entity_alias WHERE connector = ? AND alias_key = ?`},
		// A key that has state of its own never becomes an alias of another.
		{&s.insertAlias, `INSERT INTO entity_alias (connector, alias_key, entity_key)
			SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM entity_state WHERE connector = ?1 AND entity_key = ?2)
			ON CONFLICT (connector, alias_key) DO UPDATE SET entity_key = excluded.entity_key`},
	}
	if err := prepareEach(ctx, conn, texts); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// statementText is a statement's SQL and where its prepared form goes.
type statementText struct {
	dst  **sql.Stmt
	text string
}

// prepareEach prepares every statement, stopping at the first that fails.
// The caller closes those prepared before the failure.
func prepareEach(ctx context.Context, conn *sql.Conn, texts []statementText) error {
	for _, t := range texts {
		stmt, err := conn.PrepareContext(ctx, t.text)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", firstLine(t.text), err)
		}
		*t.dst = stmt
	}
	return nil
}

func (s *statements) close() {
	for _, stmt := range []*sql.Stmt{s.insertEvent, s.eventIdentity, s.insertDestination, s.insertDelivery,
		s.claimDue, s.lease, s.complete, s.insertAttempt, s.insertState, s.updateState, s.orderingBusy, s.promoteNext,
		s.loadEntity, s.saveEntity, s.resolveAlias, s.insertAlias} {
		if stmt != nil {
			stmt.Close()
		}
	}
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
