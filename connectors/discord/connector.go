// Package discord is the Discord connector: it posts a message per delivery
// to a channel, through a webhook or as a bot, with github.com/bwmarrin/discordgo.
//
// Without a route template, each event becomes an embed: what happened, the
// entity's key and title linking to Turbo, its text, its status, priority and
// other fields, a colour by priority, and a footer with the project and the
// actor. A route template becomes the message's text instead. Every text is
// cut to Discord's limits before sending, user text is escaped so that it
// cannot format or ping, and allowed_mentions lets only the target's mentions
// ping.
//
// An instance config looks like one of these:
//
//	type: discord
//	webhook_url: ${DISCORD_WEBHOOK_URL}   # https://discord.com/api/webhooks/<id>/<token>
//	username: Turbo                       # optional: the name messages show
//	avatar_url: https://turbo.example.com/logo.png
//
//	type: discord
//	token: ${DISCORD_BOT_TOKEN}           # a bot token; targets set channel_id
//
// A route target may set channel_id (bot mode), thread_id, webhook_url,
// username, avatar_url, thread_name and mentions. A webhook_url rendered from
// a template goes through the network guard unless the connector sets
// allow_private.
package discord

import (
	"context"
	"encoding/json"

	"github.com/turbocode/switchboard/sdk"
)

// Version is the Switchboard version sent in the User-Agent header. The binary
// sets it at start, before Configure.
var Version = "dev"

// defaultRateLimit paces deliveries to one webhook or channel.
//
// NOTE: an estimate. Discord publishes no fixed numbers: its headers have
// shown buckets of 5 requests per 2 seconds for a webhook, and Discord is
// widely reported to allow about 30 messages a minute per channel. A burst of
// 5 then one every 2 seconds stays within both. The connector's rate_limit
// key overrides it.
var defaultRateLimit = sdk.RateLimit{PerSecond: 0.5, Burst: 5}

// Connector is the "discord" connector kind.
type Connector struct{}

var _ sdk.Connector = (*Connector)(nil)

// New returns the discord connector kind.
func New() *Connector { return &Connector{} }

// Info describes the connector to the host.
func (*Connector) Info() sdk.Info {
	rateLimit := defaultRateLimit
	return sdk.Info{
		Name:              "discord",
		Version:           Version,
		Description:       "posts messages to Discord channels through a webhook or as a bot",
		SecretPaths:       []string{"webhook_url", "token"},
		Markup:            sdk.MarkupDiscord,
		TargetParams:      targetParams,
		DestinationParams: []string{paramWebhookURL, paramChannelID},
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
		return nil, sdk.DiagnosticsError(diagnostics)
	}
	return newInstance(cfg, ic.WithDefaults())
}
