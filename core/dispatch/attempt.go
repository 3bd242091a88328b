package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// work attempts deliveries until the dispatcher stops.
func (d *Dispatcher) work(ctx context.Context) {
	for {
		it, ok := d.take()
		if !ok {
			return
		}
		d.attempt(ctx, it)
	}
}

// attempt runs one delivery attempt and records its outcome.
func (d *Dispatcher) attempt(ctx context.Context, it *item) {
	dl := it.delivery
	log := d.log.With("delivery_id", d.publicID(dl.ID), "event_id", dl.EventID, "route", dl.Route,
		"connector", dl.Connector)

	snap := d.snapshot()
	conn, ok := snap.Connector(dl.Connector)
	if !ok {
		d.hold(it, store.HoldNoConnector, d.clock.Now().Add(time.Minute), log)
		return
	}
	if d.pausedNow(it) {
		d.hold(it, store.HoldPaused, d.clock.Now().Add(pausedHold), log)
		return
	}
	if holder, can := conn.Instance.(sdk.Holder); can {
		if reason, wait, held := holder.Hold(); held {
			d.hold(it, reason, d.clock.Now().Add(wait), log)
			return
		}
	}
	if d.holdForQuietHours(snap, it, log) {
		return
	}

	// A hold is not an attempt, so only an attempt's log lines carry its number.
	log = log.With("attempt", dl.Attempts+1)
	started := d.clock.Now()
	res := d.deliver(ctx, snap, conn, it, log)
	elapsed := d.clock.Now().Sub(started)

	update := d.decide(it, res, started, elapsed)
	if ctx.Err() != nil && update.State == store.StateScheduled {
		// Shutdown cancelled the attempt: the destination is not to blame, so
		// the circuit learns nothing, and the delivery is due at the next start.
		update.NextAt, update.HoldReason = update.At, store.HoldShutdown
		d.recordCancelled(it, update, res, log)
		return
	}
	deferRetryPastQuietHours(snap, dl, update)
	d.record(it, update, res, conn, log)
}

// recordCancelled frees the worker's slot and hands an attempt that shutdown
// cancelled to the completer.
func (d *Dispatcher) recordCancelled(it *item, u *store.Update, res sdk.Result, log *slog.Logger) {
	d.mu.Lock()
	d.releaseSlot(it)
	d.mu.Unlock()
	d.cond.Signal()
	d.outcomes <- &outcome{item: it, update: u, result: &res, log: log}
}

// deliver builds the request and calls the connector, turning a panic or a
// request that cannot be built into a result.
func (d *Dispatcher) deliver(ctx context.Context, snap Snapshot, conn *Connector, it *item, log *slog.Logger) (res sdk.Result) {
	req, err := d.request(ctx, snap, conn, it)
	var unavailable retryableError
	switch {
	case errors.As(err, &unavailable):
		return sdk.Retry(err.Error(), 0)
	case err != nil:
		return sdk.Permanent(err.Error())
	}

	ctx, cancel := context.WithTimeout(ctx, conn.Timeout)
	defer cancel()
	req.Deadline, _ = ctx.Deadline()

	defer func() {
		if r := recover(); r != nil {
			log.Error("connector panicked; the attempt counts as failed and is retried", "panic", r, "stack", string(debug.Stack()))
			res = sdk.Retry(fmt.Sprintf("connector panicked: %v", r), 0)
		}
	}()
	log.Debug("attempt started")
	return conn.Instance.Deliver(ctx, req)
}

