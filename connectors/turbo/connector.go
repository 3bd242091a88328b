// Package turbo is the turbo connector: routes that act on Turbo through its
// REST API instead of only telling people. A target names an action (assign,
// comment, set_priority, set_status, add_tag, remove_tag, link_to_milestone
// or request, any API call) and its templated parameters; the issue is the
// event's own, or the one a comment belongs to, unless the target sets
// issue. Calls go to turbo.api_url with turbo.api_token.
//
// An action may state only_if, a CEL expression over the entity's current
// state as Switchboard last stored it (current), the event (event) and the
// time (now). It is checked just before the call, so a retry an hour later
// does not reassign an issue someone has taken meanwhile.
//
// Loop safety: Turbo's native payloads do not say who made a change, so each
// action records, in the connector's state of the entity, the change it
// expects Turbo to report back (field, value, route, expiry). A later
// delivery of the same route whose event reports that change is skipped as
// the echo of the route's own action; comments carry a hidden marker with the
// route's name. A hop limit (hop_limit actions per entity within hop_window,
// over all routes of the instance) stops chains in which routes react to
// each other's changes. Deliveries are ordered per issue, so an echo's delivery always runs
// after the action that caused it has recorded what it expects.
//
// An instance config looks like this:
//
//	type: turbo
//	author_name: Switchboard
//	tags: {urgent: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}
//	hop_limit: 5
//	hop_window: 10m
//	echo_window: 10m
package turbo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the Switchboard version, sent in the User-Agent header. The
// binary sets it at start, before Configure.
var Version = "dev"

// Connector is the "turbo" connector kind.
type Connector struct{}

var (
	_ sdk.Connector       = (*Connector)(nil)
	_ sdk.TargetValidator = (*Connector)(nil)
)

// New returns the turbo connector kind.
func New() *Connector { return &Connector{} }

// Info describes the connector. It asks for ordering, so that the events of
// one issue and its comments are handled in arrival order, for entity state,
// which contains the loop guard, and for the entity's current state, which
// only_if reads.
func (*Connector) Info() sdk.Info {
	return sdk.Info{
		Name:        "turbo",
		Version:     Version,
		Description: "acts on Turbo: assigns, comments, sets priority and status, tags, links to milestones, or makes any API call",
		Markup:      sdk.MarkupText,
		TargetParams: []sdk.ParamSpec{
			{Name: paramAction, Required: true, Description: "the action: " + strings.Join(actionNames, ", ")},
			{Name: paramIssue, Description: "the issue's id or key; default: the event's issue, or the issue of a comment"},
			{Name: paramOnlyIf, Description: "a CEL expression over current (the entity's state), event and now; the action is skipped when it is false"},
			{Name: paramAssignee, Description: "assign: the assignee's email"},
			{Name: paramStaffID, Description: "assign: the id of a staff member to assign instead"},
			{Name: paramContent, Description: "comment: the comment's text (Markdown)"},
			{Name: paramAuthorName, Description: "comment: the author's name; default: the connector's author_name"},
			{Name: paramAuthorType, Description: "comment: ai (default; Turbo's responders ignore it) or user"},
			{Name: paramPriority, Description: "set_priority: " + strings.Join(turboPriorities, ", ")},
			{Name: paramStatus, Description: "set_status: " + strings.Join(turboStatuses, ", ")},
			{Name: paramTag, Description: "add_tag, remove_tag: the tag's id or a name from the connector's tags"},
			{Name: paramMilestone, Description: "link_to_milestone: the milestone's id"},
			{Name: paramMethod, Description: "request: " + strings.Join(requestMethods, ", ")},
			{Name: paramPath, Description: "request: the path after turbo.api_url, such as issues/{{ .entity_id }}/reopen"},
			{Name: paramBody, Description: "request: the JSON body"},
		},
		Capabilities: sdk.Capabilities{Ordered: true, State: true, CurrentState: true, TurboAPI: true},
	}
}

// ValidateConfig checks an instance config and returns every problem found.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	_, diagnostics := parseConfig(raw)
	return diagnostics
}

// ValidateTarget checks a route target when the config loads: the action, the
// parameters it needs and accepts, the values written literally, and the
// only_if expression.
func (*Connector) ValidateTarget(raw json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	cfg, _ := parseConfig(raw)
	action, literal := target.Literal[paramAction].(string)
	switch {
	case !target.Has(paramAction):
		return []sdk.Diagnostic{{Path: paramAction, Message: "missing; set action to one of " + strings.Join(actionNames, ", ")}}
	case !literal:
		return []sdk.Diagnostic{{Path: paramAction, Message: "write the action literally, without a template, so that its parameters are checked when the config loads; use one target per action"}}
	}
	spec, ok := actionSpecs[action]
	if !ok {
		return []sdk.Diagnostic{{Path: paramAction, Message: fmt.Sprintf("unknown action %q; use one of %s", action, strings.Join(actionNames, ", "))}}
	}

	names := append(target.Literal.Names(), target.Templated...)
	diagnostics := checkAction(action, spec, names, target.Has)
	for _, name := range target.Literal.Names() {
		value, _ := target.Literal[name].(string)
		if problem := checkValue(cfg, name, value); problem != "" && name != paramOnlyIf {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: name, Message: problem})
		}
	}
	return append(diagnostics, checkOnlyIf(target)...)
}

// checkOnlyIf compiles a literal only_if; a templated one is an error, since
// an expression built from event data could not be checked at load.
func checkOnlyIf(target sdk.TargetSpec) []sdk.Diagnostic {
	if !target.Has(paramOnlyIf) {
		return nil
	}
	expr, literal := target.Literal[paramOnlyIf].(string)
	if !literal {
		return []sdk.Diagnostic{{Path: paramOnlyIf, Message: "write only_if without a template: it is a CEL expression that reads the event through its variable event"}}
	}
	if _, err := compileCondition(expr); err != nil {
		return []sdk.Diagnostic{{Path: paramOnlyIf, Message: err.Error()}}
	}
	return nil
}

// Configure builds an instance from a config that passed ValidateConfig.
func (*Connector) Configure(_ context.Context, ic sdk.InstanceConfig) (sdk.Instance, error) {
	cfg, diagnostics := parseConfig(ic.Config)
	if len(diagnostics) > 0 {
		return nil, fmt.Errorf("configure turbo connector %s: %w", ic.Name, sdk.DiagnosticsError(diagnostics))
	}
	return newInstance(cfg, ic.WithDefaults())
}
