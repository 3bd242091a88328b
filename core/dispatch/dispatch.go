// Package dispatch runs deliveries: it takes them from ingest in memory or claims
// them from the store, attempts them through their connector with bounded
// concurrency per destination, and records each outcome: delivered, retried later
// with backoff (never sooner than a destination's Retry-After), or dead.
//
// Destinations are served round-robin, so a large backlog for one never delays
// another; a destination that keeps failing opens its circuit and is left alone
// for a cooldown, without using up its deliveries' attempts.
package dispatch

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// Policy is the retry and concurrency policy, from the config's delivery block.
type Policy struct {
	MaxAttempts               int
	MaxAge                    time.Duration
	MinBackoff                time.Duration
	MaxBackoff                time.Duration
	Workers                   int
	MaxInFlightPerDestination int
	Lease                     time.Duration
	PollInterval              time.Duration
	CircuitThreshold          int
	CircuitCooldown           time.Duration
	// MaxHeld bounds the deliveries held in memory (queued or running). Default
	// 64 per worker.
	MaxHeld int
	// ShutdownTimeout bounds how long Run waits for running attempts to finish
	// after its context ends.
	ShutdownTimeout time.Duration
	// DisableAfter pauses a connector whose attempts all failed for this long;
	// 0 never does.
	DisableAfter time.Duration
}

// Connector is a configured connector instance as the dispatcher uses it.
type Connector struct {
	Instance sdk.Instance
	Info     sdk.Info
	// Timeout bounds one attempt.
	Timeout time.Duration
	// RateLimit paces deliveries to each destination of this connector; nil for
	// no pacing.
	RateLimit *sdk.RateLimit
}

// Snapshot is the part of the current configuration the dispatcher reads for
// each attempt; a reload replaces it whole.
type Snapshot interface {
	// Connector returns the instance with this name.
	Connector(name string) (*Connector, bool)
	// RenderMessage renders the route's template for the events; ok is false when
	// the route has none.
	RenderMessage(route string, events []*event.Incoming) (message string, ok bool, err error)
}

// Options configure New.
type Options struct {
	Store    store.Store
	Clock    sdk.Clock
	Logger   *slog.Logger
	Policy   Policy
	Owner    string
	Snapshot func() Snapshot
	// Observer hears attempts, dead deliveries, opened circuits and disabled
	// connectors; nil for none.
	Observer Observer
	// Paused are the connectors paused at start.
	Paused []string
}

// Dispatcher runs deliveries.
type Dispatcher struct {
	store    store.Store
	clock    sdk.Clock
	log      *slog.Logger
	policy   Policy
	owner    string
	snapshot func() Snapshot
	observer Observer
	health   *healthBook
	holds    *holdLog

	// pauseMu orders the changes of paused: a pause or resume, and the
	// comparison with the store's pauses in followPauses. It is taken before
	// mu.
	pauseMu sync.Mutex
	mu      sync.Mutex
	cond    *sync.Cond
	dests   map[string]*destination
	ready   []*destination
	held    map[int64]*item
	// paused are the connectors whose deliveries are held.
	paused map[string]bool
	// suspended, when set, is the reason the dispatcher takes no work (Suspend).
	suspended string
	started   bool
	stopping  bool
	// dueTimes are the next_at values this process wrote for deliveries it let
	// go, sorted, so the poller wakes when they are due.
	dueTimes []time.Time

	wake     chan struct{}
	releases sync.WaitGroup
	// outcomes carries attempt results from the workers to the completer.
	outcomes chan *outcome
	// stopped is closed when the dispatcher stops taking work.
	stopped chan struct{}
}

// item is one delivery the dispatcher holds.
type item struct {
	delivery *store.Delivery
	event    *store.StoredEvent
	// stateVersion is the entity state version the attempt's request carried.
	stateVersion int64
	// leaseUntil is when the delivery's lease ends, as far as this dispatcher
	// knows; renew moves it on. Guarded by Dispatcher.mu.
	leaseUntil time.Time
}

// New returns a dispatcher; Run starts it.
func New(opts Options) *Dispatcher {
	p := opts.Policy
	if p.MaxHeld <= 0 {
		p.MaxHeld = 64 * max(p.Workers, 1)
	}
	d := &Dispatcher{
		store:    opts.Store,
		clock:    opts.Clock,
		log:      opts.Logger,
		policy:   p,
		owner:    opts.Owner,
		snapshot: opts.Snapshot,
		observer: opts.Observer,
		health:   newHealthBook(),
		paused:   map[string]bool{},
		dests:    map[string]*destination{},
		held:     map[int64]*item{},
		wake:     make(chan struct{}, 1),
		outcomes: make(chan *outcome, 4096),
		stopped:  make(chan struct{}),
	}
	if d.observer == nil {
		d.observer = nopObserver{}
	}
	d.holds = newHoldLog(d.clock, d.log, d.stopped)
	for _, name := range opts.Paused {
		d.paused[name] = true
	}
	d.cond = sync.NewCond(&d.mu)
	return d
}

