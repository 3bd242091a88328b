package route

import (
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk"
)

// Planned is one delivery that a matched route requests: one target of the
// route, with its parameters rendered for the event.
type Planned struct {
	Route     string
	Connector string
	// Params are the target's rendered parameters; nil when Err is set.
	Params sdk.Params
	// Untrusted names the parameters rendered from templates that are not
	// literal, so their values may come from event data. A list's templated
	// items follow its name as name[index], such as to[1]. Callers must not
	// modify it.
	Untrusted []string
	// Destination identifies where the delivery goes: the connector name, then
	// "|" and the rendered value of each of the connector's DestinationParams.
	// It is the bare connector name when Err is set.
	Destination string
	// OrderingKey is Connector + "|" + EntityKey for a connector that declares
	// Capabilities.Ordered, and "" otherwise or when the event has no entity.
	OrderingKey string
	EntityKey   string
	// Flow holds the route's digest, throttle and quiet options for this
	// delivery; nil when the route sets none.
	Flow *Flow
	// Err is set when a parameter failed to render. The delivery cannot be
	// attempted and is recorded as dead with this reason.
	Err error
}

// Decision is the outcome of one route for one event, for
// `switchboard routes test`.
type Decision struct {
	Route   string
	Matched bool
	// Reason explains in plain words why the route did not match; it is ""
	// when the route matched.
	Reason string
	// Targets are the deliveries a matched route plans.
	Targets []Planned
}

// Evaluate returns the deliveries that the routes plan for in, in file order,
// ending after the first matched route with `stop: true`. A route whose `if:`
// fails at run time does not match. EvaluateWithErrors returns those errors
// as well, for the caller to log.
func (t *Table) Evaluate(in *event.Incoming) []Planned {
	planned, _ := t.evaluate(in, false)
	return planned
}

// EvaluateWithErrors is Evaluate that also returns the routes that did not
// match because their `if:` failed at run time (such as a missing map key) or
// because the event body could not be parsed.
func (t *Table) EvaluateWithErrors(in *event.Incoming) ([]Planned, []*RouteError) {
	return t.evaluate(in, true)
}

// RouteError is a route that could not be evaluated for an event.
type RouteError struct {
	Route string
	Err   error
}

// Error formats the problem as `route "NAME": if: MESSAGE`.
func (e *RouteError) Error() string {
	return fmt.Sprintf("route %q: %v", e.Route, e.Err)
}

// Unwrap returns the evaluation error.
func (e *RouteError) Unwrap() error {
	return e.Err
}

func (t *Table) evaluate(in *event.Incoming, collectErrors bool) ([]Planned, []*RouteError) {
	ev := newEvaluation(in)
	var planned []Planned
	var errs []*RouteError

	for _, c := range t.index.candidates(in.Envelope.EventType) {
		if in.Envelope.Derived && !c.exact && !c.route.derived {
			continue
		}
		matched, cause := ev.check(c.route)
		if !matched {
			if collectErrors && cause.failed() {
				errs = append(errs, &RouteError{Route: c.route.name, Err: cause.error()})
			}
			continue
		}

		planned = append(planned, ev.plan(c.route)...)
		if c.route.stop {
			break
		}
	}
	return planned, errs
}

// Explain returns one Decision per route, in file order, saying whether it
// matched in and why not. It evaluates every route, so use Evaluate to route.
func (t *Table) Explain(in *event.Incoming) []Decision {
	ev := newEvaluation(in)
	decisions := make([]Decision, 0, len(t.routes))
	stoppedBy := ""

	for _, r := range t.routes {
		decision := Decision{Route: r.name}
		if stoppedBy != "" {
			decision.Reason = fmt.Sprintf("not evaluated: route %q matched earlier with stop: true", stoppedBy)
		} else {
			decision.Matched, decision.Reason = ev.explain(r)
		}

		if decision.Matched {
			decision.Targets = ev.plan(r)
			if r.stop {
				stoppedBy = r.name
			}
		}
		decisions = append(decisions, decision)
	}
	return decisions
}

// evaluation is the state of routing one event: its document and its CEL
// variables, each built once, when a route first needs it.
type evaluation struct {
	in     *event.Incoming
	doc    map[string]any
	docErr error
	parsed bool

	vars *eventVariables
}

func newEvaluation(in *event.Incoming) *evaluation {
	return &evaluation{in: in}
}

func (ev *evaluation) document() (map[string]any, error) {
	if !ev.parsed {
		ev.doc, ev.docErr = ev.in.Doc()
		if ev.docErr != nil {
			ev.docErr = fmt.Errorf("parse the body of event %s: %w", ev.in.Envelope.EventID, ev.docErr)
		}
		ev.parsed = true
	}
	return ev.doc, ev.docErr
}

func (ev *evaluation) variables() (*eventVariables, error) {
	if ev.vars == nil {
		doc, err := ev.document()
		if err != nil {
			return nil, err
		}
		ev.vars = newEventVariables(ev.in.Envelope, doc)
	}
	return ev.vars, nil
}

// explain checks every condition of r, the event type included, and returns
// why r did not match.
func (ev *evaluation) explain(r *route) (bool, string) {
	env := ev.in.Envelope
	matched, exact := r.matchType(env.EventType)
	if !matched {
		return false, fmt.Sprintf("event type %s does not match events [%s]", env.EventType, strings.Join(r.events, " "))
	}
	if env.Derived && !exact && !r.derived {
		return false, fmt.Sprintf("derived event %s needs derived: true or its exact name", env.EventType)
	}

	ok, cause := ev.check(r)
	if !ok {
		return false, cause.String()
	}
	return true, ""
}

// mismatch is the cause of a route's where or if not holding. It is formatted
// only when Explain needs the text, so that Evaluate does not pay for it.
type mismatch struct {
	matcher *matcher
	value   any
	present bool
	bodyErr error // the event body could not be parsed
	ifErr   error // if failed at run time
	isFalse bool  // if evaluated to false
}

// failed reports that the route could not be evaluated, as opposed to not
// matching.
func (m mismatch) failed() bool {
	return m.bodyErr != nil || m.ifErr != nil
}

// error returns the evaluation error, prefixed like String.
func (m mismatch) error() error {
	if m.bodyErr != nil {
		return m.bodyErr
	}
	return fmt.Errorf("if: %w", m.ifErr)
}

func (m mismatch) String() string {
	switch {
	case m.matcher != nil:
		return m.matcher.describeMismatch(m.value, m.present)
	case m.bodyErr != nil:
		return m.bodyErr.Error()
	case m.isFalse:
		return "if: evaluated to false"
	case m.ifErr != nil:
		return "if: " + m.ifErr.Error()
	default:
		return ""
	}
}

// check evaluates the where matchers and the if condition of r.
func (ev *evaluation) check(r *route) (bool, mismatch) {
	if len(r.where) > 0 {
		doc, err := ev.document()
		if err != nil {
			return false, mismatch{bodyErr: err}
		}
		for _, m := range r.where {
			if value, present, ok := m.match(doc); !ok {
				return false, mismatch{matcher: m, value: value, present: present}
			}
		}
	}

	if r.condition == nil {
		return true, mismatch{}
	}
	vars, err := ev.variables()
	if err != nil {
		return false, mismatch{bodyErr: err}
	}
	matched, err := r.condition.evaluate(vars)
	switch {
	case err != nil:
		return false, mismatch{ifErr: err}
	case !matched:
		return false, mismatch{isFalse: true}
	}
	return true, mismatch{}
}
