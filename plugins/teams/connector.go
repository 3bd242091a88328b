// Package teams is a Switchboard connector, shipped as the example plugin
// switchboard-connector-teams, that posts Adaptive Cards to Microsoft Teams
// through a Workflows webhook: the URL of a Power Automate workflow that
// starts with "When a Teams webhook request is received", which Microsoft
// offers in place of the retiring Office 365 connectors.
//
// Without a route template, each event becomes a card with what happened, the
// entity's key and title, its text and fields, and a button that opens it in
// Turbo; a digest lists its events. A route template renders the card itself
// as JSON. Event data goes only into TextRuns, which Teams shows without
// Markdown, and every message is cut to fit Teams' size limit before it is
// sent.
//
// An instance config looks like this:
//
//	type: plugin
//	plugin: teams
//	webhook_url: ${TEAMS_WEBHOOK_URL}   # the workflow trigger's HTTP POST URL; a secret
//	max_message_bytes: 20000            # optional; at most 28000
//
// A route target may set webhook_url to post elsewhere. One rendered from a
// template goes through the network guard unless the connector sets
// allow_private.
package teams

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the plugin's version, reported to the host and sent in the
// User-Agent header. The build sets it with -ldflags "-X ...teams.Version=".
var Version = "0.1.0"

// defaultRateLimit paces deliveries to one webhook host. Teams throttles an
// incoming webhook that receives more than four requests in one second, and
// a bucket of one token refilled three times a second allows at most four in
// any second.
var defaultRateLimit = sdk.RateLimit{PerSecond: 3, Burst: 1}

// paramWebhookURL is the target parameter that overrides the webhook.
const paramWebhookURL = "webhook_url"

// Connector is the "teams" connector kind.
type Connector struct{}

var (
	_ sdk.Connector       = (*Connector)(nil)
	_ sdk.TargetValidator = (*Connector)(nil)
)

// New returns the teams connector kind.
func New() *Connector { return &Connector{} }

// Info describes the connector to the host.
func (*Connector) Info() sdk.Info {
	rateLimit := defaultRateLimit
	return sdk.Info{
		Name:         "teams",
		Version:      Version,
		Description:  "posts Adaptive Cards to Microsoft Teams through a Workflows webhook",
		ConfigSchema: configSchema,
		SecretPaths:  []string{"webhook_url"},
		Markup:       sdk.MarkupJSON,
		TargetParams: []sdk.ParamSpec{{Name: paramWebhookURL, Kind: sdk.ParamString,
			Description: "a Workflows webhook URL to post to instead of the connector's webhook_url; it holds the webhook's signature"}},
		DestinationParams: []string{paramWebhookURL},
		Capabilities:      sdk.Capabilities{RateLimit: &rateLimit},
	}
}

// ValidateConfig checks an instance config and returns every problem found.
func (*Connector) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	_, diagnostics := parseConfig(raw)
	return diagnostics
}

// Configure builds an instance from a config that passed ValidateConfig.
func (*Connector) Configure(_ context.Context, ic sdk.InstanceConfig) (sdk.Instance, error) {
	cfg, diagnostics := parseConfig(ic.Config)
	if len(diagnostics) > 0 {
		return nil, fmt.Errorf("configure teams connector %s: %w", ic.Name, sdk.DiagnosticsError(diagnostics))
	}
	return newInstance(cfg, ic.WithDefaults())
}

// ValidateTarget rejects, at load, a target with nowhere to send and a
// literal webhook_url that is not a URL. A templated one is checked when it
// renders.
func (*Connector) ValidateTarget(raw json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	cfg, _ := parseConfig(raw)
	if !target.Has(paramWebhookURL) {
		if cfg.WebhookURL == "" {
			return []sdk.Diagnostic{{Message: "the connector has no webhook_url and this target sets none; set webhook_url on the connector or on the target"}}
		}
		return nil
	}
	if _, literal := target.Literal[paramWebhookURL]; !literal {
		return nil
	}
	if _, err := parseWebhookURL(target.Literal.String(paramWebhookURL)); err != nil {
		return []sdk.Diagnostic{{Path: paramWebhookURL, Message: err.Error()}}
	}
	return nil
}

// configSchema is the JSON Schema of an instance config, which the host
// checks before ValidateConfig.
var configSchema = json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "webhook_url": {
      "type": "string",
      "description": "The HTTP POST URL of a Power Automate workflow that starts with \"When a Teams webhook request is received\". It is a secret."
    },
    "max_message_bytes": {
      "type": "integer",
      "minimum": 1024,
      "maximum": 28000,
      "default": 20000,
      "description": "The largest JSON body sent, in bytes; larger cards are cut to fit."
    }
  }
}`)
