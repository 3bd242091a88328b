package dispatch

import (
	"context"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// paceHorizon bounds how long a delivery waits in memory, leased, for its
// destination's rate limit. A delivery whose turn is further away is written
// back with the hold reason rate_limit and a next_at at its turn, so the
// delivery log shows why it waits and an operator can retry or cancel it.
// Turns are rounded down to whole horizons, so the deliveries of one
// destination come back in groups, one claim each horizon, rather than one
// claim per delivery.
const paceHorizon = time.Second

// spread splits the queue of dst, whose rate limit has no token for wait, by
// each delivery's turn. The deliveries whose turn comes within paceHorizon
// stay queued and dst is paced, and the others are let go until their turn.
// The caller holds d.mu.
func (d *Dispatcher) spread(dst *destination, now time.Time, wait time.Duration, limit *sdk.RateLimit) {
	interval := time.Duration(float64(time.Second) / limit.PerSecond)
	turn := now.Add(wait)
	kept := dst.queue[:0]
	var updates []*store.Update
	for i, it := range dst.queue {
		if i > 0 {
			turn = turn.Add(interval)
		}
		if !turn.After(now.Add(paceHorizon)) {
			kept = append(kept, it)
			continue
		}
		updates = append(updates, d.letGoForTurn(dst, it, now, turn, interval))
	}
	clear(dst.queue[len(kept):])
	dst.queue = kept

	if len(kept) > 0 {
		d.pace(dst, wait)
	}
	if len(updates) > 0 {
		d.releases.Add(1)
		go func() {
			defer d.releases.Done()
			d.writeHolds(updates)
		}()
	}
}

// letGoForTurn removes a queued delivery from memory and returns the update
// that holds it until its turn, which comes after every turn given before.
// The caller holds d.mu.
func (d *Dispatcher) letGoForTurn(dst *destination, it *item, now, turn time.Time, interval time.Duration) *store.Update {
	if !turn.After(dst.pacedUntil) {
		turn = dst.pacedUntil.Add(interval)
	}
	dst.pacedUntil = turn
	due := turn.Truncate(paceHorizon)
	delete(d.held, it.delivery.ID)
	d.noteNextDue(due)
	return &store.Update{DeliveryID: it.delivery.ID, LeaseToken: it.delivery.LeaseToken, At: now,
		State: store.StateScheduled, NextAt: due, HoldReason: store.HoldRateLimit, HeldFor: due.Sub(now),
		Reason: it.delivery.LastError}
}

// writeHolds records holds of deliveries this process let go.
func (d *Dispatcher) writeHolds(updates []*store.Update) {
	if _, err := d.store.Complete(context.Background(), updates); err != nil {
		d.log.Error("could not record held deliveries; they are retried when their lease expires", "deliveries", len(updates), "err", err)
	}
}
