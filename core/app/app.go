package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turbocode/switchboard/core/admin"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/derive"
	"github.com/turbocode/switchboard/core/dispatch"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/flow"
	"github.com/turbocode/switchboard/core/ingest"
	"github.com/turbocode/switchboard/core/metrics"
	"github.com/turbocode/switchboard/core/schedule"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/netguard"
)

// Options configure New.
type Options struct {
	ConfigPath string
	Registry   Registry
	Logger     *slog.Logger
	Clock      sdk.Clock
	// PauseDelivery runs ingest without the dispatcher: events are accepted and
	// stored, nothing is delivered until a later run without it.
	PauseDelivery bool
	// Resolver looks up the host names of destinations that come from
	// templates or event data, for the network guard; nil means the system's
	// resolver.
	Resolver netguard.Resolver
	// AdminListener, when set, serves the management side instead of a
	// listener opened on server.admin_listen (for tests).
	AdminListener net.Listener
	// WatchInterval is how often the config file is checked for changes to
	// reload. Default 2s; negative turns the watch off.
	WatchInterval time.Duration
	// Version is shown by the management API and the web UI.
	Version string
}

// App is the running daemon.
type App struct {
	log      *slog.Logger
	clock    sdk.Clock
	registry Registry
	store    store.Store
	disp     *dispatch.Dispatcher
	current  atomic.Pointer[runtime]
	ingest   http.Handler
	sched    *schedule.Scheduler
	paused   bool
	// invalidValues logs due dates and updated_at values that cannot be
	// read, once per entity and value.
	invalidValues invalidValueWarnings
	// pauseReadFailures bounds the log lines of failed reads of the pauses.
	pauseReadFailures repeatedFailure
	// settings is the last comparison of the shared settings with the other
	// instances' (sharedsettings.go).
	settings settingsCheck

	// The management side: see operations.go, system.go and reload.go.
	opts          Options
	metrics       *metrics.Metrics
	system        chan *event.Incoming
	reload        reloader
	ingestHandler swappableHandler
	health        healthCache
}

// New loads the config and builds every part; nothing runs until Run.
func New(ctx context.Context, opts Options) (*App, error) {
	plan, err := LoadPlan(opts.ConfigPath, opts.Registry)
	if err != nil {
		return nil, err
	}
	cfg := plan.Config
	a := &App{log: opts.Logger, clock: opts.Clock, registry: opts.Registry, paused: opts.PauseDelivery, opts: opts,
		system: make(chan *event.Incoming, systemQueue)}
	a.settings.recheck = make(chan struct{}, 1)
	a.reload.path = opts.ConfigPath
	if data, err := os.ReadFile(opts.ConfigPath); err == nil {
		a.reload.digest = sha256.Sum256(data)
		a.reload.inForce = a.reload.digest
	}
	a.reload.status.Store(&admin.ReloadStatus{File: opts.ConfigPath, LoadedAt: opts.Clock.Now()})

	rt, err := configure(ctx, plan, opts.Registry, opts.Clock, opts.Logger, opts.Resolver)
	if err != nil {
		return nil, err
	}
	a.current.Store(rt)

	if a.store, err = openStore(ctx, cfg, opts.Logger); err != nil {
		rt.close(opts.Logger)
		return nil, err
	}
	paused, err := pausedConnectors(ctx, a.store)
	if err != nil {
		a.store.Close()
		rt.close(opts.Logger)
		return nil, err
	}
	a.disp = dispatch.New(dispatch.Options{Store: a.store, Clock: opts.Clock, Logger: opts.Logger,
		Policy: policy(cfg), Owner: cfg.Server.InstanceID, Snapshot: func() dispatch.Snapshot { return a.current.Load() },
		Observer: observer{a}, Paused: paused})
	a.sched = a.newScheduler()

	ingestHandler, err := a.newIngest(cfg, rt.webhookSecrets(sdk.PlatformGitHub))
	if err != nil {
		a.store.Close()
		rt.close(opts.Logger)
		return nil, err
	}
	a.ingestHandler.Store(&ingestHandler)
	a.metrics = metrics.New(a, opts.Clock)
	a.metrics.SetRouteTypes(routeTypes(cfg))
	a.ingest = a.metrics.CountRejections(&a.ingestHandler, ingest.IsEventEndpoint)
	return a, nil
}