// request builds the connector's DeliveryRequest. An error is permanent (the
// message template failed to render, or the stored target is not valid JSON)
// unless it is a retryableError.
func (d *Dispatcher) request(ctx context.Context, snap Snapshot, conn *Connector, it *item) (*sdk.DeliveryRequest, error) {
	dl := it.delivery
	events, err := d.requestEvents(ctx, it)
	if err != nil {
		return nil, err
	}

	var target sdk.Params
	if err := json.Unmarshal(dl.Target, &target); err != nil {
		return nil, fmt.Errorf("read stored target of delivery: %w", err)
	}

	message, err := renderMessage(snap, dl, events)
	if err != nil {
		return nil, err
	}

	req := &sdk.DeliveryRequest{DeliveryID: d.publicID(dl.ID), Attempt: dl.Attempts + 1, Route: dl.Route,
		Events: sdkEvents(events), Target: target, Untrusted: dl.Untrusted, Message: message,
		EntityKey: dl.EntityKey, TotalEvents: dl.TotalEvents, Suppressed: dl.Suppressed}
	if conn.Info.Capabilities.State && dl.EntityKey != "" {
		if req.State, req.StateVersion, err = d.store.EntityState(ctx, dl.Connector, dl.EntityKey); err != nil {
			return nil, fmt.Errorf("load %s state of %s: %w", dl.Connector, dl.EntityKey, err)
		}
		it.stateVersion = req.StateVersion
	}
	if conn.Info.Capabilities.CurrentState && dl.EntityKey != "" {
		if req.Current, err = d.store.EntityCurrent(ctx, dl.EntityKey); err != nil {
			return nil, fmt.Errorf("load the current state of %s: %w", dl.EntityKey, err)
		}
	}
	return req, nil
}

// incoming returns the parsed event, parsing the stored body when the event was
// loaded from the store rather than handed over in memory.
func incoming(ev *store.StoredEvent) (*event.Incoming, error) {
	if ev.Incoming != nil {
		return ev.Incoming, nil
	}
	var env event.Envelope
	if err := json.Unmarshal(ev.Body, &env); err != nil {
		return nil, err
	}
	ev.Incoming = &event.Incoming{Envelope: &env, Format: ev.Format, Body: ev.Body}
	return ev.Incoming, nil
}

func sdkEvents(events []*event.Incoming) []sdk.Event {
	out := make([]sdk.Event, len(events))
	for i, in := range events {
		out[i] = sdkEvent(in)
	}
	return out
}

func sdkEvent(in *event.Incoming) sdk.Event {
	e := in.Envelope
	return sdk.Event{ID: e.EventID, Type: e.EventType, Time: e.Timestamp, EntityType: e.EntityType,
		EntityID: e.EntityID, Action: e.Action, Derived: e.Derived, ParentEventID: e.ParentEventID,
		Envelope: in.Body}
}

// decide turns an attempt's result into the delivery's next state.
func (d *Dispatcher) decide(it *item, res sdk.Result, started time.Time, elapsed time.Duration) *store.Update {
	dl := it.delivery
	number := dl.Attempts + 1
	u := &store.Update{DeliveryID: dl.ID, LeaseToken: dl.LeaseToken, At: started.Add(elapsed), Reason: res.Reason,
		Attempt: &store.Attempt{DeliveryID: dl.ID, Number: number, StartedAt: started, Duration: elapsed,
			Outcome: res.Outcome.String(), StatusCode: res.StatusCode, Response: res.Response, Error: res.Reason,
			ExternalRef: res.ExternalRef}}

	switch res.Outcome {
	case sdk.OutcomeDelivered:
		u.State, u.Reason = store.StateDelivered, ""
	case sdk.OutcomeSkipped:
		u.State = store.StateSkipped
	case sdk.OutcomePermanent:
		u.State = store.StateDead
	default:
		d.scheduleRetry(u, dl, res, number)
	}
	return u
}

// scheduleRetry sets the next attempt's time, or makes the delivery dead when it
// is out of attempts or the wait would pass its maximum age.
func (d *Dispatcher) scheduleRetry(u *store.Update, dl *store.Delivery, res sdk.Result, number int) {
	if res.Outcome != sdk.OutcomeRetry {
		u.Reason = fmt.Sprintf("connector returned unknown outcome %d: %s", int(res.Outcome), res.Reason)
	}
	failed := number - dl.RetryBase
	if failed >= d.policy.MaxAttempts {
		u.State, u.Reason = store.StateDead, fmt.Sprintf("gave up after %d attempts: %s", failed, u.Reason)
		return
	}

	wait := max(backoff(d.policy, failed), res.RetryAfter)
	next := u.At.Add(wait)
	if deadline := d.deadline(dl); next.After(deadline) {
		u.State = store.StateDead
		u.Reason = fmt.Sprintf("next attempt at %s would pass max_age %s: %s", next.Format(time.RFC3339), d.policy.MaxAge, u.Reason)
		return
	}
	u.State, u.NextAt = store.StateScheduled, next
}

