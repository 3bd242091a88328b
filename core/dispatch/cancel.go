package dispatch

import (
	"context"
	"fmt"

	"github.com/turbocode/switchboard/core/store"
)

// Cancel cancels those of the given deliveries that wait in this
// dispatcher's queues, leased to it, and returns their ids. A delivery whose
// attempt runs is left to finish; the store's Cancel takes the deliveries
// that are not leased.
func (d *Dispatcher) Cancel(ctx context.Context, ids []int64, reason string) ([]int64, error) {
	wanted := make(map[int64]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	d.mu.Lock()
	taken := d.takeQueued(func(it *item) bool { return wanted[it.delivery.ID] })
	d.mu.Unlock()
	if len(taken) == 0 {
		return nil, nil
	}

	now := d.clock.Now()
	updates := make([]*store.Update, len(taken))
	for i, it := range taken {
		updates[i] = &store.Update{DeliveryID: it.delivery.ID, LeaseToken: it.delivery.LeaseToken, At: now,
			State: store.StateCancelled, Reason: reason}
	}
	results, err := d.store.Complete(ctx, updates)
	if err != nil {
		return nil, fmt.Errorf("cancel %d queued deliveries: %w", len(updates), err)
	}
	var cancelled []int64
	for i, err := range results {
		if err == nil {
			cancelled = append(cancelled, updates[i].DeliveryID)
		}
	}
	d.Wake()
	return cancelled, nil
}

// takeQueued removes the queued deliveries that match from memory and
// returns them; running ones stay. The caller holds d.mu.
func (d *Dispatcher) takeQueued(match func(*item) bool) []*item {
	var taken []*item
	for _, dst := range d.dests {
		kept := dst.queue[:0]
		for _, it := range dst.queue {
			if match(it) {
				taken = append(taken, it)
				delete(d.held, it.delivery.ID)
				continue
			}
			kept = append(kept, it)
		}
		clear(dst.queue[len(kept):])
		dst.queue = kept
	}
	return taken
}
