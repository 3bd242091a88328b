package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turbocode/switchboard/core/admin"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/dispatch"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/sdk"
)

// reloader holds what a reload needs besides the runtime: the file, the last
// outcome, and a lock so that two reloads never overlap.
type reloader struct {
	mu     sync.Mutex
	path   string
	status atomic.Pointer[admin.ReloadStatus]
	// digest is the config file's content hash when it was last read, so the
	// watcher reloads only on a real change. inForce is the hash of the
	// content in force.
	digest  [sha256.Size]byte
	inForce [sha256.Size]byte
}

// Reload implements admin.Backend.
func (a *App) Reload() admin.ReloadStatus {
	if st := a.reload.status.Load(); st != nil {
		return *st
	}
	return admin.ReloadStatus{File: a.reload.path}
}

// ReloadConfig reads the config file again and, when it is valid in full,
// swaps it in: routes and ingest settings apply to the next event, changed
// connectors are configured anew, unchanged ones keep their instance.
// Deliveries already created keep their targets. Attempts that are running
// finish on the instance they started on, and deliveries of a removed
// connector are held until it comes back. Rate-limit and circuit state is
// kept by destination in the dispatcher, so it carries over. An invalid
// config is rejected whole, logged and reported by the management API, and
// the old one stays in force.
func (a *App) ReloadConfig(ctx context.Context) error {
	a.reload.mu.Lock()
	defer a.reload.mu.Unlock()

	err := a.swapConfig(ctx)
	now := a.clock.Now()
	if a.metrics != nil {
		a.metrics.Reloaded(err == nil)
	}
	if err != nil {
		st := a.Reload()
		st.FailedAt, st.Error = now, describeReloadError(err)
		a.reload.status.Store(&st)
		a.log.Error("config reload rejected; the config loaded before stays in force", "file", a.reload.path, "err", st.Error)
		return err
	}
	a.reload.status.Store(&admin.ReloadStatus{File: a.reload.path, LoadedAt: now})
	return nil
}

