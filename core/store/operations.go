package store

import (
	"context"
	"time"
)

// Operations are the reads and writes the management API and the web UI use:
// listings with filters and cursors, operator retries and replays, connector
// pauses and the audit of operator actions.
type Operations interface {
	// Delivery returns one delivery by its store id, with its event id and type.
	Delivery(ctx context.Context, id int64) (*Delivery, error)

	// Events lists stored events that match the filter, newest first.
	Events(ctx context.Context, filter EventFilter) ([]*StoredEvent, error)

	// Retry makes the given deliveries due at now, whatever their state, unless
	// one is scheduled and leased (an attempt is running). A retried delivery
	// gets a new attempt budget and a new maximum age counted from now; its
	// earlier attempts stay recorded. It returns the ids it made due.
	Retry(ctx context.Context, ids []int64, now time.Time) ([]int64, error)

	// Cancel makes the given scheduled deliveries cancelled, with reason as
	// their last error, unless one is leased (an attempt runs, or is about
	// to). Deliveries in a final state stay as they are. Cancelling the first
	// unfinished delivery of an ordering key makes the next one due. It
	// returns the ids it cancelled.
	Cancel(ctx context.Context, ids []int64, reason string, now time.Time) ([]int64, error)

	// AddDeliveries creates new scheduled deliveries, due at now, for a stored
	// event, for a replay. It returns them with their ids.
	AddDeliveries(ctx context.Context, eventID string, deliveries []*NewDelivery, now time.Time) ([]*Delivery, error)

	// ReleaseConnectorHolds makes due at now the unleased scheduled deliveries
	// of connector held with reason, such as those held while it was paused.
	ReleaseConnectorHolds(ctx context.Context, connector, reason string, now time.Time) (int, error)

	// Pauses returns every paused connector.
	Pauses(ctx context.Context) ([]*Pause, error)
	// SetPause pauses a connector, replacing an earlier pause of it.
	SetPause(ctx context.Context, p *Pause) error
	// ClearPause resumes a connector; it reports whether the connector was paused.
	ClearPause(ctx context.Context, connector string) (bool, error)

	// RecordAction appends an operator action to the audit log.
	RecordAction(ctx context.Context, a *Action) error
	// Actions lists the operator actions that match the filter, newest first.
	Actions(ctx context.Context, filter ActionFilter) ([]*Action, error)

	// Stats returns the figures the metrics report at each scrape.
	Stats(ctx context.Context) (*Stats, error)
}

// EventFilter selects events for listing. Zero fields match everything.
type EventFilter struct {
	EventType  string
	EntityType string
	EntityID   string
	// ParentEventID selects the events derived from that event.
	ParentEventID string
	// ReceivedAfter and ReceivedBefore bound the receive time (inclusive,
	// exclusive).
	ReceivedAfter  time.Time
	ReceivedBefore time.Time
	// BeforeSeq is the cursor: only events with a smaller sequence number.
	BeforeSeq int64
	// Limit bounds the events returned. Default 100.
	Limit int
}

// Pause holds a connector's deliveries until it is resumed. An operator sets
// it, or the dispatcher when the connector's endpoint is gone (410) or when it
// kept failing for delivery.disable_after.
type Pause struct {
	Connector string
	Reason    string
	// Actor is who paused it: an operator's name, or "switchboard" for an
	// automatic pause.
	Actor     string
	Automatic bool
	At        time.Time
}

// Action is one operator action in the audit log.
type Action struct {
	ID    int64
	At    time.Time
	Actor string
	// Action is retry, retry_dead, cancel, cancel_scheduled, replay, pause,
	// resume, test or backup.
	Action string
	// Target names what the action applied to: a delivery id, an event id, a
	// connector.
	Target string
	Detail string
}

// ActionFilter selects operator actions for listing. Zero fields match
// everything.
type ActionFilter struct {
	Actor  string
	Action string
	// After and Before bound the time of the action (inclusive, exclusive).
	After  time.Time
	Before time.Time
	// BeforeID is the cursor: only actions with a smaller id.
	BeforeID int64
	// Limit bounds the actions returned. Default 100.
	Limit int
}

// Stats are counts the metrics read.
type Stats struct {
	Dead int64
	// OldestPending is the creation time of the oldest scheduled delivery;
	// zero when none is scheduled.
	OldestPending time.Time
}

// HoldPaused is the hold reason of a delivery whose connector is paused or
// disabled.
const HoldPaused = "connector_paused"
