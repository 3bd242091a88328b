package dispatch

import (
	"slices"
	"sort"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// destination is the in-memory state of one destination: its queue of held
// deliveries, its running attempts, and its circuit and rate-limit state. It
// lives as long as the process, so that a config reload keeps that state.
type destination struct {
	key      string
	queue    []*item
	inFlight int
	inReady  bool

	// blockedUntil is set by a rate-limit answer (Retry-After) or an open circuit.
	blockedUntil time.Time
	blockReason  string
	circuit      circuit

	// backlogged is set when the last claim filled this destination's batch, so
	// more due deliveries may wait in the store.
	backlogged bool

	// holdsChecked is set once a delivery succeeded and the deliveries held for
	// an open circuit, perhaps by an earlier run, were released.
	holdsChecked bool

	// bucket paces the destination when its connector has a rate limit; pacing
	// is set while a timer waits for its next token.
	bucket bucket
	pacing bool
	// pacedUntil is the latest time given to a delivery let go for the rate
	// limit, so that the next one let go gets a later turn.
	pacedUntil time.Time
}

// limit returns how many attempts may run at once: one probe while the circuit is
// half-open, else the policy's limit.
func (dst *destination) limit(p Policy) int {
	if dst.circuit.halfOpen() {
		return 1
	}
	return p.MaxInFlightPerDestination
}

func (d *Dispatcher) destination(key string) *destination {
	dst, ok := d.dests[key]
	if !ok {
		dst = &destination{key: key}
		d.dests[key] = dst
	}
	return dst
}

// Submit hands deliveries to the dispatcher in memory; they must be leased to
// its owner. Deliveries for a blocked destination are let go at once with their
// hold reason.
func (d *Dispatcher) Submit(claimed []*store.Claimed) {
	if len(claimed) == 0 {
		return
	}
	now := d.clock.Now()
	var blocked []*item

	d.mu.Lock()
	if d.suspended != "" {
		// Handed over by a request that found room just before Suspend.
		d.mu.Unlock()
		d.letGo(itemsOf(claimed))
		return
	}
	for _, c := range claimed {
		it := &item{delivery: c.Delivery, event: c.Event, leaseUntil: c.Delivery.LeaseUntil}
		if _, dup := d.held[it.delivery.ID]; dup {
			continue
		}
		d.held[it.delivery.ID] = it
		dst := d.destination(it.delivery.Destination)
		if now.Before(dst.blockedUntil) {
			blocked = append(blocked, it)
			continue
		}
		dst.queue = append(dst.queue, it)
		d.markReady(dst)
	}
	d.mu.Unlock()

	d.cond.Broadcast()
	d.holdLater(blocked)
}

func itemsOf(claimed []*store.Claimed) []*item {
	items := make([]*item, len(claimed))
	for i, c := range claimed {
		items[i] = &item{delivery: c.Delivery, event: c.Event, leaseUntil: c.Delivery.LeaseUntil}
	}
	return items
}

// markReady puts dst at the end of the ready ring when it has work and room; the
// caller holds d.mu.
func (d *Dispatcher) markReady(dst *destination) {
	if dst.inReady || dst.pacing || len(dst.queue) == 0 || dst.inFlight >= dst.limit(d.policy) {
		return
	}
	dst.inReady = true
	d.ready = append(d.ready, dst)
}

// take returns the next delivery to attempt, from the destinations in
// round-robin order, waiting until one is available. It returns false when the
// dispatcher stops.
func (d *Dispatcher) take() (*item, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		if d.stopping {
			return nil, false
		}
		if d.suspended == "" {
			if it := d.pop(); it != nil {
				return it, true
			}
		}
		d.cond.Wait()
	}
}

// pop takes one item from the first ready destination; the caller holds d.mu.
func (d *Dispatcher) pop() *item {
	now := d.clock.Now()
	for len(d.ready) > 0 {
		dst := d.ready[0]
		d.ready[0] = nil
		d.ready = d.ready[1:]
		dst.inReady = false

		if now.Before(dst.blockedUntil) {
			d.letGoQueue(dst)
			continue
		}
		if len(dst.queue) == 0 || dst.inFlight >= dst.limit(d.policy) {
			continue
		}
		if wait, limit := d.takeToken(dst, now); wait > 0 {
			d.spread(dst, now, wait, limit)
			continue
		}

		it := dst.queue[0]
		dst.queue[0] = nil
		dst.queue = dst.queue[1:]
		dst.inFlight++
		d.markReady(dst)
		return it
	}
	return nil
}

