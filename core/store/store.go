// Package store defines the durable state of Switchboard (events, deliveries,
// attempts, per-entity connector state) as the Store interface. The sqlite
// package implements it for the embedded default; storetest holds the conformance
// suite every implementation passes.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/event"
)

// Store is the durable state. Every method is safe for concurrent use.
type Store interface {
	// Accept stores events and the deliveries they cause in one transaction and
	// returns once they are durable. Known events are reported as duplicates and
	// create nothing; a known event id with another content hash fails the whole
	// request with a *ConflictError and stores nothing.
	Accept(ctx context.Context, req *AcceptRequest) (*AcceptResult, error)

	// Claim leases due deliveries to req.Owner, round-robin across destinations,
	// and returns them with their events.
	Claim(ctx context.Context, req *ClaimRequest) ([]*Claimed, error)

	// Complete records attempt outcomes and reschedules. An update whose lease
	// token no longer holds changes nothing and reports ErrLeaseLost in its slot
	// of the returned slice.
	Complete(ctx context.Context, updates []*Update) ([]error, error)

	// ReleaseOwner clears every lease held by owner on unfinished deliveries, so
	// they can be claimed at once. An instance calls it at start and at shutdown.
	ReleaseOwner(ctx context.Context, owner string) (int, error)

	// ReleaseHolds makes due at now the unleased deliveries to destination held
	// with reason until later, for example when the destination's circuit
	// closes before the cooldown they were held for ends. The time they will no
	// longer be held is taken off their held time.
	ReleaseHolds(ctx context.Context, destination, reason string, now time.Time) (int, error)

	// RenewLeases extends until the leases that owner holds on the given deliveries.
	RenewLeases(ctx context.Context, owner string, ids []int64, until time.Time) error

	// NextDue returns the earliest next_at of the scheduled, unleased deliveries.
	NextDue(ctx context.Context) (time.Time, bool, error)

	// DigestEvents returns the events a digest delivery collected, in arrival
	// order, at most the digest's MaxItems of them; Delivery.TotalEvents
	// counts them all.
	DigestEvents(ctx context.Context, deliveryID int64) ([]*StoredEvent, error)

	// EntityState returns a connector's state for an entity, with its version (0
	// and nil when none is stored). entityKey may be an alias that an earlier
	// EntityStateUpdate named; the state it stands for is returned then.
	EntityState(ctx context.Context, connector, entityKey string) ([]byte, int64, error)

	// ResolveEntityKey returns the entity key that entityKey is an alias of for
	// the connector, or entityKey itself when it is no alias. Routing calls it
	// for every delivery of a connector that keeps state, so that events about
	// either side of a link share one ordering key; it must be cheap.
	ResolveEntityKey(ctx context.Context, connector, entityKey string) (string, error)

	// EntityCurrent returns the data.current of an entity ("issue:<id>") as
	// the last event about it that was stored carried it, or nil when no
	// event with the entity's state was stored. Connectors that act on an
	// entity read it just before an attempt (sdk.Capabilities.CurrentState).
	EntityCurrent(ctx context.Context, entityKey string) (json.RawMessage, error)

	// Backlog returns the number of scheduled deliveries.
	Backlog() int64

	// SizeBytes returns the size of the store on disk; it may be up to a second
	// old.
	SizeBytes() int64

	// StoreID identifies this database; public delivery ids carry it, so that ids
	// from a recreated database never repeat old ones.
	StoreID() string

	// Prune looks at up to limit events received before cutoff and deletes those
	// whose deliveries are all delivered, skipped or cancelled, with their
	// deliveries and attempts. It returns how many it deleted and whether more
	// events received before cutoff remain to be looked at; a call after more is
	// false starts over from the oldest event.
	Prune(ctx context.Context, cutoff time.Time, limit int) (deleted int, more bool, err error)

	// RunDue derives the due-date events owed at req.ReceivedAt (core/derive.Due)
	// for up to limit entities whose next due time has come, stores them with
	// the deliveries req.Plan gives them, and records them on their entities so
	// that none is derived twice. more reports that other entities are due.
	RunDue(ctx context.Context, req *AcceptRequest, limit int) (res *AcceptResult, more bool, err error)

	// Summary counts the events received in [from, to), duplicates and the
	// reports themselves (system.*) left out, and the issues not closed whose
	// due date is before to.
	Summary(ctx context.Context, from, to time.Time) (*derive.Summary, error)

	// AcquireLease takes or renews the named lease for owner until now+ttl. It
	// reports false while another owner's lease on it has not expired.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)

	// Mark returns when the named periodic job last ran, zero when never;
	// SetMark records it.
	Mark(ctx context.Context, name string) (time.Time, error)
	SetMark(ctx context.Context, name string, at time.Time) error

	// Event returns a stored event by its event id.
	Event(ctx context.Context, eventID string) (*StoredEvent, error)

	// Deliveries lists deliveries that match the filter, newest first.
	Deliveries(ctx context.Context, filter DeliveryFilter) ([]*Delivery, error)

	// Attempts lists a delivery's attempts, oldest first.
	Attempts(ctx context.Context, deliveryID int64) ([]*Attempt, error)

	// Ping checks that the store can be read and written.
	Ping(ctx context.Context) error

	// Close flushes pending writes and closes the store.
	Close() error

	Operations
}