// Owner returns the lease owner name of this dispatcher.
func (d *Dispatcher) Owner() string { return d.owner }

// LeaseUntil returns when a lease taken now should end.
func (d *Dispatcher) LeaseUntil() time.Time { return d.clock.Now().Add(d.policy.Lease) }

// HasRoom reports whether the dispatcher runs and can take more deliveries in
// memory. Until Run has taken back the leases of an earlier run it has no room,
// so that nothing is handed over before that, nor while it is suspended.
func (d *Dispatcher) HasRoom() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.started && !d.stopping && d.suspended == "" && len(d.held) < d.policy.MaxHeld
}

// Wake makes the dispatcher look for due deliveries in the store now, for
// example after ingest stored ordered deliveries, which are never handed over
// in memory.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run takes back this owner's leases from an earlier run, then dispatches until
// ctx ends. It then lets running attempts finish (up to the policy's shutdown
// timeout), records their outcomes, and releases the leases of the deliveries it
// still held, so the next start claims them at once.
func (d *Dispatcher) Run(ctx context.Context) error {
	if n, err := d.store.ReleaseOwner(ctx, d.owner); err != nil {
		return err
	} else if n > 0 {
		d.log.Info("took back deliveries leased by an earlier run", "deliveries", n, "owner", d.owner)
	}
	d.mu.Lock()
	d.started = true
	d.mu.Unlock()

	attemptCtx, cancelAttempts := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelAttempts()

	var workers sync.WaitGroup
	for range d.policy.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			d.work(attemptCtx)
		}()
	}
	completed := make(chan struct{})
	go func() {
		defer close(completed)
		d.complete()
	}()

	var background sync.WaitGroup
	background.Add(2)
	go func() { defer background.Done(); d.poll(ctx) }()
	go func() { defer background.Done(); d.renew(ctx) }()
	if shared, ok := d.store.(store.PauseNotifier); ok {
		background.Add(1)
		go func() { defer background.Done(); d.followPauses(ctx, shared.PauseChanges()) }()
	}

	<-ctx.Done()
	d.stop()
	background.Wait()
	if !d.drain(&workers, cancelAttempts) {
		// A connector ignores cancellation. Its outcome can no longer be
		// written; the lease expires and the delivery is attempted again.
		return nil
	}
	close(d.outcomes)
	<-completed
	d.releases.Wait()

	if reason := d.Suspended(); reason != "" {
		// Another instance may run with this owner name and hold its leases.
		d.log.Info("dispatcher stopped while suspended; its remaining leases expire on their own", "reason", reason)
		return nil
	}
	released, err := d.store.ReleaseOwner(context.Background(), d.owner)
	if err != nil {
		d.log.Error("could not release leases at shutdown; they expire on their own", "err", err)
	}
	d.log.Info("dispatcher stopped", "released", released)
	return nil
}

// stop tells the workers to take no new deliveries.
func (d *Dispatcher) stop() {
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	close(d.stopped)
	d.cond.Broadcast()
}

// cancelGrace bounds the wait for attempts to return after they were cancelled.
const cancelGrace = 5 * time.Second

// drain waits for running attempts, cancelling them after the shutdown timeout;
// a cancelled attempt is recorded as a retry. It reports whether every worker
// returned.
func (d *Dispatcher) drain(workers *sync.WaitGroup, cancel context.CancelFunc) bool {
	done := make(chan struct{})
	go func() {
		workers.Wait()
		close(done)
	}()
	timeout := time.NewTimer(d.policy.ShutdownTimeout)
	defer timeout.Stop()
	select {
	case <-done:
		return true
	case <-timeout.C:
	}

	d.log.Warn("attempts still running at the shutdown timeout; cancelling them", "timeout", d.policy.ShutdownTimeout.String())
	cancel()
	select {
	case <-done:
		return true
	case <-time.After(cancelGrace):
		d.log.Error("attempts did not return after cancellation; stopping without their outcomes, which are retried when their leases expire",
			"grace", cancelGrace.String())
		return false
	}
}