func policy(cfg *config.Config) dispatch.Policy {
	d := cfg.Delivery
	return dispatch.Policy{MaxAttempts: d.MaxAttempts, MaxAge: d.MaxAge, MinBackoff: d.MinBackoff,
		MaxBackoff: d.MaxBackoff, Workers: d.Workers, MaxInFlightPerDestination: d.MaxInFlightPerDestination,
		Lease: d.Lease, PollInterval: d.PollInterval, CircuitThreshold: d.CircuitThreshold,
		CircuitCooldown: d.CircuitCooldown, ShutdownTimeout: cfg.Server.ShutdownTimeout, DisableAfter: d.DisableAfter}
}

func (a *App) newIngest(cfg *config.Config, githubSecrets []sdk.Secret) (http.Handler, error) {
	in := cfg.Ingest
	return ingest.NewHandler(ingest.Options{Acceptor: a, Secrets: in.Secrets, Insecure: in.Insecure,
		MaxBodyBytes: in.MaxBodyBytes, MaxBatch: in.MaxBatch, Tolerance: in.Tolerance, RetryAfter: in.RetryAfter,
		Clock: a.clock, Logger: a.log, Ready: a.ready, GitHubSecrets: githubSecrets})
}

// Handler returns the ingest HTTP handler, for tests that serve it themselves.
func (a *App) Handler() http.Handler { return a.ingest }

// Store returns the store, for tests and commands that read it.
func (a *App) Store() store.Store { return a.store }

// Metrics returns the process's metrics, for parts that cmd/switchboard wires
// outside the app, such as the plugin host.
func (a *App) Metrics() *metrics.Metrics { return a.metrics }

// Accept implements ingest.Acceptor: it routes each event, stores it with its
// deliveries, and hands the new deliveries to the local dispatcher.
func (a *App) Accept(ctx context.Context, events []*event.Incoming) ([]store.EventResult, error) {
	return a.accept(ctx, events, true)
}

// accept is Accept; derive false stores the events without deriving from
// them, for system events, which describe no Turbo entity.
func (a *App) accept(ctx context.Context, events []*event.Incoming, derive bool) ([]store.EventResult, error) {
	rt := a.current.Load()
	cfg := rt.plan.Config
	if err := a.overLimits(cfg); err != nil {
		return nil, err
	}

	now := a.clock.Now()
	req := &store.AcceptRequest{ReceivedAt: now, Events: make([]*store.NewEvent, len(events)),
		Derive: derive && cfg.Ingest.Derive, Plan: a.planDerived(rt, now), DueThresholds: cfg.Schedule.DueSoon}
	ordered := false
	for i, in := range events {
		ne, err := a.plan(ctx, rt, in, now)
		if err != nil {
			return nil, err
		}
		req.Events[i] = ne
		for _, d := range ne.Deliveries {
			ordered = ordered || d.OrderingKey != ""
		}
	}

	handoff := !a.paused && a.disp.HasRoom()
	if handoff {
		req.LeaseOwner, req.LeaseUntil = a.disp.Owner(), a.disp.LeaseUntil()
	}
	res, err := a.store.Accept(ctx, req)
	if err != nil {
		return nil, err
	}
	a.countReceived(events, res.Events)
	if res.Derived > 0 {
		// Derived events may route to ordered connectors that the received ones
		// did not; waking costs little next to the events themselves.
		ordered = true
	}
	a.handOff(res.Deliveries, ordered || !handoff)
	return res.Events, nil
}

// handOff gives new deliveries to the local dispatcher, and wakes it to claim
// those it was not given.
func (a *App) handOff(deliveries []*store.Claimed, wake bool) {
	if a.paused {
		return
	}
	a.disp.Submit(deliveries)
	if wake {
		a.disp.Wake()
	}
}

