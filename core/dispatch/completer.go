package dispatch

import (
	"log/slog"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// outcome is what an attempt, or a hold without one, left to write.
type outcome struct {
	item   *item
	update *store.Update
	// result is nil for a hold.
	result *sdk.Result
	log    *slog.Logger
}

// maxCompleteBatch bounds the updates one store call carries.
const maxCompleteBatch = 512

// complete writes outcomes in batches: the outcomes that arrive while one batch
// is being committed form the next. A delivery stays held, with its lease
// renewed, until its outcome is durable; then it is forgotten.
func (d *Dispatcher) complete() {
	batch := make([]*outcome, 0, maxCompleteBatch)
	for first := range d.outcomes {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxCompleteBatch {
			select {
			case o, ok := <-d.outcomes:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		d.write(batch)
	}
}

// write stores one batch, trying again with a growing pause while the store
// fails, until the first of the batch's leases is about to expire (see
// writeUntilLeaseEnds). A short database restart thus leaves no duplicate.
// When the write still fails, the leases expire and the deliveries are
// attempted again: delivery is at least once.
func (d *Dispatcher) write(batch []*outcome) {
	updates := make([]*store.Update, len(batch))
	for i, o := range batch {
		updates[i] = o.update
	}

	results, err := d.writeUntilLeaseEnds(batch, updates)
	for i, o := range batch {
		recordErr := err
		if err == nil {
			recordErr = results[i]
		}
		d.settle(o, recordErr)
	}
}

// settle forgets a delivery whose outcome was written and says what happened.
func (d *Dispatcher) settle(o *outcome, err error) {
	u := o.update
	d.mu.Lock()
	delete(d.held, o.item.delivery.ID)
	if u.State == store.StateScheduled && err == nil {
		d.noteNextDue(u.NextAt)
	}
	d.mu.Unlock()

	if o.item.delivery.OrderingKey != "" && u.State.Final() {
		d.Wake()
	}
	if err == nil && u.State == store.StateDead {
		d.observer.Dead(o.item.delivery, u.Reason)
	}
	if err == nil && u.HoldReason == store.HoldPaused {
		d.releaseIfResumed(o.item.delivery.Connector)
	}
	if o.result == nil && err == nil {
		d.holds.held(o.log, o.item.delivery.Connector, u)
		return
	}
	logOutcome(o.log, u, o.result, err)
}
