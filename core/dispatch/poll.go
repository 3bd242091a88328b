package dispatch

import (
	"context"
	"sort"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// poll claims due deliveries from the store: at start, whenever something may
// have become due (Wake, a retry this process scheduled), and at least every
// poll interval, for deliveries whose lease expired or that another process
// scheduled.
func (d *Dispatcher) poll(ctx context.Context) {
	timer := d.clock.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		case <-d.wake:
		}

		full := d.claim(ctx)
		wait := d.untilNextPoll()
		if full {
			wait = 0
		}
		timer.Stop()
		timer.Reset(wait)
	}
}

// claim fills the free room in memory with due deliveries and reports whether it
// took as many as it asked for, so more may be waiting.
func (d *Dispatcher) claim(ctx context.Context) bool {
	now := d.clock.Now()
	limit, skip := d.claimRoom(now)
	if limit <= 0 {
		return false
	}

	claimed, err := d.store.Claim(ctx, &store.ClaimRequest{Owner: d.owner, Now: now, LeaseUntil: now.Add(d.policy.Lease),
		Limit: limit, PerDestination: claimBatch, SkipDestinations: skip})
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("could not claim due deliveries; trying again at the next poll", "err", err)
		}
		return false
	}
	if len(claimed) > 0 {
		d.log.Debug("claimed due deliveries", "deliveries", len(claimed))
	}
	d.markBacklogged(claimed)
	d.Submit(claimed)
	return len(claimed) == limit
}

// claimBatch bounds the deliveries claimed for one destination at a time, and
// the queue a destination may have in memory before claims pass it over.
const claimBatch = 256

// markBacklogged remembers which destinations filled their claim batch: the
// store may hold more for them, so their workers wake the poller when their
// queue runs low instead of waiting for the poll interval.
func (d *Dispatcher) markBacklogged(claimed []*store.Claimed) {
	counts := map[string]int{}
	for _, c := range claimed {
		counts[c.Delivery.Destination]++
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for key, n := range counts {
		d.destination(key).backlogged = n >= claimBatch
	}
}

// claimRoom returns how many deliveries to claim and which destinations to leave
// out: those blocked, and those whose queue already holds enough work.
func (d *Dispatcher) claimRoom(now time.Time) (int, []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping || d.suspended != "" {
		return 0, nil
	}
	passed := sort.Search(len(d.dueTimes), func(i int) bool { return d.dueTimes[i].After(now) })
	d.dueTimes = d.dueTimes[passed:]

	var skip []string
	for key, dst := range d.dests {
		if now.Before(dst.blockedUntil) || len(dst.queue) >= claimBatch {
			skip = append(skip, key)
		}
	}
	return min(d.policy.MaxHeld-len(d.held), 1000), skip
}

// untilNextPoll returns the wait until the next scheduled poll.
func (d *Dispatcher) untilNextPoll() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	wait := d.policy.PollInterval
	if len(d.dueTimes) > 0 {
		wait = min(wait, max(d.dueTimes[0].Sub(d.clock.Now()), 0))
	}
	return wait
}

// renew extends the leases of every delivery held in memory, every third of the
// lease, so that none expires while it waits in a queue or runs.
func (d *Dispatcher) renew(ctx context.Context) {
	interval := d.policy.Lease / 3
	timer := d.clock.NewTimer(interval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		}
		ids := d.heldIDs()
		if len(ids) > 0 {
			until := d.clock.Now().Add(d.policy.Lease)
			err := d.store.RenewLeases(ctx, d.owner, ids, until)
			switch {
			case err == nil:
				d.extendLeases(ids, until)
			case ctx.Err() == nil:
				d.log.Error("could not renew delivery leases; expired ones may be attempted twice", "deliveries", len(ids), "err", err)
			}
		}
		timer.Reset(interval)
	}
}