// planDerived routes the events the store derives, with the config snapshot
// that routed their parent and the time it was received.
func (a *App) planDerived(rt *runtime, now time.Time) func(*event.Incoming) ([]*store.NewDelivery, error) {
	return func(in *event.Incoming) ([]*store.NewDelivery, error) {
		ne, err := a.plan(context.Background(), rt, in, now)
		if err != nil {
			return nil, err
		}
		return ne.Deliveries, nil
	}
}

// plan routes one event, received at now, into the deliveries it causes. A
// target whose template failed to render becomes a dead delivery with the
// reason, so the failure is in the delivery log instead of lost. A route's
// digest, throttle and quiet options shape its deliveries (core/flow), unless
// now is zero.
func (a *App) plan(ctx context.Context, rt *runtime, in *event.Incoming, now time.Time) (*store.NewEvent, error) {
	planned := rt.plan.Routes.Evaluate(in)
	ne := &store.NewEvent{Incoming: in, Deliveries: make([]*store.NewDelivery, 0, len(planned))}
	if rt.plan.Config.Ingest.Derive && !in.Envelope.Derived {
		ne.Prepared = derive.PrepareIn(in, rt.plan.Config.Schedule.Location)
		a.invalidValues.check(a.log, ne.Prepared, in.Envelope)
	}
	for _, p := range planned {
		target, err := json.Marshal(p.Params)
		if err != nil {
			return nil, fmt.Errorf("encode target of route %s: %w", p.Route, err)
		}
		if err := a.resolveEntity(ctx, rt, &p); err != nil {
			return nil, err
		}
		nd := &store.NewDelivery{Route: p.Route, Connector: p.Connector, Target: target, Untrusted: p.Untrusted,
			Destination: p.Destination, OrderingKey: p.OrderingKey, EntityKey: p.EntityKey, State: store.StateScheduled}
		if p.Flow != nil && !now.IsZero() {
			flow.Shape(nd, p.Flow, now)
		}
		if p.Err != nil {
			nd.State, nd.Reason = store.StateDead, "target did not render: "+p.Err.Error()
			a.log.Warn("delivery planned dead: its target did not render", "event_id", in.Envelope.EventID,
				"route", p.Route, "connector", p.Connector, "err", p.Err)
		}
		ne.Deliveries = append(ne.Deliveries, nd)
	}
	return ne, nil
}

// ready reports whether ingest can accept: the store must commit, and neither
// the backlog nor the store's size may be over its limit, so that a load
// balancer stops sending to an instance that would answer 503. An instance
// whose store lost the lock on its instance id is not ready either: it
// delivers nothing until the store takes the lock back.
func (a *App) ready() error {
	cfg := a.current.Load().plan.Config
	if err := a.overLimits(cfg); err != nil {
		return err
	}
	if locker, ok := a.store.(store.InstanceLocker); ok {
		if err := locker.InstanceLockErr(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		return fmt.Errorf("store not ready: %w", err)
	}
	return nil
}

// overLimits returns ErrBacklogFull or ErrStoreFull when the backlog or the
// store's size is over its configured limit.
func (a *App) overLimits(cfg *config.Config) error {
	if backlog := a.store.Backlog(); backlog >= int64(cfg.Ingest.MaxBacklog) {
		return fmt.Errorf("%w: %d deliveries pending, ingest.max_backlog is %d", ingest.ErrBacklogFull, backlog, cfg.Ingest.MaxBacklog)
	}
	if limit := cfg.Storage.MaxSizeBytes; limit > 0 {
		if size := a.store.SizeBytes(); size >= limit {
			return fmt.Errorf("%w: the store takes %d bytes, storage.max_size_bytes is %d", ingest.ErrStoreFull, size, limit)
		}
	}
	return nil
}

// Run serves ingest on server.listen, runs the dispatcher and the retention
// job, and shuts down gracefully when ctx ends: it stops accepting requests,
// lets running attempts finish, and closes the store.
func (a *App) Run(ctx context.Context) error {
	cfg := a.current.Load().plan.Config
	listener, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on server.listen %s: %w", cfg.Server.Listen, err)
	}
	return a.Serve(ctx, listener)
}