// deadline is when a delivery runs out of age: its creation plus max_age plus
// the time it spent held, because waits that come before sending do not use up
// its age.
func (d *Dispatcher) deadline(dl *store.Delivery) time.Time {
	return dl.CreatedAt.Add(d.policy.MaxAge + dl.HeldFor)
}

// record updates the destination's circuit and rate limit, frees the worker's
// slot at once, and hands the outcome to the completer, which writes it. The
// worker does not wait for the write, so a destination's throughput is not
// bounded by the commit latency.
func (d *Dispatcher) record(it *item, u *store.Update, res sdk.Result, conn *Connector, log *slog.Logger) {
	dl := it.delivery
	if res.UpdateState && conn.Info.Capabilities.State && dl.EntityKey != "" {
		u.EntityState = &store.EntityStateUpdate{Connector: dl.Connector, EntityKey: dl.EntityKey,
			Version: it.stateVersion, Data: res.State, Aliases: res.StateAliases}
	}

	d.mu.Lock()
	dst := d.destination(dl.Destination)
	circuitClosed, cooldown := d.learn(dst, u, res, log)
	failures := dst.circuit.failures
	if u.State == store.StateScheduled && u.NextAt.Before(dst.blockedUntil) {
		// The block is kept in memory only; written into next_at it also holds
		// across a restart, so a restart never undercuts a Retry-After.
		u.NextAt, u.HoldReason = dst.blockedUntil, dst.blockReason
	}
	d.releaseSlot(it)
	d.mu.Unlock()
	if circuitClosed {
		d.cond.Broadcast()
	} else {
		d.cond.Signal()
	}

	d.health.note(dl.Connector, res, u.At)
	d.observer.Attempted(dl, res, u.State, u.Attempt.Duration)
	if cooldown > 0 {
		d.observer.CircuitOpened(dst.key, dl, failures, cooldown)
	}
	d.checkDisable(dl, res, u.At, log)
	d.outcomes <- &outcome{item: it, update: u, result: &res, log: log}
}

// learn updates the destination after an attempt and reports whether its
// circuit closed, so that every waiting worker may take its deliveries again,
// or the cooldown of a circuit it opened;
// the caller holds d.mu. Any answer from the destination, a 4xx included,
// shows it is up; a retryable failure without Retry-After counts toward its
// circuit.
func (d *Dispatcher) learn(dst *destination, u *store.Update, res sdk.Result, log *slog.Logger) (closed bool, opened time.Duration) {
	now := d.clock.Now()
	switch {
	case res.Outcome == sdk.OutcomeRetry && res.RetryAfter > 0:
		d.block(dst, now.Add(res.RetryAfter), store.HoldRateLimit)
	case res.Outcome == sdk.OutcomeRetry:
		if cooldown := dst.circuit.failure(d.policy, u.Attempt.StartedAt, now); cooldown > 0 {
			log.Warn("circuit opened: destination keeps failing; holding its deliveries", "destination", dst.key,
				"failures", dst.circuit.failures, "cooldown", cooldown.String())
			d.block(dst, now.Add(cooldown), store.HoldCircuitOpen)
			return false, cooldown
		}
	case res.Outcome == sdk.OutcomeDelivered || res.StatusCode > 0:
		closed := dst.circuit.success()
		if closed || !dst.holdsChecked {
			// Deliveries held for an open circuit may also come from before a
			// restart, whose circuit state lived only in memory.
			dst.holdsChecked = true
			d.releaseHolds(dst.key, store.HoldCircuitOpen)
		}
		if closed {
			log.Info("circuit closed: destination answered again; its held deliveries are due now", "destination", dst.key)
			dst.blockedUntil = time.Time{}
			return true, 0
		}
	}
	return false, 0
}

