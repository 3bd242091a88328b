package postgres

import (
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/store"
)

// entityColumns is the column list readEntities scans.
const entityColumns = `key, entity_type, entity_id, project_id, state, due_at, closed, last_change, seen_at, next_due_at`

// readEntities reads the entity states the request's events are about. The
// transaction holds each entity's advisory lock, taken before this read, so
// no other instance changes them until it commits.
func (a *acceptTx) readEntities(results pgx.BatchResults) error {
	rows, err := results.Query()
	if err != nil {
		return fmt.Errorf("read entities: %w", err)
	}
	defer rows.Close()
	a.entities = map[string]*derive.Entity{}
	for rows.Next() {
		e := &derive.Entity{}
		var dueAt, seenAt, nextDue int64
		var lastChange string
		if err := rows.Scan(&e.Key, &e.Type, &e.ID, &e.ProjectID, &e.State, &dueAt, &e.Closed, &lastChange, &seenAt, &nextDue); err != nil {
			return fmt.Errorf("read entities: %w", err)
		}
		e.Fields = derive.ReadFields(e.State)
		if err := json.Unmarshal([]byte(lastChange), &e.LastChange); err != nil {
			return fmt.Errorf("read entity %s: %w", e.Key, err)
		}
		e.DueAt, e.SeenAt, e.NextDueAt = fromNanos(dueAt), fromNanos(seenAt), fromNanos(nextDue)
		a.entities[e.Key] = e
	}
	return rows.Err()
}

// setEntity records an entity's new state, to be written with the request.
func (a *acceptTx) setEntity(e *derive.Entity) {
	if a.entities == nil {
		a.entities = map[string]*derive.Entity{}
	}
	if a.changed == nil {
		a.changed = map[string]*store.AcceptRequest{}
	}
	a.entities[e.Key] = e
	a.changed[e.Key] = a.cur.req
}

// queueEntities writes the final state of every entity the request changed,
// with the time it is next owed a due-date event, as of the request that
// changed it last.
func (a *acceptTx) queueEntities(batch *pgx.Batch) {
	n := len(a.changed)
	keys, types, ids, projects, changes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	states, closed := make([][]byte, n), make([]bool, n)
	due, seen, nextDue := make([]int64, n), make([]int64, n), make([]int64, n)
	i := 0
	for key, req := range a.changed {
		e := a.entities[key]
		lastChange, _ := json.Marshal(e.LastChange)
		keys[i], types[i], ids[i], projects[i], changes[i] = e.Key, e.Type, e.ID, e.ProjectID, string(lastChange)
		states[i], closed[i] = e.State, e.Closed
		due[i], seen[i] = nanos(e.DueAt), nanos(e.SeenAt)
		e.NextDueAt = fromNanos(nanos(derive.NextDue(e, req.ReceivedAt, req.DueThresholds)))
		nextDue[i] = nanos(e.NextDueAt)
		i++
	}
	batch.Queue(`INSERT INTO entities (key, entity_type, entity_id, project_id, state, due_at, closed, last_change,
			seen_at, next_due_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bigint[], $7::boolean[],
			$8::text[], $9::bigint[], $10::bigint[])
		ON CONFLICT (key) DO UPDATE SET project_id = excluded.project_id, state = excluded.state,
			due_at = excluded.due_at, closed = excluded.closed, last_change = excluded.last_change,
			seen_at = excluded.seen_at, next_due_at = excluded.next_due_at`,
		keys, types, ids, projects, states, due, closed, changes, seen, nextDue)
}
