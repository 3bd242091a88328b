package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/admin"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// The management side's view of the daemon: App implements admin.Backend.
var _ admin.Backend = (*App)(nil)

// Snapshot implements admin.Backend.
func (a *App) Snapshot() admin.Snapshot {
	plan := a.current.Load().plan
	return admin.Snapshot{Config: plan.Config, Routes: plan.Routes, Circuits: a.disp.OpenCircuits()}
}

// Connectors implements admin.Backend.
func (a *App) Connectors() []admin.ConnectorStatus {
	rt := a.current.Load()
	cfg := rt.plan.Config
	pauses, pauseErr := a.readPauses()
	health := a.disp.Health()
	circuits := a.disp.OpenCircuits()
	instances := make(map[string]sdk.Instance, len(rt.connectors))
	for name, c := range rt.connectors {
		instances[name] = c.Instance
	}
	reported := a.healthOf(instances)

	out := make([]admin.ConnectorStatus, 0, len(cfg.Connectors))
	for _, c := range cfg.Connectors {
		st := admin.ConnectorStatus{Name: c.Name, Type: c.Type, Info: rt.plan.Infos[c.Name]}
		if pauseErr != nil {
			st.PauseUnknown = "pause state unknown: " + pauseErr.Error()
		}
		if p, ok := pauses[c.Name]; ok {
			st.Paused, st.PauseReason, st.PausedBy, st.Automatic, st.PausedAt = true, p.Reason, p.Actor, p.Automatic, p.At
		}
		st.Rejections = a.rejectionsOf(c.Name)
		if h, ok := health[c.Name]; ok {
			st.Attempts, st.Delivered, st.LastSuccess, st.LastFailure, st.LastError = h.Attempts, h.Delivered, h.LastSuccess, h.LastFailure, h.LastError
			st.FailedInARow = h.FailedInARow
		}
		for dest := range circuits {
			if dest == c.Name || strings.HasPrefix(dest, c.Name+"|") {
				st.OpenCircuits = append(st.OpenCircuits, dest)
			}
		}
		sort.Strings(st.OpenCircuits)
		if h, ok := reported[c.Name]; ok {
			st.Unhealthy, st.HealthMessage, st.Waiting = !h.OK && !h.Waiting, h.Message, !h.OK && h.Waiting
		}
		out = append(out, st)
	}
	return out
}

// pauseTable reads the paused connectors by name; on a store error it logs
// and returns none, so a listing still shows the rest.
func (a *App) pauseTable() map[string]*store.Pause {
	pauses, _ := a.readPauses()
	return pauses
}

// readPauses reads the paused connectors by name. On a store error it
// returns none with the error, and logs it at most once a minute.
func (a *App) readPauses() (map[string]*store.Pause, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pauses, err := a.store.Pauses(ctx)
	if err != nil {
		if log, held := a.pauseReadFailures.take(a.clock.Now()); log {
			a.log.Error("could not read the paused connectors", "err", err, "suppressed", held)
		}
	}
	out := make(map[string]*store.Pause, len(pauses))
	for _, p := range pauses {
		out[p.Connector] = p
	}
	return out, err
}

