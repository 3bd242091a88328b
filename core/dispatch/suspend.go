package dispatch

import (
	"context"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// Suspend stops the dispatcher taking work until Unsuspend: it claims
// nothing, has no room for deliveries handed over in memory, and starts no
// attempt. It writes the deliveries queued in memory back as due now and
// unleased, so that other instances claim them at once. Attempts already
// running finish, and their outcomes are written only where their lease
// tokens still hold.
//
// The app suspends the dispatcher while the store does not hold the lock on
// the instance id (store.InstanceLocker): another instance with the same id
// may be running then, and the two would release each other's leases.
func (d *Dispatcher) Suspend(reason string) {
	d.mu.Lock()
	already := d.suspended != ""
	d.suspended = reason
	if already {
		d.mu.Unlock()
		return
	}
	var queued []*item
	for _, dst := range d.dests {
		queued = append(queued, dst.queue...)
		dst.queue = nil
	}
	for _, it := range queued {
		delete(d.held, it.delivery.ID)
	}
	d.mu.Unlock()

	d.log.Warn("dispatcher suspended: claiming and attempting nothing; running attempts finish", "reason", reason,
		"released", len(queued))
	d.letGo(queued)
}

// Unsuspend lets a suspended dispatcher take work again. When no attempt
// runs, it first releases every lease of its owner, as Run does at start:
// the write-back of Suspend fails while the database is down, and those
// deliveries would otherwise wait for their leases to expire.
func (d *Dispatcher) Unsuspend() {
	d.mu.Lock()
	was, idle := d.suspended != "", len(d.held) == 0
	d.mu.Unlock()
	if !was {
		return
	}
	if idle {
		// Nothing joins d.held while the dispatcher is suspended, so no
		// lease of a delivery in memory is released here.
		if n, err := d.store.ReleaseOwner(context.Background(), d.owner); err != nil {
			d.log.Error("could not release this instance's leases; their deliveries wait for the leases to expire", "err", err)
		} else if n > 0 {
			d.log.Info("released the leases left from before the suspension", "deliveries", n, "owner", d.owner)
		}
	}

	d.mu.Lock()
	d.suspended = ""
	d.mu.Unlock()
	d.log.Info("dispatcher takes work again")
	d.cond.Broadcast()
	d.Wake()
}

// Suspended returns why the dispatcher is suspended, or "" when it is not.
func (d *Dispatcher) Suspended() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.suspended
}

// letGo writes items back as due now and unleased, using no attempt; the
// caller has taken them out of memory. When the write fails, their leases
// expire and they are claimed then.
func (d *Dispatcher) letGo(items []*item) {
	if len(items) == 0 {
		return
	}
	if err := d.writeBack(items, d.clock.Now(), ""); err != nil {
		d.log.Error("could not release the deliveries held in memory; they are claimed again when their leases expire",
			"deliveries", len(items), "err", err)
	}
}

// writeBack writes items back unleased, scheduled at next with the hold
// reason, using no attempt; the wait until next does not count against their
// maximum age. The caller has taken the items out of memory.
func (d *Dispatcher) writeBack(items []*item, next time.Time, reason string) error {
	now := d.clock.Now()
	updates := make([]*store.Update, len(items))
	for i, it := range items {
		updates[i] = &store.Update{DeliveryID: it.delivery.ID, LeaseToken: it.delivery.LeaseToken, At: now,
			State: store.StateScheduled, NextAt: next, HoldReason: reason, HeldFor: max(next.Sub(now), 0),
			Reason: it.delivery.LastError}
	}
	_, err := d.store.Complete(context.Background(), updates)
	return err
}
