package postgres

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// heldUntilPromoted is the next_at of a delivery that waits behind its ordering
// key's predecessor; the completion of that one sets the real time. It is the
// value the SQLite store uses, far off but within the range of Unix
// nanoseconds.
var heldUntilPromoted = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

func plannedDestinations(req *store.AcceptRequest) []string {
	var keys []string
	for _, ev := range req.Events {
		for _, nd := range ev.Deliveries {
			keys = append(keys, nd.Destination)
		}
	}
	return keys
}

// acceptPart is one request of an Accept transaction, which carries the
// requests that arrived together.
type acceptPart struct {
	req    *store.AcceptRequest
	result *store.AcceptResult
	// err rejects this request alone: it wrote nothing.
	err error
}

// acceptTx is one run of an Accept transaction.
type acceptTx struct {
	s     *Store
	tx    *pipeTx
	parts []*acceptPart
	// cur is the request whose events are being planned.
	cur *acceptPart

	// contentHashes maps each stored event id or alias the requests asked
	// about, and each one this transaction inserts, to its content hash.
	contentHashes map[string][]byte
	// stored holds the ids and aliases known to be stored, by this
	// transaction or earlier; absent those looked up and not found.
	stored, absent map[string]bool
	// entities are the entity states, updated as the requests' events change
	// them; changed maps the keys to write to the request that changed them
	// last.
	entities map[string]*derive.Entity
	changed  map[string]*store.AcceptRequest
	// busy holds the ordering keys that have an unfinished delivery; locked
	// those whose advisory lock this transaction holds.
	busy, locked map[string]bool

	events     []*eventRow
	deliveries []*deliveryRow
	ids        allocation

	flow            flowState
	newDestinations map[string]int64
	scheduled       int64
	notify          bool
}

// eventRow is an event to insert, or, outside the events to insert, a stored
// one that gets new deliveries.
type eventRow struct {
	part        *acceptPart
	in          *event.Incoming
	alias       string
	duplicateOf string
	stored      *store.StoredEvent
}

// deliveryRow is a delivery to insert.
type deliveryRow struct {
	event  *eventRow
	nd     *store.NewDelivery
	d      *store.Delivery
	destID int64
	// held is set for a delivery that waits for NotBefore (quiet hours, a
	// digest's window): it is neither ordered nor handed over.
	held bool
	// digest is set for a delivery that opens a digest.
	digest *store.DigestSpec
}

func newAcceptTx(s *Store, tx *pipeTx, reqs []*store.AcceptRequest) *acceptTx {
	a := &acceptTx{s: s, tx: tx, stored: map[string]bool{}, absent: map[string]bool{}, busy: map[string]bool{},
		locked: map[string]bool{}, contentHashes: map[string][]byte{}}
	for _, req := range reqs {
		a.parts = append(a.parts, &acceptPart{req: req,
			result: &store.AcceptResult{Events: make([]store.EventResult, len(req.Events))}})
	}
	return a
}

// run plans and writes every request. A request with a conflict is rejected
// alone, before it planned anything, as if it had come alone after the ones
// before it.
func (a *acceptTx) run(ctx context.Context) error {
	if err := a.prepare(ctx); err != nil {
		return err
	}
	for _, part := range a.parts {
		if err := a.addRequest(ctx, part); err != nil {
			return err
		}
	}
	if err := a.shape(ctx); err != nil {
		return err
	}
	if err := a.order(ctx); err != nil {
		return err
	}
	if err := a.ids.ensure(ctx, a.tx, len(a.events), len(a.deliveries), a.leasedCount()); err != nil {
		return err
	}
	return a.write(ctx)
}

func (a *acceptTx) addRequest(ctx context.Context, part *acceptPart) error {
	known, err := a.checkKnown(part)
	if err != nil {
		part.err = err
		return nil
	}
	a.cur = part
	for i, ev := range part.req.Events {
		if known[i] {
			continue
		}
		derived, duplicate, err := a.add(ctx, ev)
		if err != nil {
			return err
		}
		part.result.Events[i].Duplicate = duplicate
		part.result.Derived += derived
	}
	return nil
}

