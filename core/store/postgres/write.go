package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/store"
)

// allocation holds ids taken from the sequences for the rows of one
// transaction. Ids taken while the transaction holds an ordering key's lock
// are larger than those of every delivery with that key committed before, so
// ids keep the arrival order of each ordering key across instances.
type allocation struct {
	seqs, ids, tokens []int64
}

func (al *allocation) queue(batch *pgx.Batch, events, deliveries, tokens int) {
	batch.Queue(`SELECT array(SELECT nextval('event_seqs') FROM generate_series(1, $1)),
		array(SELECT nextval('delivery_ids') FROM generate_series(1, $2)),
		array(SELECT nextval('lease_tokens') FROM generate_series(1, $3))`, events, deliveries, tokens)
}

func (al *allocation) read(results pgx.BatchResults) error {
	var seqs, ids, tokens []int64
	if err := results.QueryRow().Scan(&seqs, &ids, &tokens); err != nil {
		return fmt.Errorf("take ids from the sequences: %w", err)
	}
	al.seqs, al.ids, al.tokens = append(al.seqs, seqs...), append(al.ids, ids...), append(al.tokens, tokens...)
	slices.Sort(al.seqs)
	slices.Sort(al.ids)
	slices.Sort(al.tokens)
	return nil
}

// ensure takes more ids when the transaction needs more than it has.
func (al *allocation) ensure(ctx context.Context, tx *pipeTx, events, deliveries, tokens int) error {
	events, deliveries, tokens = max(events-len(al.seqs), 0), max(deliveries-len(al.ids), 0), max(tokens-len(al.tokens), 0)
	if events+deliveries+tokens == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	al.queue(batch, events, deliveries, tokens)
	results := tx.SendBatch(ctx, batch)
	defer results.Close()
	if err := al.read(results); err != nil {
		return err
	}
	return results.Close()
}

// write inserts the planned events, deliveries and entity states in one round
// trip, and tells the other instances when it stored work any of them may
// claim.
func (a *acceptTx) write(ctx context.Context) error {
	if err := a.assignIDs(ctx); err != nil {
		return err
	}
	batch := &pgx.Batch{}
	if len(a.events) > 0 {
		queueEvents(batch, a.events)
	}
	if len(a.deliveries) > 0 {
		queueDeliveries(batch, a.deliveries)
	}
	if len(a.changed) > 0 {
		a.queueEntities(batch)
	}
	a.queueFlow(batch)
	if batch.Len() == 0 {
		return nil
	}
	if err := a.tx.SendFinal(ctx, batch, a.scheduled).Close(); err != nil {
		return fmt.Errorf("insert %d events and %d deliveries: %w", len(a.events), len(a.deliveries), err)
	}

	for _, row := range a.deliveries {
		if row.d.LeaseOwner != "" {
			result := row.event.part.result
			result.Deliveries = append(result.Deliveries, &store.Claimed{Delivery: row.d, Event: row.event.stored})
		}
	}
	return nil
}

// assignIDs gives the rows their ids in the order they were planned, and the
// deliveries their destination's row id and lease token.
func (a *acceptTx) assignIDs(ctx context.Context) error {
	for i, row := range a.events {
		row.stored.Seq = a.ids.seqs[i]
	}
	if err := a.resolveDestinations(ctx); err != nil {
		return err
	}
	tokens := a.ids.tokens
	for i, row := range a.deliveries {
		d := row.d
		d.ID, d.EventSeq = a.ids.ids[i], row.event.stored.Seq
		if d.LeaseOwner != "" {
			d.LeaseToken, tokens = tokens[0], tokens[1:]
		}
	}
	return nil
}

// resolveDestinations finds each delivery's destination row. Destinations
// that only derived events use were not registered before the transaction;
// their rows are inserted in it, and cached once it committed.
func (a *acceptTx) resolveDestinations(ctx context.Context) error {
	var missing []string
	for _, row := range a.deliveries {
		id, ok := a.s.destinationID(row.d.Destination)
		if !ok {
			id, ok = a.newDestinations[row.d.Destination]
		}
		if !ok {
			missing = append(missing, row.d.Destination)
			continue
		}
		row.destID = id
	}
	if len(missing) == 0 {
		return nil
	}
	ids, err := insertDestinations(ctx, a.tx, missing)
	if err != nil {
		return fmt.Errorf("insert destinations: %w", err)
	}
	a.newDestinations = ids
	for _, row := range a.deliveries {
		if id, ok := ids[row.d.Destination]; ok {
			row.destID = id
		}
	}
	return nil
}

