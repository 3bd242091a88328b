package turbo

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/turboapi"
)

// delivery is one Deliver call.
type delivery struct {
	in  *instance
	req *sdk.DeliveryRequest
	ev  *eventView
	t   *target
	// issue is the issue the action applies to, by id or key.
	issue string
	// status is the HTTP status of Turbo's last successful response.
	status int
	log    *slog.Logger
}

// Deliver takes one action on Turbo, unless the loop guard or only_if rules
// it out. The checks run in this order: the event is the echo of this
// route's own action; only_if is false; the entity has reached the hop
// limit.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	if len(req.Events) != 1 {
		return sdk.Permanent(fmt.Sprintf("the turbo connector takes one event per delivery, got %d; remove digest from the route", len(req.Events)))
	}
	ev, err := readEvent(req.Events[0].Envelope)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	t, err := readTarget(req.Target, in.cfg)
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	d := &delivery{in: in, req: req, ev: ev, t: t, issue: t.issue,
		log: in.log.With("delivery_id", req.DeliveryID, "event_id", ev.id, "event_type", ev.eventType,
			"route", req.Route, "attempt", req.Attempt, "action", t.action)}
	if d.issue == "" {
		d.issue = ev.issue()
	}
	if d.issue == "" {
		return sdk.Permanent(fmt.Sprintf("a %s event names no issue; set issue on the target, such as issue: \"{{ .context.issue_id }}\"", ev.eventType))
	}
	return d.run(ctx)
}

// run applies the loop guard and only_if, then acts and records the action.
func (d *delivery) run(ctx context.Context) sdk.Result {
	now := d.in.clock.Now()
	guard, err := decodeGuard(d.req.State)
	if err != nil {
		d.log.Warn("the loop guard's stored state is unreadable; starting it afresh", "err", err)
	}
	guard.prune(now, d.in.cfg.HopWindow.Std())

	if result, stop := d.checkEcho(guard); stop {
		return result
	}
	if result, stop := d.checkCondition(now); stop {
		return result
	}
	if result, stop := d.checkHopLimit(guard); stop {
		return result
	}

	result, made := d.act(turboapi.RecordStatus(ctx, &d.status))
	if result.Outcome != sdk.OutcomeDelivered {
		return result
	}
	guard.record(d.req.Route, d.t.action, now, d.in.cfg.HopLimit)
	if made != nil {
		guard.expect(d.req.Route, made.field, made.value, now.Add(d.in.cfg.EchoWindow.Std()))
	}
	result.UpdateState, result.State = true, guard.encode()
	if result.ExternalRef == "" {
		result.ExternalRef = d.issue
	}
	return result
}

// checkEcho skips an event that reports back the change this route's own
// action made: a comment with the route's marker, or a change the guard
// expects.
func (d *delivery) checkEcho(guard *guardState) (sdk.Result, bool) {
	if commentEchoOf(d.req.Route, d.ev) {
		d.in.counts.echoes.Add(1)
		d.log.Info("loop guard: skipped the echo of this route's own comment", "issue", d.issue)
		return skip(sdk.SkipEcho, "echo of this route's own action: the comment carries the route's marker"), true
	}
	e, changed := guard.echoOf(d.req.Route, d.ev)
	if e == nil {
		if changed {
			// A superseded record was dropped; the action below stores the
			// state, and a skip further on keeps the old record harmlessly.
			d.log.Debug("loop guard: a change to an expected value came from elsewhere", "issue", d.issue)
		}
		return sdk.Result{}, false
	}
	d.in.counts.echoes.Add(1)
	d.log.Info("loop guard: skipped the echo of this route's own action", "issue", d.issue, "field", e.Field, "value", e.Value)
	result := skip(sdk.SkipEcho, fmt.Sprintf("echo of this route's own action: it set %s to %q on %s", e.Field, e.Value, d.issue))
	if changed {
		result.UpdateState, result.State = true, guard.encode()
	}
	return result, true
}

// checkCondition evaluates only_if over the entity's current state.
func (d *delivery) checkCondition(now time.Time) (sdk.Result, bool) {
	if d.t.onlyIf == "" {
		return sdk.Result{}, false
	}
	cond, err := d.in.conditions.get(d.t.onlyIf)
	if err != nil {
		return sdk.Permanent(err.Error()), true
	}
	current, known, err := d.current()
	if err != nil {
		return sdk.Permanent(err.Error()), true
	}
	if !known {
		d.in.counts.conditionFalse.Add(1)
		return skip(sdk.SkipCondition, fmt.Sprintf("only_if %s was not checked: Switchboard has stored no state of %s yet", d.t.onlyIf, d.req.EntityKey)), true
	}
	holds, err := cond.evaluate(current, d.ev.document, now)
	if err != nil {
		return sdk.Permanent(fmt.Sprintf("only_if %s failed on the state of %s: %v; guard a key that may be missing with has(), such as has(current.assignee)",
			d.t.onlyIf, d.req.EntityKey, err)), true
	}
	if !holds {
		d.in.counts.conditionFalse.Add(1)
		d.log.Info("only_if is false on the entity's current state; action skipped", "issue", d.issue, "only_if", d.t.onlyIf)
		return skip(sdk.SkipCondition, fmt.Sprintf("only_if %s is false on the current state of %s", d.t.onlyIf, d.req.EntityKey)), true
	}
	return sdk.Result{}, false
}

// current returns the state only_if reads: the one the host loaded, else,
// when the event is about the entity itself, the event's own data.current.
func (d *delivery) current() (map[string]any, bool, error) {
	if d.req.Current != nil {
		state, err := decodeObject(d.req.Current)
		if err != nil {
			return nil, false, fmt.Errorf("read the stored state of %s: %w", d.req.EntityKey, err)
		}
		return state, state != nil, nil
	}
	if d.ev.key() == d.req.EntityKey && d.ev.current != nil {
		return d.ev.current, true, nil
	}
	return nil, false, nil
}

// checkHopLimit stops an action once the entity has seen hop_limit actions
// within hop_window.
func (d *delivery) checkHopLimit(guard *guardState) (sdk.Result, bool) {
	limit, window := d.in.cfg.HopLimit, d.in.cfg.HopWindow.Std()
	if len(guard.Actions) < limit {
		return sdk.Result{}, false
	}
	d.in.counts.hopLimited.Add(1)
	routes := strings.Join(guard.routes(), ", ")
	d.log.Warn("loop guard: hop limit reached; action not taken", "issue", d.issue, "hop_limit", limit,
		"hop_window", window.String(), "by_routes", routes)
	return skip(sdk.SkipLoopLimit, fmt.Sprintf("hop limit reached: %d actions on %s within %s (routes %s); this %s was not taken. If this is no loop, raise hop_limit on connector %s",
		limit, d.req.EntityKey, window, routes, d.t.action, d.in.name)), true
}

// skip returns a skipped result of a kind that metrics count apart.
func skip(kind sdk.SkipKind, reason string) sdk.Result {
	result := sdk.Skipped(reason)
	result.SkipKind = kind
	return result
}