// releaseSlot returns a worker's slot to the item's destination; the caller
// holds d.mu.
func (d *Dispatcher) releaseSlot(it *item) {
	dst := d.destination(it.delivery.Destination)
	dst.inFlight--
	d.markReady(dst)
	if dst.backlogged && len(dst.queue) <= claimBatch/4 {
		dst.backlogged = false
		d.Wake()
	}
}

// letGoQueue empties a blocked destination's queue, holding each delivery until
// the block ends; the caller holds d.mu.
func (d *Dispatcher) letGoQueue(dst *destination) {
	if len(dst.queue) == 0 {
		return
	}
	items := dst.queue
	dst.queue = nil
	d.releases.Add(1)
	go func() {
		defer d.releases.Done()
		d.holdLater(items)
	}()
}

// holdLater records that items wait for their destination's block to end, without
// using an attempt, and lets go of them.
func (d *Dispatcher) holdLater(items []*item) {
	if len(items) == 0 {
		return
	}

	d.mu.Lock()
	updates := make([]*store.Update, 0, len(items))
	now := d.clock.Now()
	for _, it := range items {
		dst := d.destination(it.delivery.Destination)
		until := dst.blockedUntil
		if until.Before(now) {
			until = now
		}
		updates = append(updates, &store.Update{DeliveryID: it.delivery.ID, LeaseToken: it.delivery.LeaseToken,
			At: now, State: store.StateScheduled, NextAt: until, HoldReason: dst.blockReason, HeldFor: until.Sub(now),
			Reason: it.delivery.LastError})
		delete(d.held, it.delivery.ID)
		d.noteNextDue(until)
	}
	d.mu.Unlock()
	d.writeHolds(updates)
}

// noteNextDue remembers a time when a delivery this process let go becomes due,
// so the poller wakes then rather than at its next interval; the caller holds
// d.mu. Times within a millisecond of a known one are merged, and at most
// maxDueTimes are kept (the latest are dropped: the poll interval covers them).
func (d *Dispatcher) noteNextDue(t time.Time) {
	i := sort.Search(len(d.dueTimes), func(i int) bool { return !d.dueTimes[i].Before(t) })
	if i < len(d.dueTimes) && d.dueTimes[i].Sub(t) < time.Millisecond {
		return
	}
	if i > 0 && t.Sub(d.dueTimes[i-1]) < time.Millisecond {
		return
	}
	if len(d.dueTimes) >= maxDueTimes && i == len(d.dueTimes) {
		return
	}
	d.dueTimes = slices.Insert(d.dueTimes, i, t)
	if len(d.dueTimes) > maxDueTimes {
		d.dueTimes = d.dueTimes[:maxDueTimes]
	}
	if i == 0 {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

const maxDueTimes = 4096

// heldIDs returns the ids of every delivery held in memory.
func (d *Dispatcher) heldIDs() []int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]int64, 0, len(d.held))
	for id := range d.held {
		ids = append(ids, id)
	}
	return ids
}

// takeToken takes a token from dst's bucket when its connector has a rate limit
// and returns 0, or returns the wait until the next token and the limit; the
// caller holds d.mu.
func (d *Dispatcher) takeToken(dst *destination, now time.Time) (time.Duration, *sdk.RateLimit) {
	conn, ok := d.snapshot().Connector(dst.queue[0].delivery.Connector)
	if !ok || conn.RateLimit == nil {
		return 0, nil
	}
	return dst.bucket.take(now, conn.RateLimit), conn.RateLimit
}

// pace keeps dst out of the ready ring for wait, then puts it back; the caller
// holds d.mu. The queued deliveries stay in memory, leased, and use no attempt.
func (d *Dispatcher) pace(dst *destination, wait time.Duration) {
	dst.pacing = true
	timer := d.clock.NewTimer(wait)
	go func() {
		defer timer.Stop()
		select {
		case <-timer.C():
		case <-d.stopped:
			return
		}
		d.mu.Lock()
		dst.pacing = false
		d.markReady(dst)
		d.mu.Unlock()
		d.cond.Broadcast()
	}()
}

// bucket is a token bucket over the dispatcher's clock.
type bucket struct {
	tokens  float64
	last    time.Time
	started bool
}

// take spends a token and returns 0, or returns the wait until one is there.
func (b *bucket) take(now time.Time, limit *sdk.RateLimit) time.Duration {
	burst := float64(max(limit.Burst, 1))
	if !b.started {
		b.tokens, b.last, b.started = burst, now, true
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed.Seconds()*limit.PerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / limit.PerSecond * float64(time.Second))
}
