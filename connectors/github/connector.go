// Package github is the GitHub connector. It keeps the issues of mapped Turbo
// projects and the issues of GitHub repositories the same in both directions:
// title, description, state, labels, assignee and comments. It can also start
// a GitHub Actions workflow with repository_dispatch.
//
// Turbo to GitHub: issue and comment events of a mapped project create or
// edit the GitHub issue. A created issue carries the Turbo key in its title
// and, in its body, a link back and a hidden marker; before creating, the
// connector looks for an issue with that marker, so that a create whose response
// was lost is never repeated. Later events edit only the fields whose value
// differs from the one last synced.
//
// GitHub to Turbo: ingest stores GitHub's webhooks as github.* events; routed
// to this connector, issues and issue_comment events of linked issues update
// Turbo through its REST API (turbo.api_url, turbo.api_token).
//
// The link of a Turbo issue and a GitHub issue is the entity state of the
// Turbo issue, stored with the GitHub issue as an alias, with each field's
// last synced value (as hashes) and GitHub's updated_at. A change is not sent
// back when it was made by the connector's own account, carries the
// connector's marker, equals the value last synced, or is a value the sync
// wrote into Turbo lately; a GitHub change older than the last synced one is
// dropped. Each field has an owner: both sides,
// Turbo only or GitHub only.
//
// An instance config looks like this:
//
//	type: github
//	token: ${GITHUB_TOKEN}
//	webhook_secret: ${GITHUB_WEBHOOK_SECRET}
//	projects: {"6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f": acme/web}
//	assignees: {"dev@example.com": octocat}
//	ownership: {description: turbo}
//
// A route target may set action (sync, the default, or repository_dispatch),
// event_type (the dispatch's event type) and repository (owner/repo; by
// default the repository of the event's project).
package github

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the Switchboard version, sent in the User-Agent header. The
// binary sets it at start, before Configure.
var Version = "dev"

// Connector is the "github" connector kind.
type Connector struct{}

var (
	_ sdk.Connector       = (*Connector)(nil)
	_ sdk.TargetValidator = (*Connector)(nil)
	_ sdk.TurboAPIUser    = (*Connector)(nil)
)

// New returns the github connector kind.
func New() *Connector { return &Connector{} }

// Target parameters and actions.
const (
	paramAction     = "action"
	paramEventType  = "event_type"
	paramRepository = "repository"

	actionSync     = "sync"
	actionDispatch = "repository_dispatch"
)

// Info describes the connector. It requests ordering, so that the events of
// one issue (and its comments) are applied in arrival order, and for entity
// state, which holds the link.
func (*Connector) Info() sdk.Info {
	return sdk.Info{
		Name:        "github",
		Version:     Version,
		Description: "syncs Turbo issues with GitHub issues both ways, and starts workflows with repository_dispatch",
		SecretPaths: []string{"token", "webhook_secret"},
		Markup:      sdk.MarkupText,
		TargetParams: []sdk.ParamSpec{
			{Name: paramAction, Description: "sync (default) or repository_dispatch"},
			{Name: paramEventType, Description: "the repository_dispatch event type a workflow listens for, such as run-tests"},
			{Name: paramRepository, Description: "owner/repo of a repository_dispatch; default: the repository of the event's project"},
		},
		DestinationParams: []string{paramRepository},
		Capabilities:      sdk.Capabilities{Ordered: true, State: true},
	}
}

// ValidateConfig checks an instance config and returns every problem found.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	_, diagnostics := parseConfig(raw)
	return diagnostics
}

// UsesTurboAPI reports that an instance writes GitHub's changes into Turbo
// through its API, unless direction is turbo_to_github.
func (*Connector) UsesTurboAPI(raw json.RawMessage) (bool, string) {
	cfg, _ := parseConfig(raw)
	if cfg.Direction == directionToGH {
		return false, ""
	}
	return true, "set direction: turbo_to_github on the github connector to sync Turbo's changes to GitHub only"
}

// ValidateTarget checks a route target's action and its parameters.
func (*Connector) ValidateTarget(_ json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	action, _ := target.Literal[paramAction].(string)
	if action == "" && !slices.Contains(target.Templated, paramAction) {
		action = actionSync
	}
	switch {
	case action == actionDispatch && !target.Has(paramEventType):
		return []sdk.Diagnostic{{Path: paramEventType, Message: "missing; repository_dispatch needs the event type a workflow listens for, such as event_type: run-tests"}}
	case action != "" && action != actionSync && action != actionDispatch:
		return []sdk.Diagnostic{{Path: paramAction, Message: fmt.Sprintf("unknown action %q; use sync or repository_dispatch", action)}}
	case action == actionSync && (target.Has(paramEventType) || target.Has(paramRepository)):
		return []sdk.Diagnostic{{Message: "event_type and repository apply to action: repository_dispatch; sync follows the connector's projects"}}
	}
	return nil
}

// Configure builds an instance from a config that passed ValidateConfig.
func (*Connector) Configure(_ context.Context, ic sdk.InstanceConfig) (sdk.Instance, error) {
	cfg, diagnostics := parseConfig(ic.Config)
	if len(diagnostics) > 0 {
		return nil, fmt.Errorf("configure github connector %s: %w", ic.Name, sdk.DiagnosticsError(diagnostics))
	}
	return newInstance(cfg, ic.WithDefaults())
}
