package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/core/store"
)

// Accept implements store.Store.
func (s *Store) Accept(ctx context.Context, req *store.AcceptRequest) (*store.AcceptResult, error) {
	result := &store.AcceptResult{Events: make([]store.EventResult, len(req.Events))}
	err := s.writer.do(ctx, func(tx *txn) error {
		result.Deliveries = result.Deliveries[:0]
		var scheduled int64
		for i, ev := range req.Events {
			n, err := s.acceptOne(tx, req, ev, &result.Events[i], &result.Deliveries)
			if err != nil {
				return err
			}
			scheduled += n
		}
		tx.req.onCommit(func() { s.backlog.Add(scheduled) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// acceptOne stores one event and its deliveries, unless the event is known. It
// returns the number of scheduled deliveries it created.
func (s *Store) acceptOne(tx *txn, req *store.AcceptRequest, ev *store.NewEvent, out *store.EventResult, handoff *[]*store.Claimed) (int64, error) {
	in := ev.Incoming
	out.EventID = in.Envelope.EventID

	hash := hashID(in.Envelope.EventID)
	known, err := s.findEvent(tx, hash, in.Envelope.EventID)
	if err != nil {
		return 0, err
	}
	if known != nil {
		if !bytes.Equal(known.contentHash, in.ContentHash[:]) {
			return 0, reject(&store.ConflictError{EventID: in.Envelope.EventID})
		}
		out.Duplicate = true
		return 0, nil
	}

	seq, err := s.insertEvent(tx, req, ev, hash)
	if err != nil {
		return 0, err
	}
	stored := &store.StoredEvent{Seq: seq, EventID: in.Envelope.EventID, EventType: in.Envelope.EventType,
		Format: in.Format, Body: in.Body, ReceivedAt: req.ReceivedAt, Incoming: in}

	var scheduled int64
	for _, nd := range ev.Deliveries {
		d, err := s.insertDelivery(tx, req, stored, nd)
		if err != nil {
			return 0, err
		}
		if d.State == store.StateScheduled {
			scheduled++
		}
		if d.LeaseOwner != "" {
			*handoff = append(*handoff, &store.Claimed{Delivery: d, Event: stored})
		}
	}
	return scheduled, nil
}

type eventIdentity struct {
	seq         int64
	contentHash []byte
}

// findEvent returns the stored event with this id, or nil. It sees the rows of
// the current transaction too, so a batch that repeats an id is caught.
func (s *Store) findEvent(tx *txn, hash uint64, eventID string) (*eventIdentity, error) {
	for _, seq := range s.ids.candidates(hash) {
		var id string
		var contentHash []byte
		err := s.stmts.eventIdentity.QueryRowContext(tx.ctx, seq).Scan(&id, &contentHash)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up event %s: %w", eventID, err)
		}
		if id == eventID {
			return &eventIdentity{seq: seq, contentHash: contentHash}, nil
		}
	}
	return nil, nil
}

func (s *Store) insertEvent(tx *txn, req *store.AcceptRequest, ev *store.NewEvent, hash uint64) (int64, error) {
	in := ev.Incoming
	res, err := s.stmts.insertEvent.ExecContext(tx.ctx, in.Envelope.EventID, int64(hash), in.ContentHash[:],
		in.Envelope.EventType, string(in.Format), in.Body, nanos(req.ReceivedAt))
	if err != nil {
		return 0, fmt.Errorf("insert event %s: %w", in.Envelope.EventID, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert event %s: %w", in.Envelope.EventID, err)
	}

	s.ids.add(hash, seq)
	tx.req.onUndo(func() { s.ids.remove(hash, seq) })
	return seq, nil
}

// insertDelivery stores one planned delivery. A scheduled, unordered delivery is
// leased to req.LeaseOwner when one is given, for the in-memory handoff; ordered
// ones always go through Claim, which enforces their order.
func (s *Store) insertDelivery(tx *txn, req *store.AcceptRequest, ev *store.StoredEvent, nd *store.NewDelivery) (*store.Delivery, error) {
	destID, err := s.destinationID(tx, nd.Destination)
	if err != nil {
		return nil, err
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

	res, err := s.stmts.insertDelivery.ExecContext(tx.ctx, d.EventSeq, d.Route, d.Connector, []byte(d.Target),
		strings.Join(d.Untrusted, ","), destID, nullString(d.OrderingKey), d.EntityKey, stateCodes[d.State],
		nanos(d.CreatedAt), nanos(d.NextAt), d.LastError, nanos(d.UpdatedAt),
		nullString(d.LeaseOwner), nullInt(d.LeaseToken), nullInt(nanos(d.LeaseUntil)))
	if err != nil {
		return nil, fmt.Errorf("insert delivery of event %s to %s: %w", ev.EventID, d.Connector, err)
	}
	if d.ID, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("insert delivery of event %s to %s: %w", ev.EventID, d.Connector, err)
	}
	return d, nil
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
