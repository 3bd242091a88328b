package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// Accept implements store.Store. It first checks every event of the request
// against the stored ones and against each other, and only then writes, so a
// conflict rejects the request before anything of it is written.
func (s *Store) Accept(ctx context.Context, req *store.AcceptRequest) (*store.AcceptResult, error) {
	result := &store.AcceptResult{Events: make([]store.EventResult, len(req.Events))}
	err := s.writer.do(ctx, func(tx *txn) error {
		known, err := s.checkKnown(tx, req, result.Events)
		if err != nil {
			return err
		}

		scheduled := map[int64]int64{}
		result.Derived = 0
		for i, ev := range req.Events {
			if known[i] {
				continue
			}
			derived, duplicate, err := s.storeWithChanges(tx, req, ev, scheduled, &result.Deliveries)
			if err != nil {
				return err
			}
			result.Events[i].Duplicate = duplicate
			result.Derived += derived
		}
		tx.req.onCommit(func() { s.addPending(scheduled) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// checkKnown fills out with each event's id and whether it is a duplicate, and
// reports the duplicates; it rejects the request when a known id arrives with
// another content hash. An id repeated within the request counts as known from
// its second occurrence on.
func (s *Store) checkKnown(tx *txn, req *store.AcceptRequest, out []store.EventResult) ([]bool, error) {
	known := make([]bool, len(req.Events))
	var seen map[string][16]byte
	for i, ev := range req.Events {
		in := ev.Incoming
		id := in.Envelope.EventID
		out[i].EventID = id

		if earlier, ok := seen[id]; ok {
			if earlier != in.ContentHash {
				return nil, reject(&store.ConflictError{EventID: id})
			}
			known[i], out[i].Duplicate = true, true
			continue
		}
		if len(req.Events) > 1 {
			if seen == nil {
				seen = make(map[string][16]byte, len(req.Events))
			}
			seen[id] = in.ContentHash
		}

		stored, err := s.findEvent(tx, hashID(id), id)
		if err != nil {
			return nil, err
		}
		if stored == nil {
			continue
		}
		if !bytes.Equal(stored.contentHash, in.ContentHash[:]) {
			return nil, reject(&store.ConflictError{EventID: id})
		}
		known[i], out[i].Duplicate = true, true
	}
	return known, nil
}

// storeWithChanges writes one new event and, when the request asks, the change
// events it derives and its entity's new state. It returns how many derived
// events it stored, and reports the event a duplicate when it reports a change
// that is stored already.
func (s *Store) storeWithChanges(tx *txn, req *store.AcceptRequest, ev *store.NewEvent, scheduled map[int64]int64, handoff *[]*store.Claimed) (int, bool, error) {
	if !req.Derive {
		return 0, false, s.storeEvent(tx, req, ev, "", scheduled, handoff)
	}

	env := ev.Incoming.Envelope
	stored, err := s.entity(tx, env.EntityType+":"+env.EntityID)
	if err != nil {
		return 0, false, err
	}
	prepared := ev.Prepared
	if prepared == nil {
		prepared = derive.Prepare(ev.Incoming)
	}
	res, err := prepared.Changes(stored)
	if err != nil {
		return 0, false, err
	}
	if res.ChangeID != "" {
		known, err := s.findEvent(tx, hashID(res.ChangeID), res.ChangeID)
		if err != nil {
			return 0, false, err
		}
		if known != nil {
			_, err := s.insertEvent(tx, req, ev, hashID(env.EventID), eventLinks{duplicateOf: res.ChangeID})
			return 0, true, err
		}
	}

	if err := s.storeEvent(tx, req, ev, res.ChangeID, scheduled, handoff); err != nil {
		return 0, false, err
	}
	derived, err := s.storeDerived(tx, req, res.Derived, scheduled, handoff)
	if err != nil {
		return 0, false, err
	}
	if res.Entity != nil {
		err = s.saveEntity(tx, res.Entity, req)
	}
	return derived, false, err
}

// storeDerived stores the derived events not stored yet, routed by req.Plan.
func (s *Store) storeDerived(tx *txn, req *store.AcceptRequest, events []*event.Incoming, scheduled map[int64]int64, handoff *[]*store.Claimed) (int, error) {
	stored := 0
	for _, in := range events {
		id := in.Envelope.EventID
		known, err := s.findEvent(tx, hashID(id), id)
		if err != nil {
			return 0, err
		}
		if known != nil {
			continue
		}
		deliveries, err := req.Plan(in)
		if err != nil {
			return 0, fmt.Errorf("route derived event %s: %w", in.Envelope.EventType, err)
		}
		if err := s.storeEvent(tx, req, &store.NewEvent{Incoming: in, Deliveries: deliveries}, "", scheduled, handoff); err != nil {
			return 0, err
		}
		stored++
	}
	return stored, nil
}

// storeEvent writes one new event and its deliveries, counting the scheduled
// ones per destination id in scheduled. alias is the id of the change the
// event reports, or empty.
func (s *Store) storeEvent(tx *txn, req *store.AcceptRequest, ev *store.NewEvent, alias string, scheduled map[int64]int64, handoff *[]*store.Claimed) error {
	in := ev.Incoming
	hash := hashID(in.Envelope.EventID)
	seq, err := s.insertEvent(tx, req, ev, hash, eventLinks{alias: alias})
	if err != nil {
		return err
	}
	stored := &store.StoredEvent{Seq: seq, EventID: in.Envelope.EventID, EventType: in.Envelope.EventType,
		Format: in.Format, Body: in.Body, ReceivedAt: req.ReceivedAt, Incoming: in}

	for _, nd := range ev.Deliveries {
		d, destID, err := s.placeDelivery(tx, req, stored, nd)
		if err != nil {
			return err
		}
		if d == nil {
			continue // the event joined an open digest
		}
		if d.State == store.StateScheduled {
			scheduled[destID]++
		}
		if d.LeaseOwner != "" {
			*handoff = append(*handoff, &store.Claimed{Delivery: d, Event: stored})
		}
	}
	return nil
}

type eventIdentity struct {
	seq         int64
	contentHash []byte
}

// findEvent returns the stored event with this id or alias, or nil. It sees the
// rows of the current transaction too, so a batch that repeats an id is caught.
func (s *Store) findEvent(tx *txn, hash uint64, eventID string) (*eventIdentity, error) {
	for _, seq := range s.ids.candidates(hash) {
		var id, alias string
		var contentHash []byte
		err := s.stmts.eventIdentity.QueryRowContext(tx.ctx, seq).Scan(&id, &alias, &contentHash)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up event %s: %w", eventID, err)
		}
		if id == eventID || alias == eventID {
			return &eventIdentity{seq: seq, contentHash: contentHash}, nil
		}
	}
	return nil, nil
}

// eventLinks ties a stored event to a change: alias is the id of the change
// the event reports, duplicateOf the stored change it repeats.
type eventLinks struct {
	alias       string
	duplicateOf string
}

// insertEvent writes one event row and adds its id, and its alias, to the id
// index.
func (s *Store) insertEvent(tx *txn, req *store.AcceptRequest, ev *store.NewEvent, hash uint64, links eventLinks) (int64, error) {
	in := ev.Incoming
	alias := links.alias
	var aliasHash any
	if alias != "" {
		aliasHash = int64(hashID(alias))
	}
	res, err := s.stmts.insertEvent.ExecContext(tx.ctx, in.Envelope.EventID, int64(hash), in.ContentHash[:],
		in.Envelope.EventType, string(in.Format), in.Body, nanos(req.ReceivedAt),
		nullString(alias), aliasHash, in.Envelope.Context["project_id"], nullString(links.duplicateOf))
	if err != nil {
		return 0, fmt.Errorf("insert event %s: %w", in.Envelope.EventID, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert event %s: %w", in.Envelope.EventID, err)
	}

	s.ids.add(hash, seq)
	tx.req.onUndo(func() { s.ids.remove(hash, seq) })
	if alias != "" {
		aliasHash := hashID(alias)
		s.ids.add(aliasHash, seq)
		tx.req.onUndo(func() { s.ids.remove(aliasHash, seq) })
	}
	return seq, nil
}

// insertDelivery stores one planned delivery and returns it with its
// destination's row id. A scheduled, unordered delivery is leased to
// req.LeaseOwner when one is given, for the in-memory handoff. Ordered ones
// always go through Claim; one whose ordering key has an unfinished delivery
// already is held with the reason "ordering" until that one finishes.
func (s *Store) insertDelivery(tx *txn, req *store.AcceptRequest, ev *store.StoredEvent, nd *store.NewDelivery) (*store.Delivery, int64, error) {
	destID, err := s.destinationID(tx, nd.Destination)
	if err != nil {
		return nil, 0, err
	}

	state := nd.State
	if state == "" {
		state = store.StateScheduled
	}
	d := &store.Delivery{EventSeq: ev.Seq, EventID: ev.EventID, EventType: ev.EventType, Route: nd.Route,
		Connector: nd.Connector, Target: nd.Target, Untrusted: nd.Untrusted, Destination: nd.Destination,
		OrderingKey: nd.OrderingKey, EntityKey: nd.EntityKey, State: state, CreatedAt: req.ReceivedAt,
		NextAt: req.ReceivedAt, LastError: nd.Reason, UpdatedAt: req.ReceivedAt}
	if state == store.StateScheduled && nd.OrderingKey == "" && req.LeaseOwner != "" {
		d.LeaseOwner, d.LeaseToken, d.LeaseUntil = req.LeaseOwner, s.nextToken(), req.LeaseUntil
	}
	if state == store.StateScheduled && nd.OrderingKey != "" {
		busy, err := s.orderingBusy(tx, nd.OrderingKey)
		if err != nil {
			return nil, 0, err
		}
		if busy {
			d.NextAt, d.HoldReason = heldUntilPromoted, store.HoldOrdering
		}
	}

	res, err := s.stmts.insertDelivery.ExecContext(tx.ctx, d.EventSeq, d.Route, d.Connector, []byte(d.Target),
		strings.Join(d.Untrusted, ","), destID, nullString(d.OrderingKey), d.EntityKey, stateCodes[d.State],
		nanos(d.CreatedAt), nanos(d.NextAt), d.HoldReason, d.LastError, nanos(d.UpdatedAt),
		nullString(d.LeaseOwner), nullInt(d.LeaseToken), nullInt(nanos(d.LeaseUntil)))
	if err != nil {
		return nil, 0, fmt.Errorf("insert delivery of event %s to %s: %w", ev.EventID, d.Connector, err)
	}
	if d.ID, err = res.LastInsertId(); err != nil {
		return nil, 0, fmt.Errorf("insert delivery of event %s to %s: %w", ev.EventID, d.Connector, err)
	}
	return d, destID, nil
}

// heldUntilPromoted is the next_at of a delivery that waits behind its ordering
// key's predecessor; promoteNext sets the real time when that one finishes. It
// is far off but within the range of Unix nanoseconds, which end in 2262.
var heldUntilPromoted = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// orderingBusy reports whether an unfinished delivery with this ordering key
// exists, the transaction's own included.
func (s *Store) orderingBusy(tx *txn, key string) (bool, error) {
	var one int
	err := s.stmts.orderingBusy.QueryRowContext(tx.ctx, key).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up ordering key %s: %w", key, err)
	}
	return true, nil
}

// destinationID returns the row id of a destination key, creating the row on
// first use.
func (s *Store) destinationID(tx *txn, key string) (int64, error) {
	if id, ok := s.destinations[key]; ok {
		return id, nil
	}
	var id int64
	if err := s.stmts.insertDestination.QueryRowContext(tx.ctx, key).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert destination %q: %w", key, err)
	}
	s.destinations[key] = id
	s.destinationKeys[id] = key
	tx.req.onUndo(func() {
		delete(s.destinations, key)
		delete(s.destinationKeys, id)
	})
	return id, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