// PausedConnectors implements metrics.Source. A pause of a connector that
// is not in the config stays stored, so that it holds again when a config
// brings the connector back, but it is no paused connector to report.
func (a *App) PausedConnectors() []string {
	configured := blocksByName(a.current.Load().plan.Config)
	var names []string
	for name := range a.pauseTable() {
		if _, ok := configured[name]; ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// OpenCircuits implements metrics.Source.
func (a *App) OpenCircuits() int { return len(a.disp.OpenCircuits()) }

// Backlog implements metrics.Source.
func (a *App) Backlog() int64 { return a.store.Backlog() }

// Stats implements metrics.Source.
func (a *App) Stats(ctx context.Context) (*store.Stats, error) { return a.store.Stats(ctx) }

// Retry implements admin.Backend. The connectors of the deliveries forget
// their destinations' rejections first, so the retried deliveries are sent.
func (a *App) Retry(ctx context.Context, ids []int64) ([]int64, error) {
	a.forgetRejections(a.connectorsOf(ctx, ids))
	retried, err := a.store.Retry(ctx, ids, a.clock.Now())
	if err != nil {
		return nil, err
	}
	a.disp.Wake()
	return retried, nil
}

// Cancel implements admin.Backend: the local dispatcher cancels the
// deliveries queued in its memory, and the store those that no instance
// holds.
func (a *App) Cancel(ctx context.Context, ids []int64, reason string) ([]int64, error) {
	queued, err := a.disp.Cancel(ctx, ids, reason)
	if err != nil {
		return nil, err
	}
	done := make(map[int64]bool, len(queued))
	for _, id := range queued {
		done[id] = true
	}
	var rest []int64
	for _, id := range ids {
		if !done[id] {
			rest = append(rest, id)
		}
	}
	stored, err := a.store.Cancel(ctx, rest, reason, a.clock.Now())
	if err != nil {
		return queued, err
	}
	a.disp.Wake()
	return append(queued, stored...), nil
}

// Replay implements admin.Backend. The routes in force decide the targets, so
// a replay after a reload follows the new rules. A replayed delivery has a
// new id, attempt budget and maximum age.
func (a *App) Replay(ctx context.Context, eventID, connector string) ([]*store.Delivery, error) {
	stored, err := a.store.Event(ctx, eventID)
	if err != nil {
		return nil, err
	}
	in, err := storedIncoming(stored)
	if err != nil {
		return nil, fmt.Errorf("read stored event %s: %w", eventID, err)
	}
	rt := a.current.Load()
	// A replay goes out now as deliveries of its own: no digest, throttle or
	// quiet hours shape it.
	ne, err := a.plan(ctx, rt, in, time.Time{})
	if err != nil {
		return nil, err
	}

	deliveries := ne.Deliveries
	if connector != "" {
		deliveries = deliveries[:0:0]
		for _, nd := range ne.Deliveries {
			if nd.Connector == connector {
				deliveries = append(deliveries, nd)
			}
		}
		if len(deliveries) == 0 {
			deliveries = append(deliveries, a.adHocDelivery(rt, in, connector))
		}
	}
	created, err := a.store.AddDeliveries(ctx, eventID, deliveries, a.clock.Now())
	if err != nil {
		return nil, err
	}
	a.disp.Wake()
	return created, nil
}

// replayRoute is the route name of a delivery that an operator replayed to a
// connector no route plans for the event.
const replayRoute = "replay"

// adHocDelivery is a delivery to connector with no target parameters, for a
// replay to a connector that no route plans for the event.
func (a *App) adHocDelivery(rt *runtime, in *event.Incoming, connector string) *store.NewDelivery {
	nd := &store.NewDelivery{Route: replayRoute, Connector: connector, Target: json.RawMessage(`{}`), Destination: connector,
		EntityKey: in.Envelope.EntityKey(), State: store.StateScheduled}
	if c, ok := rt.Connector(connector); ok && c.Info.Capabilities.Ordered && nd.EntityKey != "" {
		nd.OrderingKey = connector + "|" + nd.EntityKey
	}
	return nd
}

// storedIncoming parses a stored event's body back into an envelope.
func storedIncoming(ev *store.StoredEvent) (*event.Incoming, error) {
	var env event.Envelope
	if err := json.Unmarshal(ev.Body, &env); err != nil {
		return nil, err
	}
	return &event.Incoming{Envelope: &env, Format: ev.Format, Body: ev.Body}, nil
}

// Pause implements admin.Backend.
func (a *App) Pause(ctx context.Context, connector, reason, actor string) error {
	p := &store.Pause{Connector: connector, Reason: reason, Actor: actor, At: a.clock.Now()}
	if err := a.store.SetPause(ctx, p); err != nil {
		return err
	}
	a.disp.Pause(connector)
	a.log.Info("connector paused: its deliveries are held", "connector", connector, "reason", reason, "actor", actor)
	return nil
}

// Resume implements admin.Backend.
func (a *App) Resume(ctx context.Context, connector string) error {
	if _, err := a.store.ClearPause(ctx, connector); err != nil {
		return err
	}
	return a.disp.Resume(ctx, connector)
}

// TestSend implements admin.Backend: it delivers a sample issue.created
// event through the connector's live instance, after the instance forgot its
// destinations' rejections, or runs the instance's own test when it is an
// sdk.Tester. Without params it uses the literal parameters of the
// connector's first route target, which the config's author chose and the
// connector trusts. Params an operator sends are untrusted, as values a
// template rendered are, so their addresses go through the network guard.
func (a *App) TestSend(ctx context.Context, connector string, params sdk.Params) (*admin.TestResult, error) {
	rt := a.current.Load()
	conn, ok := rt.Connector(connector)
	if !ok {
		return nil, fmt.Errorf("connector %s: %w", connector, store.ErrNotFound)
	}
	target, shown, untrusted := params, params, params.Names()
	if target == nil {
		target, shown = literalParams(rt.plan.Config, connector)
		untrusted = nil
	}

	in, err := sampleEvent(a.clock.Now())
	if err != nil {
		return nil, err
	}
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_test_" + in.Envelope.EventID, Attempt: 1, Route: "test", Target: target,
		Untrusted: untrusted, Events: []sdk.Event{sdkEventOf(in)}, EntityKey: in.Envelope.EntityKey()}
	ctx, cancel := context.WithTimeout(ctx, conn.Timeout)
	defer cancel()
	req.Deadline, _ = ctx.Deadline()

	a.forgetRejections(map[string]bool{connector: true})
	started := a.clock.Now()
	var res sdk.Result
	if tester, ok := conn.Instance.(sdk.Tester); ok {
		res = tester.Test(ctx, target)
	} else {
		res = conn.Instance.Deliver(ctx, req)
	}
	if res.Outcome == sdk.OutcomeDelivered {
		a.disp.CloseCircuits(connector)
	}
	return &admin.TestResult{Outcome: res.Outcome, StatusCode: res.StatusCode, Response: res.Response, Reason: res.Reason,
		Duration: a.clock.Now().Sub(started), Params: shown}, nil
}

// literalParams returns the parameters of the connector's first route target
// that are not templates, and the same with ${...} values redacted.
func literalParams(cfg *config.Config, connector string) (sdk.Params, sdk.Params) {
	for _, r := range cfg.Routes {
		for _, t := range r.To {
			if t.Connector != connector {
				continue
			}
			spec := targetSpec(t)
			return spec.Literal, t.Redact(spec.Literal)
		}
	}
	return sdk.Params{}, sdk.Params{}
}

// sampleEvent is the event a test send delivers.
func sampleEvent(now time.Time) (*event.Incoming, error) {
	id := uuid.NewString()
	env := &event.Envelope{EventID: id, EventType: "issue.created", Timestamp: now, EntityType: "issue",
		EntityID: uuid.NewString(), Action: "created", Actor: &event.Actor{Type: "system", Name: "switchboard"},
		Data: json.RawMessage(`{"current":{"title":"Switchboard test message","priority":"low","status":"open",` +
			`"description":"An operator sent this test from Switchboard's management API. It needs no action."}}`)}
	body, err := env.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode the sample event: %w", err)
	}
	return &event.Incoming{Envelope: env, Format: event.FormatEnvelope, Body: body}, nil
}

