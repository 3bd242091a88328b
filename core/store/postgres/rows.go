package postgres

import (
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// deliveryColumns is the column list deliveryScan reads, with the deliveries
// table as d and destinations as ds.
const deliveryColumns = `d.id, d.event_seq, d.route, d.connector, d.target, d.untrusted, ds.key, d.ordering_key,
	d.entity_key, d.state, d.attempts, d.created_at, d.next_at, d.hold_reason, d.held_ns, d.last_error, d.updated_at,
	d.lease_owner, d.lease_token, d.lease_until, d.retry_base, d.total_events, d.suppressed, d.destination_id`

// eventColumns is the column list eventScan reads, with the events table as e.
const eventColumns = `e.seq, e.event_id, e.event_type, e.format, e.body, e.received_at`

// deliveryScan holds the raw values of deliveryColumns.
type deliveryScan struct {
	d                            store.Delivery
	untrusted                    string
	orderingKey, leaseOwner      *string
	leaseToken, leaseUntil       *int64
	state                        int16
	createdAt, nextAt, updatedAt int64
	heldNS                       int64
	target                       []byte
	destID                       int64
}

func (r *deliveryScan) targets() []any {
	return []any{&r.d.ID, &r.d.EventSeq, &r.d.Route, &r.d.Connector, &r.target, &r.untrusted, &r.d.Destination,
		&r.orderingKey, &r.d.EntityKey, &r.state, &r.d.Attempts, &r.createdAt, &r.nextAt, &r.d.HoldReason, &r.heldNS,
		&r.d.LastError, &r.updatedAt, &r.leaseOwner, &r.leaseToken, &r.leaseUntil, &r.d.RetryBase, &r.d.TotalEvents, &r.d.Suppressed, &r.destID}
}

func (r *deliveryScan) finish() *store.Delivery {
	d := r.d
	d.Target = r.target
	if r.untrusted != "" {
		d.Untrusted = strings.Split(r.untrusted, ",")
	}
	d.OrderingKey, d.LeaseOwner = deref(r.orderingKey), deref(r.leaseOwner)
	d.State = stateNames[r.state]
	d.CreatedAt, d.NextAt, d.UpdatedAt = fromNanos(r.createdAt), fromNanos(r.nextAt), fromNanos(r.updatedAt)
	d.HeldFor = time.Duration(r.heldNS)
	if r.leaseToken != nil {
		d.LeaseToken = *r.leaseToken
	}
	if r.leaseUntil != nil {
		d.LeaseUntil = fromNanos(*r.leaseUntil)
	}
	return &d
}

// eventScan holds the raw values of eventColumns.
type eventScan struct {
	e          store.StoredEvent
	format     string
	receivedAt int64
}

func (r *eventScan) targets() []any {
	return []any{&r.e.Seq, &r.e.EventID, &r.e.EventType, &r.format, &r.e.Body, &r.receivedAt}
}

func (r *eventScan) finish() *store.StoredEvent {
	e := r.e
	e.Format = event.Format(r.format)
	e.ReceivedAt = fromNanos(r.receivedAt)
	return &e
}

// claimedRow is a claimed delivery with its destination's row id.
type claimedRow struct {
	claimed *store.Claimed
	destID  int64
	// expiredOwner owned the expired lease the claim took over, if any.
	expiredOwner string
}

func scanClaimed(row pgx.CollectableRow) (claimedRow, error) {
	var d deliveryScan
	var e eventScan
	var expiredOwner *string
	if err := row.Scan(append(append(d.targets(), e.targets()...), &expiredOwner)...); err != nil {
		return claimedRow{}, err
	}
	c := &store.Claimed{Delivery: d.finish(), Event: e.finish()}
	c.Delivery.EventID, c.Delivery.EventType = c.Event.EventID, c.Event.EventType
	return claimedRow{claimed: c, destID: d.destID, expiredOwner: deref(expiredOwner)}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