func queueEvents(batch *pgx.Batch, events []*eventRow) {
	n := len(events)
	seqs, received := make([]int64, n), make([]int64, n)
	ids, types, formats, aliases, projects, duplicates := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n)
	hashes, bodies := make([][]byte, n), make([][]byte, n)
	for i, row := range events {
		env := row.in.Envelope
		seqs[i], ids[i], hashes[i], types[i] = row.stored.Seq, env.EventID, row.in.ContentHash[:], env.EventType
		formats[i], bodies[i], received[i] = string(row.in.Format), row.in.Body, nanos(row.stored.ReceivedAt)
		aliases[i], projects[i], duplicates[i] = row.alias, env.Context["project_id"], row.duplicateOf
	}
	batch.Queue(`INSERT INTO events (seq, event_id, content_hash, event_type, format, body, received_at,
			alias_id, project_id, duplicate_of)
		SELECT seq, event_id, content_hash, event_type, format, body, received_at,
			nullif(alias_id, ''), project_id, nullif(duplicate_of, '')
		FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::text[], $6::bytea[], $7::bigint[],
			$8::text[], $9::text[], $10::text[])
			AS u(seq, event_id, content_hash, event_type, format, body, received_at, alias_id, project_id, duplicate_of)`,
		seqs, ids, hashes, types, formats, bodies, received, aliases, projects, duplicates)
}

func queueDeliveries(batch *pgx.Batch, rows []*deliveryRow) {
	n := len(rows)
	ids, seqs, dests, tokens := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	created, next, updated, until, held := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	routes, connectors, untrusted, ordering, entities := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n)
	holds, errs, owners := make([]string, n), make([]string, n), make([]string, n)
	targets, states := make([][]byte, n), make([]int16, n)
	totals, suppressed := make([]int32, n), make([]int32, n)
	for i, row := range rows {
		d := row.d
		ids[i], seqs[i], dests[i], tokens[i] = d.ID, d.EventSeq, row.destID, d.LeaseToken
		created[i], next[i], updated[i], until[i] = nanos(d.CreatedAt), nanos(d.NextAt), nanos(d.UpdatedAt), nanos(d.LeaseUntil)
		held[i] = int64(d.HeldFor)
		routes[i], connectors[i], untrusted[i] = d.Route, d.Connector, strings.Join(d.Untrusted, ",")
		ordering[i], entities[i], holds[i], errs[i], owners[i] = d.OrderingKey, d.EntityKey, d.HoldReason, d.LastError, d.LeaseOwner
		targets[i], states[i] = d.Target, stateCodes[d.State]
		totals[i], suppressed[i] = int32(d.TotalEvents), int32(d.Suppressed)
	}
	batch.Queue(`INSERT INTO deliveries (id, event_seq, route, connector, target, untrusted, destination_id,
			ordering_key, entity_key, state, created_at, next_at, hold_reason, last_error, updated_at,
			lease_owner, lease_token, lease_until, held_ns, total_events, suppressed)
		SELECT id, event_seq, route, connector, target, untrusted, destination_id,
			nullif(ordering_key, ''), entity_key, state, created_at, next_at, hold_reason, last_error, updated_at,
			nullif(lease_owner, ''), nullif(lease_token, 0), nullif(lease_until, 0), held_ns, total_events, suppressed
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::bigint[],
			$8::text[], $9::text[], $10::smallint[], $11::bigint[], $12::bigint[], $13::text[], $14::text[], $15::bigint[],
			$16::text[], $17::bigint[], $18::bigint[], $19::bigint[], $20::integer[], $21::integer[])
			AS u(id, event_seq, route, connector, target, untrusted, destination_id, ordering_key, entity_key, state,
				created_at, next_at, hold_reason, last_error, updated_at, lease_owner, lease_token, lease_until,
				held_ns, total_events, suppressed)`,
		ids, seqs, routes, connectors, targets, untrusted, dests, ordering, entities, states, created, next, holds, errs,
		updated, owners, tokens, until, held, totals, suppressed)
}
