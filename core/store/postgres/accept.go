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

// Accept implements store.Store. A request is one transaction. It first takes
// the advisory locks of the entities and ordering keys it touches, in one
// order. Then it checks every event against the stored ones and the others of
// the request, and only then writes, so a conflict rejects the request before
// anything of it is written. Two instances that store the same new event id
// at once both pass the check; the unique index refuses the second commit,
// and the second request runs again and finds the first one's event.
func (s *Store) Accept(ctx context.Context, req *store.AcceptRequest) (*store.AcceptResult, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.registerDestinations(ctx, plannedDestinations(req)); err != nil {
		return nil, err
	}

	var a *acceptTx
	err := s.inTx(ctx, "accept", func(tx *pipeTx) (int64, error) {
		a = &acceptTx{s: s, tx: tx, req: req}
		if err := a.run(ctx); err != nil {
			return 0, err
		}
		return a.scheduled, nil
	})
	if err != nil {
		return nil, err
	}
	for key, id := range a.newDestinations {
		s.destinations.Store(key, id)
	}
	if a.notify {
		s.notifier.request()
	}
	return a.result, nil
}

func plannedDestinations(req *store.AcceptRequest) []string {
	var keys []string
	for _, ev := range req.Events {
		for _, nd := range ev.Deliveries {
			keys = append(keys, nd.Destination)
		}
	}
	return keys
}

// acceptTx is one run of an Accept transaction.
type acceptTx struct {
	s      *Store
	tx     *pipeTx
	req    *store.AcceptRequest
	result *store.AcceptResult

	// contentHashes maps each stored event id or alias the request asked
	// about to the content hash of the row that has it.
	contentHashes map[string][]byte
	// stored holds the ids and aliases known to be stored, by this
	// transaction or earlier; absent those looked up and not found.
	stored, absent map[string]bool
	// entities are the entity states, updated as the request's events change
	// them; changed holds the keys to write.
	entities map[string]*derive.Entity
	changed  map[string]bool
	// busy holds the ordering keys that have an unfinished delivery; locked
	// those whose advisory lock this transaction holds.
	busy, locked map[string]bool

	events     []*eventRow
	deliveries []*deliveryRow
	ids        allocation

	newDestinations map[string]int64
	scheduled       int64
	notify          bool
}

// eventRow is an event to insert.
type eventRow struct {
	in          *event.Incoming
	alias       string
	duplicateOf string
	stored      *store.StoredEvent
}

// deliveryRow is a delivery to insert.
type deliveryRow struct {
	event  *eventRow
	d      *store.Delivery
	destID int64
}

func (a *acceptTx) run(ctx context.Context) error {
	a.result = &store.AcceptResult{Events: make([]store.EventResult, len(a.req.Events))}
	a.stored, a.absent, a.busy, a.locked = map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	if err := a.prepare(ctx); err != nil {
		return err
	}
	known, err := a.checkKnown()
	if err != nil {
		return err
	}

	for i, ev := range a.req.Events {
		if known[i] {
			continue
		}
		derived, duplicate, err := a.add(ctx, ev)
		if err != nil {
			return err
		}
		a.result.Events[i].Duplicate = duplicate
		a.result.Derived += derived
	}

	if err := a.order(ctx); err != nil {
		return err
	}
	if err := a.ids.ensure(ctx, a.tx, len(a.events), len(a.deliveries), a.leasedCount()); err != nil {
		return err
	}
	return a.write(ctx)
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
	ids := make([]string, len(a.req.Events))
	deliveries := 0
	for i, ev := range a.req.Events {
		ids[i] = ev.Incoming.Envelope.EventID
		deliveries += len(ev.Deliveries)
	}
	batch.Queue(`SELECT event_id, coalesce(alias_id, ''), content_hash FROM events
		WHERE event_id = ANY($1) OR alias_id = ANY($1)`, ids)
	if len(entityKeys) > 0 {
		batch.Queue(`SELECT `+entityColumns+` FROM entities WHERE key = ANY($1)`, entityKeys)
	}
	if len(orderingKeys) > 0 {
		batch.Queue(`SELECT DISTINCT ordering_key FROM deliveries WHERE state = 0 AND ordering_key = ANY($1)`, orderingKeys)
	}
	tokens := 0
	if a.req.LeaseOwner != "" {
		tokens = deliveries
	}
	a.ids.queue(batch, len(a.req.Events), deliveries, tokens)

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
	for _, ev := range a.req.Events {
		env := ev.Incoming.Envelope
		if key := env.EntityType + ":" + env.EntityID; a.req.Derive && env.EntityID != "" && !env.Derived && !seenEntity[key] {
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
	return entities, ordering
}

func (a *acceptTx) readKnown(results pgx.BatchResults) error {
	rows, err := results.Query()
	if err != nil {
		return fmt.Errorf("look up event ids: %w", err)
	}
	defer rows.Close()
	a.contentHashes = map[string][]byte{}
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

// checkKnown fills in each event's id and whether it is a duplicate, and
// reports the duplicates. It rejects the request when a known id arrives with
// another content hash. An id repeated within the request counts as known
// from its second occurrence on.
func (a *acceptTx) checkKnown() ([]bool, error) {
	known := make([]bool, len(a.req.Events))
	seen := map[string][16]byte{}
	out := a.result.Events
	for i, ev := range a.req.Events {
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
	if !a.req.Derive {
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
		deliveries, err := a.req.Plan(in)
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
	in := ev.Incoming
	row := &eventRow{in: in, alias: alias, duplicateOf: duplicateOf,
		stored: &store.StoredEvent{EventID: in.Envelope.EventID, EventType: in.Envelope.EventType, Format: in.Format,
			Body: in.Body, ReceivedAt: a.req.ReceivedAt, Incoming: in}}
	a.events = append(a.events, row)
	a.stored[in.Envelope.EventID] = true
	if alias != "" {
		a.stored[alias] = true
	}

	for _, nd := range ev.Deliveries {
		state := nd.State
		if state == "" {
			state = store.StateScheduled
		}
		at := a.req.ReceivedAt
		d := &store.Delivery{EventID: row.stored.EventID, EventType: row.stored.EventType, Route: nd.Route,
			Connector: nd.Connector, Target: nd.Target, Untrusted: nd.Untrusted, Destination: nd.Destination,
			OrderingKey: nd.OrderingKey, EntityKey: nd.EntityKey, State: state, CreatedAt: at, NextAt: at,
			LastError: nd.Reason, UpdatedAt: at}
		a.deliveries = append(a.deliveries, &deliveryRow{event: row, d: d})
	}
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
		d := row.d
		if d.State != store.StateScheduled {
			continue
		}
		a.scheduled++
		switch {
		case d.OrderingKey == "" && a.req.LeaseOwner != "":
			d.LeaseOwner, d.LeaseUntil = a.req.LeaseOwner, a.req.LeaseUntil
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
