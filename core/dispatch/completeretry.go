package dispatch

import (
	"context"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// Bounds of the retries of an outcome write. The pause doubles from the first
// to the last; maxCompleteTries bounds the count when the clock stands still.
const (
	firstCompletePause = 50 * time.Millisecond
	maxCompletePause   = 2 * time.Second
	maxCompleteTries   = 200
)

// writeUntilLeaseEnds calls Complete until it succeeds, the next pause would
// end after the batch's first lease, or the dispatcher stops. Every delivery of the batch is
// still held, so renew keeps extending its lease once the store answers
// again, and a write that lands late is refused by the lease token rather
// than overwriting another owner's work.
func (d *Dispatcher) writeUntilLeaseEnds(batch []*outcome, updates []*store.Update) ([]error, error) {
	pause := firstCompletePause
	leaseEnd := d.firstLeaseEnd(batch, d.clock.Now())
	for try := 1; ; try++ {
		results, err := d.store.Complete(context.Background(), updates)
		if err == nil {
			return results, nil
		}
		if try >= maxCompleteTries || !d.clock.Now().Add(pause).Before(leaseEnd) {
			return nil, err
		}
		if try == 1 {
			d.log.Warn("could not record delivery outcomes; trying again until their leases are about to expire",
				"deliveries", len(batch), "err", err)
		}

		timer := d.clock.NewTimer(pause)
		select {
		case <-timer.C():
		case <-d.stopped:
			// At shutdown the leases are left to expire rather than holding
			// the exit for up to a lease.
			timer.Stop()
			return nil, err
		}
		pause = min(2*pause, maxCompletePause)
		leaseEnd = d.firstLeaseEnd(batch, leaseEnd)
	}
}

// firstLeaseEnd returns when the first lease of batch expires, as this
// dispatcher last recorded it (renew moves it on). A delivery without a
// recorded lease end counts as ending a lease after from.
func (d *Dispatcher) firstLeaseEnd(batch []*outcome, from time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	var first time.Time
	for _, o := range batch {
		until := o.item.leaseUntil
		if until.IsZero() {
			until = from.Add(d.policy.Lease)
		}
		if first.IsZero() || until.Before(first) {
			first = until
		}
	}
	return first
}

// extendLeases records that the leases on ids now end at until.
func (d *Dispatcher) extendLeases(ids []int64, until time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range ids {
		if it, ok := d.held[id]; ok {
			it.leaseUntil = until
		}
	}
}
