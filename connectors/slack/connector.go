// Package slack is the Slack connector: it posts one Block Kit message per
// delivery, either with a bot token through chat.postMessage or through an
// incoming webhook. With no route template it sends a default message for the
// event's entity: a header, fields, a context line and a notification text.
// With a template it sends the template's mrkdwn. Replies about one issue can
// go into a thread whose parent ts is kept in the entity's state.
//
// An instance config looks like this:
//
//	type: slack
//	token: ${SLACK_BOT_TOKEN}          # a bot token (xoxb-...), or instead:
//	# webhook_url: ${SLACK_WEBHOOK_URL}
//	api_url: https://slack.com/api/    # default; for Slack-compatible servers
//	channel: "#turbo"                  # default channel for targets without one
//	thread: true                       # replies in one thread per issue (token only)
//	username: Turbo                    # needs the chat:write.customize scope
//	icon_emoji: ":turbo:"              # or icon_url
//
// A route target may set channel, thread ("true" or "false") and mentions (a
// list written in the route, never a template). Every value an event supplies
// is escaped, so user text cannot mention, link or format.
package slack

import (
	"context"
	"encoding/json"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the Switchboard version, shown by the host and sent in the
// User-Agent header ("Switchboard/<Version>"). The binary sets it at start,
// before Configure.
var Version = "dev"

// Connector is the "slack" connector kind.
type Connector struct{}

var _ sdk.Connector = (*Connector)(nil)

// New returns the slack connector kind.
func New() *Connector { return &Connector{} }

// Target parameters.
const (
	paramChannel  = "channel"
	paramThread   = "thread"
	paramMentions = "mentions"
)

// defaultRateLimit paces each channel at one message a second with no burst:
// Slack allows chat.postMessage about one message per second per channel, and
// incoming webhooks about one per second (docs.slack.dev, "Rate limits").
var defaultRateLimit = sdk.RateLimit{PerSecond: 1, Burst: 1}

// Info describes the connector to the host. It requests ordering and entity
// state, so that the first message about an issue is posted and its ts stored
// before any reply is attempted.
func (*Connector) Info() sdk.Info {
	rateLimit := defaultRateLimit
	return sdk.Info{
		Name:        "slack",
		Version:     Version,
		Description: "posts Block Kit messages to Slack with a bot token (chat.postMessage) or an incoming webhook",
		SecretPaths: []string{"token", "webhook_url"},
		Markup:      sdk.MarkupSlack,
		TargetParams: []sdk.ParamSpec{
			{Name: paramChannel, Description: "channel name (#urgent) or ID (C0123456789); token mode only", Kind: sdk.ParamString},
			{Name: paramThread, Description: `"true" to reply in one thread per issue, "false" to post each message on its own; token mode only`, Kind: sdk.ParamString},
			{Name: paramMentions, Description: "who to notify: here, channel, everyone, user IDs (U0123ABCD) or user group IDs (S0123ABCD)", Kind: sdk.ParamList},
		},
		DestinationParams: []string{paramChannel},
		Capabilities:      sdk.Capabilities{Ordered: true, State: true, RateLimit: &rateLimit},
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
		return nil, sdk.DiagnosticsError(diagnostics)
	}
	return newInstance(cfg, ic.WithDefaults()), nil
}