// headerReadLimit is the largest request line and header block, CRLFs
// included, that the ingest and management servers read: 64 KiB. A larger one
// gets 431. Go's server (net/http in Go 1.26) reads MaxHeaderBytes plus 4096
// bytes of buffer slop before it gives up, so MaxHeaderBytes is set that much
// lower.
const (
	headerReadLimit = 64 << 10
	maxHeaderBytes  = headerReadLimit - 4096
)

// Serve is Run on a listener the caller opened.
func (a *App) Serve(ctx context.Context, listener net.Listener) error {
	cfg := a.current.Load().plan.Config
	server := &http.Server{Handler: a.ingest, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)}

	dispCtx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	// Deliveries held by an earlier run for a connector that this config has
	// again are due now.
	a.releaseRemovedHolds(dispCtx, connectorNames(cfg))
	var wg sync.WaitGroup
	if !a.paused {
		wg.Add(1)
		go func() { defer wg.Done(); a.runDispatcher(dispCtx) }()
	} else {
		a.log.Warn("delivery is paused: events are accepted and stored but not delivered")
	}
	if notifier, ok := a.store.(store.Notifier); ok && !a.paused {
		wg.Add(1)
		go func() { defer wg.Done(); a.forwardNotifications(dispCtx, notifier) }()
	}
	if locker, ok := a.store.(store.InstanceLocker); ok && !a.paused {
		wg.Add(1)
		go func() { defer wg.Done(); a.followInstanceLock(dispCtx, locker) }()
	}
	if sharer, ok := a.store.(store.SettingsSharer); ok {
		wg.Add(1)
		go func() { defer wg.Done(); a.compareSettings(dispCtx, sharer) }()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.retain(dispCtx, a.storageInForce, cfg.Server.InstanceID, cfg.Delivery.Lease)
	}()
	go func() { defer wg.Done(); a.sched.Run(dispCtx) }()

	wg.Add(1)
	go func() { defer wg.Done(); a.storeSystemEvents(dispCtx) }()
	if interval := a.watchInterval(); interval > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); a.watchConfig(dispCtx, interval) }()
	}

	adminServer, err := a.serveAdmin(cfg, server, listener)
	if err != nil {
		stopDispatch()
		wg.Wait()
		return err
	}
	serveErr := make(chan error, 2)
	go func() { serveErr <- server.Serve(listener) }()
	if adminServer != nil {
		go func() { serveErr <- adminServer.serve() }()
	}
	started := []any{"listen", listener.Addr().String(), "store", cfg.Storage.Driver + " " + config.RedactDSN(cfg.Storage.DSN),
		"connectors", len(cfg.Connectors), "routes", len(cfg.Routes), "instance_id", cfg.Server.InstanceID}
	a.log.Info("switchboard started", append(started, schedule.LogAttrs(cfg.Schedule, a.clock.Now())...)...)
	a.logWarnings(a.current.Load().plan)
	wg.Add(1)
	go func() { defer wg.Done(); a.checkAtStart(a.startInstances()) }()

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	}
	adminServer.shutdown(cfg.Server.ShutdownTimeout, a.log)
	a.shutdown(server, stopDispatch, &wg, cfg)
	return err
}

func (a *App) runDispatcher(ctx context.Context) {
	if err := a.disp.Run(ctx); err != nil {
		a.log.Error("dispatcher stopped with an error", "err", err)
	}
}

func (a *App) shutdown(server *http.Server, stopDispatch context.CancelFunc, wg *sync.WaitGroup, cfg *config.Config) {
	a.log.Info("shutting down: no new requests; running attempts may finish", "timeout", cfg.Server.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("closing ingest connections failed", "err", err)
	}
	stopDispatch()
	wg.Wait()
	a.current.Load().close(a.log)
	if err := a.store.Close(); err != nil {
		a.log.Error("closing the store failed", "err", err)
	}
	a.log.Info("switchboard stopped")
}

// Close releases what New built, for an App that was never run.
func (a *App) Close() error {
	a.current.Load().close(a.log)
	return a.store.Close()
}