// State is where a delivery is in its life.
type State string

// The delivery states.
const (
	StateScheduled State = "scheduled" // due at NextAt, possibly held for a reason
	StateDelivered State = "delivered"
	StateDead      State = "dead"      // failed permanently or ran out of attempts or age
	StateSkipped   State = "skipped"   // deliberately not delivered, with the reason
	StateCancelled State = "cancelled" // by an operator
)

// Final reports whether no more attempts follow.
func (s State) Final() bool { return s != StateScheduled }

// Hold reasons for a scheduled delivery that waits for something other than its
// backoff.
const (
	HoldRateLimit    = "rate_limit"
	HoldCircuitOpen  = "circuit_open"
	HoldOrdering     = "ordering"
	HoldShutdown     = "shutdown"
	HoldNoConnector  = "connector_removed"
	HoldConcurrency  = "concurrency"
	HoldPluginFailed = "plugin_failed"
	// HoldDigest: a digest waits for its window to end.
	HoldDigest = "digest"
	// HoldQuietHours: the route's quiet hours hold the delivery until they end.
	HoldQuietHours = "quiet_hours"
)

// OpenEndedHold reports whether a hold reason ends with an event rather
// than at a time: a resume (HoldPaused), a predecessor that finishes
// (HoldOrdering), a config that brings the connector back
// (HoldNoConnector). Such a delivery's NextAt is a placeholder far ahead
// or a time to look again, not when it will be attempted.
func OpenEndedHold(reason string) bool {
	return reason == HoldPaused || reason == HoldOrdering || reason == HoldNoConnector
}

// AcceptRequest is one inbound request's events.
type AcceptRequest struct {
	Events []*NewEvent
	// ReceivedAt is the time ingest accepted the request.
	ReceivedAt time.Time
	// LeaseOwner, when set, creates the new scheduled deliveries already leased to
	// that owner until LeaseUntil, for the in-memory handoff to the local
	// dispatcher.
	LeaseOwner string
	LeaseUntil time.Time

	// Derive asks the store to derive change events from each new event, in this
	// transaction, against its entity's stored state (core/derive), to store
	// them with the deliveries Plan gives them, and to update the entity's state.
	// An event that reports a change already stored (Turbo's own issue.assigned
	// after Switchboard derived it) is a duplicate.
	Derive bool
	// Plan routes a derived event into its deliveries; required with Derive.
	Plan func(in *event.Incoming) ([]*NewDelivery, error)
	// DueThresholds are the times before a due date that are owed a warning;
	// they set when an entity is next due.
	DueThresholds []time.Duration
}