// prepare takes the locks and reads what the checks need, in one round trip.
// It reads the stored events with the request's ids, the entities the
// request's events are about and the busy ordering keys of its deliveries, and
// takes ids for the rows it will probably write.
func (a *acceptTx) prepare(ctx context.Context) error {
	entityKeys, orderingKeys := a.lockKeys()
	var lockKeys []int64
	for _, key := range entityKeys {
		lockKeys = append(lockKeys, a.s.locks.key(lockEntity, key))
	}
	for _, key := range orderingKeys {
		lockKeys = append(lockKeys, a.s.locks.key(lockOrdering, key))
		a.locked[key] = true
	}

	batch := &pgx.Batch{}
	lockAll(batch, lockKeys)
	var ids []string
	deliveries, tokens := 0, 0
	for _, part := range a.parts {
		for _, ev := range part.req.Events {
			ids = append(ids, ev.Incoming.Envelope.EventID)
			deliveries += len(ev.Deliveries)
			if part.req.LeaseOwner != "" {
				tokens += len(ev.Deliveries)
			}
		}
	}
	batch.Queue(`SELECT event_id, coalesce(alias_id, ''), content_hash FROM events
		WHERE event_id = ANY($1) OR alias_id = ANY($1)`, ids)
	if len(entityKeys) > 0 {
		batch.Queue(`SELECT `+entityColumns+` FROM entities WHERE key = ANY($1)`, entityKeys)
	}
	if len(orderingKeys) > 0 {
		batch.Queue(`SELECT DISTINCT ordering_key FROM deliveries WHERE state = 0 AND ordering_key = ANY($1)`, orderingKeys)
	}
	a.ids.queue(batch, len(ids), deliveries, tokens)

	results := a.tx.SendBatch(ctx, batch)
	defer results.Close()
	if len(lockKeys) > 0 {
		if _, err := results.Exec(); err != nil {
			return fmt.Errorf("lock entities and ordering keys: %w", err)
		}
	}
	if err := a.readKnown(results); err != nil {
		return err
	}
	if len(entityKeys) > 0 {
		if err := a.readEntities(results); err != nil {
			return err
		}
	}
	if len(orderingKeys) > 0 {
		if err := a.readBusy(results); err != nil {
			return err
		}
	}
	if err := a.ids.read(results); err != nil {
		return err
	}
	return results.Close()
}

// lockKeys returns the keys of the entities whose state the request's events
// may change (when it derives), and the ordering keys of its deliveries.
func (a *acceptTx) lockKeys() (entities, ordering []string) {
	seenEntity, seenOrdering := map[string]bool{}, map[string]bool{}
	for _, part := range a.parts {
		for _, ev := range part.req.Events {
			env := ev.Incoming.Envelope
			if key := env.EntityType + ":" + env.EntityID; part.req.Derive && env.EntityID != "" && !env.Derived && !seenEntity[key] {
				seenEntity[key] = true
				entities = append(entities, key)
			}
			for _, nd := range ev.Deliveries {
				if nd.OrderingKey != "" && !seenOrdering[nd.OrderingKey] {
					seenOrdering[nd.OrderingKey] = true
					ordering = append(ordering, nd.OrderingKey)
				}
			}
		}
	}
	return entities, ordering
}