func sdkEventOf(in *event.Incoming) sdk.Event {
	e := in.Envelope
	return sdk.Event{ID: e.EventID, Type: e.EventType, Time: e.Timestamp, EntityType: e.EntityType, EntityID: e.EntityID,
		Action: e.Action, Derived: e.Derived, ParentEventID: e.ParentEventID, Envelope: in.Body}
}

// Preview implements admin.Backend with the connector's live instance.
func (a *App) Preview(ctx context.Context, connector string, req *sdk.DeliveryRequest) (string, error) {
	conn, ok := a.current.Load().Connector(connector)
	if !ok {
		return "", fmt.Errorf("connector %s is not in the config", connector)
	}
	pv, ok := conn.Instance.(sdk.Previewer)
	if !ok {
		return "", admin.ErrNoPreview
	}
	return pv.Preview(ctx, req)
}

// backuper is a store that can copy itself while it runs.
type backuper interface {
	Backup(ctx context.Context, path string) error
}

// Backup implements admin.Backend. Only the SQLite store copies itself; a
// PostgreSQL database is backed up with PostgreSQL's own tools.
func (a *App) Backup(ctx context.Context, path string) error {
	b, ok := a.store.(backuper)
	if !ok {
		return fmt.Errorf("%w: online backup copies the SQLite store, and this instance stores its data in PostgreSQL (storage.driver %s); back up that database with pg_dump, for example pg_dump --format=custom --file=switchboard.dump followed by the DSN",
			admin.ErrNoBackup, a.current.Load().plan.Config.Storage.Driver)
	}
	return b.Backup(ctx, path)
}

// Ready implements admin.Backend.
func (a *App) Ready() error { return a.ready() }