// describeReloadError lists every config problem, one per line.
func describeReloadError(err error) string {
	var errs config.Errors
	if !errors.As(err, &errs) {
		return err.Error()
	}
	lines := make([]string, 0, len(errs))
	for _, e := range errs.Sorted() {
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

func (a *App) swapConfig(ctx context.Context) error {
	data, err := os.ReadFile(a.reload.path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	sum := sha256.Sum256(data)
	a.reload.digest = sum

	plan, err := LoadPlan(a.reload.path, a.registry)
	if err != nil {
		return err
	}
	old := a.current.Load()
	rt, replaced, err := reconfigure(ctx, plan, old, a)
	if err != nil {
		return err
	}
	ingestHandler, err := a.newIngest(plan.Config, rt.webhookSecrets(sdk.PlatformGitHub))
	if err != nil {
		rt.closeCreated(old)
		return err
	}
	a.current.Store(rt)
	a.ingestHandler.Store(&ingestHandler)
	if a.metrics != nil {
		a.metrics.SetRouteTypes(routeTypes(plan.Config))
	}
	a.reload.inForce = sum
	a.closeLater(replaced)
	a.logReload(old.plan.Config, plan.Config, rt)
	go a.checkAfterReload(old, rt)
	a.requestSettingsCheck(old.plan.Config.Storage, plan.Config.Storage)
	a.releaseRemovedHolds(ctx, addedConnectors(old.plan.Config, plan.Config))
	return nil
}

// closeCreated closes the instances of rt that old does not share, for a
// reload that failed after reconfigure.
func (rt *runtime) closeCreated(old *runtime) {
	for name, conn := range rt.connectors {
		if old.connectors[name] != conn {
			conn.Instance.Close()
		}
	}
}

// reconfigure builds the runtime of plan, keeping the instance of every
// connector whose block did not change. It returns the old instances that
// the new runtime no longer uses.
// TODO: carry route digest state (the matches a digest route collects for
// its window) over a reload once route digests exist.
func reconfigure(ctx context.Context, plan *Plan, old *runtime, a *App) (*runtime, []*dispatch.Connector, error) {
	rt := &runtime{plan: plan, connectors: map[string]*dispatch.Connector{}, retired: retiredRoutes(plan, old)}
	oldBlocks := blocksByName(old.plan.Config)
	sameTurbo := old.plan.Config.Turbo == plan.Config.Turbo
	var created []*dispatch.Connector

	for _, c := range plan.Config.Connectors {
		if prev, ok := oldBlocks[c.Name]; ok && sameTurbo && sameBlock(prev, c) && old.connectors[c.Name] != nil {
			rt.connectors[c.Name] = old.connectors[c.Name]
			continue
		}
		conn, err := configureConnector(ctx, plan, c, a.registry, a.clock, a.log, a.opts.Resolver)
		if err != nil {
			for _, made := range created {
				made.Instance.Close()
			}
			return nil, nil, err
		}
		created = append(created, conn)
		rt.connectors[c.Name] = conn
	}

	var replaced []*dispatch.Connector
	for name, conn := range old.connectors {
		if rt.connectors[name] != conn {
			replaced = append(replaced, conn)
		}
	}
	return rt, replaced, nil
}

func blocksByName(cfg *config.Config) map[string]config.Connector {
	out := make(map[string]config.Connector, len(cfg.Connectors))
	for _, c := range cfg.Connectors {
		out[c.Name] = c
	}
	return out
}

// sameBlock reports whether two connector blocks configure the same instance;
// positions in the file do not count.
func sameBlock(a, b config.Connector) bool {
	return a.Type == b.Type && a.Timeout == b.Timeout && a.AllowPrivate == b.AllowPrivate &&
		reflect.DeepEqual(a.RateLimit, b.RateLimit) && reflect.DeepEqual(a.Options, b.Options)
}

// retiredRoutes keeps the compiled tables of routes that the new config no
// longer has, so deliveries created by them still render their message.
func retiredRoutes(plan *Plan, old *runtime) map[string]*route.Table {
	keep := map[string]bool{}
	for _, r := range plan.Config.Routes {
		keep[r.Name] = true
	}
	out := map[string]*route.Table{}
	for name, table := range old.retired {
		if !keep[name] {
			out[name] = table
		}
	}
	for _, r := range old.plan.Config.Routes {
		if !keep[r.Name] {
			out[r.Name] = old.plan.Routes
		}
	}
	return out
}

// closeLater closes replaced connector instances once every attempt that may
// still run on them has passed its timeout.
func (a *App) closeLater(replaced []*dispatch.Connector) {
	if len(replaced) == 0 {
		return
	}
	var wait time.Duration
	for _, c := range replaced {
		wait = max(wait, c.Timeout)
	}
	timer := a.clock.NewTimer(wait + time.Second)
	go func() {
		defer timer.Stop()
		<-timer.C()
		for _, c := range replaced {
			if err := c.Instance.Close(); err != nil {
				a.log.Warn("closing a replaced connector instance failed", "err", err)
			}
		}
	}()
}

// logReload logs what the reload changed, and which changed keys take effect
// only at the next start.
func (a *App) logReload(before, after *config.Config, rt *runtime) {
	var restart []string
	if before.Server != after.Server {
		restart = append(restart, "server")
	}
	if !sameStoreConnection(before.Storage, after.Storage) {
		restart = append(restart, "storage")
	}
	if before.Delivery != after.Delivery {
		restart = append(restart, "delivery")
	}
	if before.Log != after.Log {
		restart = append(restart, "log")
	}
	a.log.Info("config reloaded", "file", a.reload.path, "connectors", len(after.Connectors), "routes", len(after.Routes),
		"retired_routes", len(rt.retired))
	if len(restart) > 0 {
		a.log.Warn("the reloaded config changes keys that take effect at the next start", "sections", strings.Join(restart, ", "))
	}
	a.logWarnings(rt.plan)
}

// sameStoreConnection reports whether two storage sections open the same
// store the same way. The other storage settings apply at a reload.
func sameStoreConnection(a, b config.Storage) bool {
	return a.Driver == b.Driver && a.DSN == b.DSN && a.MaxConns == b.MaxConns
}

// routeTypes returns every event-type pattern the routes name.
func routeTypes(cfg *config.Config) []string {
	var out []string
	for _, r := range cfg.Routes {
		out = append(out, r.Events...)
	}
	return out
}

// watchConfig reloads the config when the file's content changes, checking
// every interval, until ctx ends.
func (a *App) watchConfig(ctx context.Context, interval time.Duration) {
	timer := a.clock.NewTimer(interval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		}
		if a.configChanged() {
			a.log.Info("config file changed; reloading", "file", a.reload.path)
			a.ReloadConfig(ctx)
		}
		timer.Reset(interval)
	}
}

// configChanged reports whether the config file's content differs from when
// it was last read. When it does not, but is the content in force while the
// last reload failed (a file that could not be read, say), it clears the
// reload error, because the file contains the config in force again.
func (a *App) configChanged() bool {
	data, err := os.ReadFile(a.reload.path)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	a.reload.mu.Lock()
	defer a.reload.mu.Unlock()
	if !bytes.Equal(sum[:], a.reload.digest[:]) {
		return true
	}
	if st := a.reload.status.Load(); st != nil && st.Error != "" && bytes.Equal(sum[:], a.reload.inForce[:]) {
		a.reload.status.Store(&admin.ReloadStatus{File: a.reload.path, LoadedAt: st.LoadedAt})
		a.log.Info("the config file contains the config in force again; the last reload error no longer applies", "file", a.reload.path)
	}
	return false
}

// swappableHandler serves with the handler last stored, so a reload can
// replace ingest's settings without a new listener.
type swappableHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swappableHandler) Store(h *http.Handler) { s.h.Store(h) }

func (s *swappableHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// renderMessage renders a route's template from the config in force, or
// from the config that last had the route when a reload removed it.
// A delivery that an operator replayed to a connector no route planned has
// no template: the connector sends its default message.
func (rt *runtime) renderMessage(routeName string, events []*event.Incoming, counts route.MessageCounts) (string, bool, error) {
	if routeName == replayRoute && !rt.hasRoute(routeName) {
		return "", false, nil
	}
	return rt.routeTable(routeName).RenderMessageWith(routeName, events, counts)
}

// routeTable returns the compiled routes that have routeName: the config in
// force, or the config that last had the route when a reload removed it.
func (rt *runtime) routeTable(routeName string) *route.Table {
	if table, retired := rt.retired[routeName]; retired {
		return table
	}
	return rt.plan.Routes
}

func (rt *runtime) hasRoute(name string) bool {
	for _, r := range rt.plan.Config.Routes {
		if r.Name == name {
			return true
		}
	}
	return false
}