func (a *acceptTx) readKnown(results pgx.BatchResults) error {
	rows, err := results.Query()
	if err != nil {
		return fmt.Errorf("look up event ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, alias string
		var hash []byte
		if err := rows.Scan(&id, &alias, &hash); err != nil {
			return fmt.Errorf("look up event ids: %w", err)
		}
		a.contentHashes[id] = hash
		a.stored[id] = true
		if alias != "" {
			a.contentHashes[alias] = hash
			a.stored[alias] = true
		}
	}
	return rows.Err()
}

func (a *acceptTx) readBusy(results pgx.BatchResults) error {
	rows, err := results.Query()
	if err != nil {
		return fmt.Errorf("look up ordering keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("look up ordering keys: %w", err)
	}
	for _, key := range keys {
		a.busy[key] = true
	}
	return nil
}

// checkKnown fills in the id of each event of part and whether it is a
// duplicate, and reports the duplicates. It rejects the request when a known
// id arrives with another content hash: stored, stored by an earlier request
// of this transaction, or earlier in the same request. An id repeated within
// the request counts as known from its second occurrence on.
func (a *acceptTx) checkKnown(part *acceptPart) ([]bool, error) {
	known := make([]bool, len(part.req.Events))
	seen := map[string][16]byte{}
	out := part.result.Events
	for i, ev := range part.req.Events {
		in := ev.Incoming
		id := in.Envelope.EventID
		out[i].EventID = id

		if earlier, ok := seen[id]; ok {
			if earlier != in.ContentHash {
				return nil, &store.ConflictError{EventID: id}
			}
			known[i], out[i].Duplicate = true, true
			continue
		}
		seen[id] = in.ContentHash

		stored, ok := a.contentHashes[id]
		if !ok {
			continue
		}
		if !bytes.Equal(stored, in.ContentHash[:]) {
			return nil, &store.ConflictError{EventID: id}
		}
		known[i], out[i].Duplicate = true, true
	}
	return known, nil
}

// add plans one new event and, when the request sets Derive, the change events it
// derives and its entity's new state. It returns how many derived events it
// planned, and reports the event a duplicate when it reports a change that is
// stored already.
func (a *acceptTx) add(ctx context.Context, ev *store.NewEvent) (int, bool, error) {
	if !a.cur.req.Derive {
		a.addEvent(ev, "", "")
		return 0, false, nil
	}

	env := ev.Incoming.Envelope
	prepared := ev.Prepared
	if prepared == nil {
		prepared = derive.Prepare(ev.Incoming)
	}
	res, err := prepared.Changes(a.entities[env.EntityType+":"+env.EntityID])
	if err != nil {
		return 0, false, err
	}
	if err := a.lookUp(ctx, res); err != nil {
		return 0, false, err
	}
	if res.ChangeID != "" && a.stored[res.ChangeID] {
		a.addEvent(&store.NewEvent{Incoming: ev.Incoming}, "", res.ChangeID)
		return 0, true, nil
	}

	a.addEvent(ev, res.ChangeID, "")
	derived := 0
	for _, in := range res.Derived {
		if a.stored[in.Envelope.EventID] {
			continue
		}
		deliveries, err := a.cur.req.Plan(in)
		if err != nil {
			return 0, false, fmt.Errorf("route derived event %s: %w", in.Envelope.EventType, err)
		}
		a.addEvent(&store.NewEvent{Incoming: in, Deliveries: deliveries}, "", "")
		derived++
	}
	if res.Entity != nil {
		a.setEntity(res.Entity)
	}
	return derived, false, nil
}

// lookUp finds out which of a derivation's ids (the change the event reports,
// the derived events) are stored, in one query for the ids not known yet.
func (a *acceptTx) lookUp(ctx context.Context, res derive.Result) error {
	var ids []string
	for _, id := range derivedIDs(res) {
		if !a.stored[id] && !a.absent[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := a.tx.Query(ctx, `SELECT event_id, coalesce(alias_id, '') FROM events
		WHERE event_id = ANY($1) OR alias_id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("look up derived event ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, alias string
		if err := rows.Scan(&id, &alias); err != nil {
			return fmt.Errorf("look up derived event ids: %w", err)
		}
		a.stored[id] = true
		if alias != "" {
			a.stored[alias] = true
		}
	}
	for _, id := range ids {
		if !a.stored[id] {
			a.absent[id] = true
		}
	}
	return rows.Err()
}

func derivedIDs(res derive.Result) []string {
	var ids []string
	if res.ChangeID != "" {
		ids = append(ids, res.ChangeID)
	}
	for _, in := range res.Derived {
		ids = append(ids, in.Envelope.EventID)
	}
	return ids
}

// addEvent plans one event row and its deliveries. alias is the id of the
// change the event reports; duplicateOf the stored change it repeats, in
// which case it has no deliveries.
func (a *acceptTx) addEvent(ev *store.NewEvent, alias, duplicateOf string) {
	in, req := ev.Incoming, a.cur.req
	row := &eventRow{part: a.cur, in: in, alias: alias, duplicateOf: duplicateOf,
		stored: &store.StoredEvent{EventID: in.Envelope.EventID, EventType: in.Envelope.EventType, Format: in.Format,
			Body: in.Body, ReceivedAt: req.ReceivedAt, Incoming: in}}
	a.events = append(a.events, row)
	a.stored[in.Envelope.EventID] = true
	a.contentHashes[in.Envelope.EventID] = in.ContentHash[:]
	if alias != "" {
		a.stored[alias] = true
		a.contentHashes[alias] = in.ContentHash[:]
	}

	for _, nd := range ev.Deliveries {
		a.addDelivery(row, nd)
	}
}

// addDelivery plans one delivery of row's event, created at its request's
// time.
func (a *acceptTx) addDelivery(row *eventRow, nd *store.NewDelivery) {
	state := nd.State
	if state == "" {
		state = store.StateScheduled
	}
	at := row.part.req.ReceivedAt
	d := &store.Delivery{EventID: row.stored.EventID, EventType: row.stored.EventType, Route: nd.Route,
		Connector: nd.Connector, Target: nd.Target, Untrusted: nd.Untrusted, Destination: nd.Destination,
		OrderingKey: nd.OrderingKey, EntityKey: nd.EntityKey, State: state, CreatedAt: at, NextAt: at,
		LastError: nd.Reason, UpdatedAt: at}
	a.deliveries = append(a.deliveries, &deliveryRow{event: row, nd: nd, d: d})
}

// order holds every scheduled delivery whose ordering key has an unfinished
// delivery before it, stored or earlier in this request, and leases the
// unordered ones to the request's owner for the handoff. Ordering keys first
// seen in derived events are locked and looked up here.
func (a *acceptTx) order(ctx context.Context) error {
	if err := a.lockMoreOrderingKeys(ctx); err != nil {
		return err
	}
	for _, row := range a.deliveries {
		d, req := row.d, row.event.part.req
		if d.State != store.StateScheduled {
			continue
		}
		a.scheduled++
		if row.held {
			continue
		}
		switch {
		case d.OrderingKey == "" && req.LeaseOwner != "":
			d.LeaseOwner, d.LeaseUntil = req.LeaseOwner, req.LeaseUntil
		case d.OrderingKey == "":
			a.notify = true
		case a.busy[d.OrderingKey]:
			d.NextAt, d.HoldReason = heldUntilPromoted, store.HoldOrdering
		default:
			a.busy[d.OrderingKey] = true
			a.notify = true
		}
	}
	return nil
}

func (a *acceptTx) lockMoreOrderingKeys(ctx context.Context) error {
	var keys []string
	var lockKeys []int64
	for _, row := range a.deliveries {
		key := row.d.OrderingKey
		if key != "" && !a.locked[key] {
			a.locked[key] = true
			keys = append(keys, key)
			lockKeys = append(lockKeys, a.s.locks.key(lockOrdering, key))
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if err := lockNow(ctx, a.tx, lockKeys); err != nil {
		return fmt.Errorf("lock ordering keys: %w", err)
	}
	rows, err := a.tx.Query(ctx, `SELECT DISTINCT ordering_key FROM deliveries WHERE state = 0 AND ordering_key = ANY($1)`, keys)
	if err != nil {
		return fmt.Errorf("look up ordering keys: %w", err)
	}
	busy, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("look up ordering keys: %w", err)
	}
	for _, key := range busy {
		a.busy[key] = true
	}
	return nil
}

func (a *acceptTx) leasedCount() int {
	n := 0
	for _, row := range a.deliveries {
		if row.d.LeaseOwner != "" {
			n++
		}
	}
	return n
}
