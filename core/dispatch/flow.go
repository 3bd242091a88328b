package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
)

// FlowSnapshot is implemented by a Snapshot whose routes may have quiet hours
// and whose templates read a digest's total and a throttle's count. Under a
// Snapshot without it, no route has quiet hours and templates see only the
// events.
type FlowSnapshot interface {
	// QuietUntil returns the end of the route's quiet hours when at falls
	// inside them.
	QuietUntil(route string, at time.Time) (time.Time, bool)
	// RenderCounted renders the route's template like RenderMessage. The
	// template also reads the number of events of a digest (0 for a delivery
	// that is no digest) and of messages the route's throttle suppressed
	// before this one.
	RenderCounted(route string, events []*event.Incoming, totalEvents, suppressed int) (message string, ok bool, err error)
}

// quietUntil returns the end of the delivery's quiet hours when at falls
// inside them.
func quietUntil(snap Snapshot, dl *store.Delivery, at time.Time) (time.Time, bool) {
	flow, ok := snap.(FlowSnapshot)
	if !ok {
		return time.Time{}, false
	}
	return flow.QuietUntil(dl.Route, at)
}

// holdForQuietHours lets go of a delivery whose route is in its quiet hours
// now, without an attempt, until they end, and reports whether it did.
func (d *Dispatcher) holdForQuietHours(snap Snapshot, it *item, log *slog.Logger) bool {
	until, quiet := quietUntil(snap, it.delivery, d.clock.Now())
	if !quiet {
		return false
	}
	d.hold(it, store.HoldQuietHours, until, log)
	return true
}

// deferRetryPastQuietHours moves a retry that falls into its route's quiet
// hours to their end. The extra wait counts as held time, so it does not use
// up the delivery's maximum age.
func deferRetryPastQuietHours(snap Snapshot, dl *store.Delivery, u *store.Update) {
	if u.State != store.StateScheduled {
		return
	}
	until, quiet := quietUntil(snap, dl, u.NextAt)
	if !quiet {
		return
	}
	u.HeldFor += until.Sub(u.NextAt)
	u.NextAt, u.HoldReason = until, store.HoldQuietHours
}

// requestEvents returns the events a delivery carries: its one event, or the
// events a digest collected, which are loaded from the store when the
// delivery is attempted.
func (d *Dispatcher) requestEvents(ctx context.Context, it *item) ([]*event.Incoming, error) {
	dl := it.delivery
	if dl.TotalEvents == 0 {
		in, err := incoming(it.event)
		if err != nil {
			return nil, fmt.Errorf("read stored event %s: %w", dl.EventID, err)
		}
		return []*event.Incoming{in}, nil
	}

	stored, err := d.store.DigestEvents(ctx, dl.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, retryableError{fmt.Errorf("load the events of the digest: %w", err)}
	}
	if err != nil {
		return nil, fmt.Errorf("load the events of the digest: %w", err)
	}
	events := make([]*event.Incoming, len(stored))
	for i, ev := range stored {
		if events[i], err = incoming(ev); err != nil {
			return nil, fmt.Errorf("read stored event %s of the digest: %w", ev.EventID, err)
		}
	}
	return events, nil
}

// renderMessage renders the route's template for the events, with the
// digest's total and the throttle's count when the snapshot can.
func renderMessage(snap Snapshot, dl *store.Delivery, events []*event.Incoming) (string, error) {
	var message string
	var err error
	if flow, ok := snap.(FlowSnapshot); ok {
		message, _, err = flow.RenderCounted(dl.Route, events, dl.TotalEvents, dl.Suppressed)
	} else {
		message, _, err = snap.RenderMessage(dl.Route, events)
	}
	if err != nil {
		return "", fmt.Errorf("render the template of route %s: %w", dl.Route, err)
	}
	return message, nil
}

// retryableError is a failure to build a request that a later attempt may
// not meet, such as a store that could not be read.
type retryableError struct{ err error }

func (e retryableError) Error() string { return e.err.Error() }

func (e retryableError) Unwrap() error { return e.err }