// block keeps deliveries away from dst until until; the caller holds d.mu.
func (d *Dispatcher) block(dst *destination, until time.Time, reason string) {
	if until.After(dst.blockedUntil) {
		dst.blockedUntil, dst.blockReason = until, reason
	}
	d.letGoQueue(dst)
}

// hold lets go of a delivery without an attempt, until at. The wait does not
// count against its maximum age.
func (d *Dispatcher) hold(it *item, reason string, at time.Time, log *slog.Logger) {
	now := d.clock.Now()
	u := &store.Update{DeliveryID: it.delivery.ID, LeaseToken: it.delivery.LeaseToken, At: now,
		State: store.StateScheduled, NextAt: at, HoldReason: reason, HeldFor: max(at.Sub(now), 0), Reason: it.delivery.LastError}
	d.mu.Lock()
	d.releaseSlot(it)
	d.mu.Unlock()
	d.cond.Signal()
	d.outcomes <- &outcome{item: it, update: u, log: log}
}

func (d *Dispatcher) publicID(id int64) string { return store.PublicDeliveryID(d.store.StoreID(), id) }

func logOutcome(log *slog.Logger, u *store.Update, res *sdk.Result, err error) {
	if res == nil {
		logHold(log, u, err)
		return
	}
	attrs := []any{"outcome", res.Outcome.String(), "state", string(u.State), "status", res.StatusCode,
		"duration_ms", milliseconds(u.Attempt.Duration)}
	if u.Reason != "" {
		attrs = append(attrs, "reason", u.Reason)
	}
	if u.State == store.StateScheduled {
		attrs = append(attrs, "next_at", u.NextAt)
	}
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		log.Warn("delivery outcome discarded: the lease expired and another worker owns the delivery now", append(attrs, "err", err)...)
	case errors.Is(err, store.ErrStateConflict):
		log.Error("delivery recorded, but the connector's new entity state was not stored: another delivery changed it first", append(attrs, "err", err)...)
	case err != nil:
		log.Error("delivery outcome not recorded; it is attempted again when its lease expires", append(attrs, "err", err)...)
	case u.State == store.StateDead:
		log.Warn("delivery dead", attrs...)
	default:
		log.Info("delivery attempted", attrs...)
	}
}

// logHold logs a delivery held without an attempt. A hold that an operator
// or a route requested (a pause, quiet hours) is expected, so it is logged
// at info level, and the others at warning level.
func logHold(log *slog.Logger, u *store.Update, err error) {
	attrs := []any{"hold_reason", u.HoldReason}
	if !store.OpenEndedHold(u.HoldReason) {
		attrs = append(attrs, "next_at", u.NextAt)
	}
	switch {
	case err != nil:
		log.Error("delivery hold not recorded; it is attempted again when its lease expires", append(attrs, "err", err)...)
	case u.HoldReason == store.HoldPaused || u.HoldReason == store.HoldQuietHours:
		log.Info("delivery held", attrs...)
	default:
		log.Warn("delivery held", attrs...)
	}
}

// milliseconds returns d in milliseconds with microsecond precision, the unit
// logs use for durations.
func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// releaseHolds makes the destination's deliveries held for reason due now, in
// the background, then wakes the poller to claim them; the caller holds d.mu.
func (d *Dispatcher) releaseHolds(destination, reason string) {
	d.releases.Add(1)
	go func() {
		defer d.releases.Done()
		n, err := d.store.ReleaseHolds(context.Background(), destination, reason, d.clock.Now())
		if err != nil {
			d.log.Error("could not release held deliveries; they wait for their hold to end", "destination", destination, "err", err)
			return
		}
		if n > 0 {
			d.Wake()
		}
	}()
}