// NewEvent is an event to store with the deliveries routing planned for it.
type NewEvent struct {
	Incoming   *event.Incoming
	Deliveries []*NewDelivery
	// Prepared is the event read for deriving (derive.Prepare), done by the
	// caller so the store's writer does not spend its time on it. When nil and
	// the request derives, the store prepares the event itself.
	Prepared *derive.Prepared
}

// NewDelivery is a delivery routing planned.
type NewDelivery struct {
	Route     string
	Connector string
	// Target is the rendered target parameters as a JSON object.
	Target json.RawMessage
	// Untrusted names the target parameters rendered from templates.
	Untrusted   []string
	Destination string
	// OrderingKey is set for connectors with the ordering capability.
	OrderingKey string
	EntityKey   string
	// State is StateScheduled, or StateDead when planning already failed (a
	// target template that did not render), with Reason.
	State  State
	Reason string

	// NotBefore, when after the request's ReceivedAt, holds a scheduled
	// delivery until then with HoldReason (quiet hours, or a digest's window).
	// Such a delivery is never handed over in memory, and the wait does not
	// count against its maximum age.
	NotBefore  time.Time
	HoldReason string
	// Digest, when set, collects the event into the open digest with the same
	// key instead of creating a delivery, or opens the digest with this
	// delivery, due at NotBefore.
	Digest *DigestSpec
	// Throttle, when set, stores the delivery skipped when a message with the
	// same key went out less than the period ago, and counts it in the next
	// one that goes out.
	Throttle *ThrottleSpec
}

// DigestSpec is the digest a delivery joins.
type DigestSpec struct {
	// Key identifies one digest: the route, a hash of its config, the target
	// and the window's start.
	Key string
	// MaxItems bounds the events DigestEvents returns for it.
	MaxItems int
}

// ThrottleSpec is the throttle a delivery passes.
type ThrottleSpec struct {
	// Key identifies what is throttled: the route, the target and the
	// rendered key.
	Key string
	// Per is the period during which one message per key goes out.
	Per time.Duration
}

// AcceptResult reports what Accept did with each event, in request order.
type AcceptResult struct {
	Events []EventResult
	// Derived counts the derived events stored.
	Derived int
	// Deliveries are the scheduled deliveries created, leased to the request's
	// LeaseOwner when one was given.
	Deliveries []*Claimed
}

// EventResult is one event's fate.
type EventResult struct {
	EventID   string
	Duplicate bool
}

// ClaimRequest asks for due deliveries.
type ClaimRequest struct {
	Owner      string
	Now        time.Time
	LeaseUntil time.Time
	// Limit bounds the deliveries returned; PerDestination bounds them per
	// destination (0 means no bound).
	Limit          int
	PerDestination int
	// SkipDestinations are not claimed from (their circuit is open, or their
	// in-memory queue is full).
	SkipDestinations []string
}

// Claimed is a leased delivery with its event.
type Claimed struct {
	Delivery *Delivery
	Event    *StoredEvent
}

// Delivery is one (event, route, target).
type Delivery struct {
	ID          int64
	EventSeq    int64
	EventID     string
	EventType   string
	Route       string
	Connector   string
	Target      json.RawMessage
	Untrusted   []string
	Destination string
	OrderingKey string
	EntityKey   string
	State       State
	// Attempts counts the attempts made so far.
	Attempts int
	// RetryBase is the attempt count when an operator last retried the
	// delivery; the attempt budget counts from it.
	RetryBase  int
	CreatedAt  time.Time
	NextAt     time.Time
	HoldReason string
	// HeldFor is the time the delivery spent held (rate limit, open circuit,
	// ordering, ...); it does not count against the maximum age.
	HeldFor time.Duration
	// LastError is the reason of the last failed attempt, or why the delivery is
	// dead or skipped.
	LastError string
	// TotalEvents counts the events of a digest delivery (DigestEvents loads
	// them); it is 0 for a delivery of one event.
	TotalEvents int
	// Suppressed counts the deliveries the route's throttle skipped for the
	// same key before this one.
	Suppressed int
	UpdatedAt  time.Time
	LeaseOwner string
	LeaseToken int64
	LeaseUntil time.Time
}

// StoredEvent is an event as stored.
type StoredEvent struct {
	Seq        int64
	EventID    string
	EventType  string
	Format     event.Format
	Body       []byte
	ReceivedAt time.Time
	// Incoming is the parsed event when it was handed over in memory by Accept;
	// nil when the event was loaded from the database.
	Incoming *event.Incoming
}

// Update is one change to a leased delivery.
type Update struct {
	DeliveryID int64
	LeaseToken int64
	// At is when the update happened.
	At time.Time
	// Attempt is recorded when an attempt ran; nil for a hold that made none.
	Attempt *Attempt
	// State is the new state. With StateScheduled, NextAt and HoldReason say when
	// and why the delivery runs again.
	State      State
	NextAt     time.Time
	HoldReason string
	// HeldFor is added to the delivery's held time: the wait a hold imposes.
	HeldFor time.Duration
	// Reason is stored as the delivery's last error.
	Reason string
	// EntityState, when set, is written in the same transaction if its version
	// still matches.
	EntityState *EntityStateUpdate
}

// EntityStateUpdate replaces a connector's state for one entity.
type EntityStateUpdate struct {
	Connector string
	EntityKey string
	// Version is the version the connector read; the write fails with
	// ErrStateConflict when the stored version differs.
	Version int64
	Data    []byte
	// Aliases are other keys of the same entity (a linked issue in another
	// system). Once written, EntityState and later updates under an alias use
	// this state. An alias that already has state of its own is not added.
	Aliases []string
}

// Attempt is one recorded try.
type Attempt struct {
	DeliveryID  int64
	Number      int
	StartedAt   time.Time
	Duration    time.Duration
	Outcome     string
	StatusCode  int
	Response    string
	Error       string
	ExternalRef string
}

// DeliveryFilter selects deliveries for listing.
type DeliveryFilter struct {
	EventID   string
	State     State
	Route     string
	Connector string
	EventType string
	// CreatedAfter and CreatedBefore bound the creation time (inclusive,
	// exclusive).
	CreatedAfter  time.Time
	CreatedBefore time.Time
	// BeforeID is the cursor: only deliveries with a smaller id.
	BeforeID int64
	// Limit bounds the deliveries returned. Default 100.
	Limit int
}

// Errors callers branch on with errors.Is and errors.As.
var (
	// ErrNotFound: no such event or delivery.
	ErrNotFound = errors.New("not found")
	// ErrLeaseLost: the update's lease token no longer holds.
	ErrLeaseLost = errors.New("lease lost")
	// ErrStateConflict: the entity state changed since the connector read it.
	ErrStateConflict = errors.New("entity state changed concurrently")
	// ErrUnavailable: the store cannot commit now (disk full, I/O error, closed).
	ErrUnavailable = errors.New("store unavailable")
	// ErrSchemaTooNew: the database was written by a newer Switchboard.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
	// ErrLocked: another process uses the database.
	ErrLocked = errors.New("database is in use by another process")
)

// ConflictError reports a known event id that arrived with a different body.
type ConflictError struct {
	EventID string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("event %s is already stored with a different body; send a new event_id for a new event", e.EventID)
}

// PublicDeliveryID formats a delivery's id as users and destinations see it:
// "dlv_<store id>_<number>".
func PublicDeliveryID(storeID string, id int64) string {
	return "dlv_" + storeID + "_" + strconv.FormatInt(id, 10)
}

// ParsePublicDeliveryID returns the number in a public delivery id of this store.
func ParsePublicDeliveryID(storeID, public string) (int64, error) {
	rest, ok := strings.CutPrefix(public, "dlv_"+storeID+"_")
	if !ok {
		return 0, fmt.Errorf("delivery id %q is not of this store (want dlv_%s_<number>): %w", public, storeID, ErrNotFound)
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("delivery id %q has no valid number after the prefix: %w", public, ErrNotFound)
	}
	return id, nil
}
