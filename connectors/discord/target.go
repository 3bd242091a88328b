package discord

import (
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// The target parameters.
const (
	paramWebhookURL = "webhook_url"
	paramChannelID  = "channel_id"
	paramThreadID   = "thread_id"
	paramThreadName = "thread_name"
	paramUsername   = "username"
	paramAvatarURL  = "avatar_url"
	paramMentions   = "mentions"
)

// targetParams are the parameters a route target may set.
var targetParams = []sdk.ParamSpec{
	{Name: paramWebhookURL, Description: "a webhook URL to post to instead of the connector's webhook_url; it holds the webhook's token", Kind: sdk.ParamString},
	{Name: paramChannelID, Description: "bot mode: the id of the channel to post to", Kind: sdk.ParamString},
	{Name: paramThreadID, Description: "the id of a thread to post in: in webhook mode a thread of the webhook's channel, in bot mode any thread the bot can see", Kind: sdk.ParamString},
	{Name: paramThreadName, Description: "webhook mode, forum channels: the title of a new post to create for the message", Kind: sdk.ParamString},
	{Name: paramUsername, Description: "webhook mode: the name the message shows instead of the webhook's", Kind: sdk.ParamString},
	{Name: paramAvatarURL, Description: "webhook mode: the URL of the avatar the message shows instead of the webhook's", Kind: sdk.ParamString},
	{Name: paramMentions, Description: `who the message pings: "<@USER_ID>", "<@&ROLE_ID>", "@everyone" or "@here"; nobody by default`, Kind: sdk.ParamList},
}

var _ sdk.TargetValidator = (*Connector)(nil)

// ValidateTarget rejects, at load, a target with nowhere to send, parameters
// of the other mode, and literal values of the wrong form. Templated values
// are checked when they render.
func (*Connector) ValidateTarget(raw json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	cfg, _ := parseConfig(raw)
	var diagnostics []sdk.Diagnostic

	switch {
	case target.Has(paramWebhookURL) || cfg.WebhookURL != "":
		diagnostics = append(diagnostics, checkWebhookTarget(target)...)
	case cfg.Token != "":
		diagnostics = append(diagnostics, checkBotTarget(target)...)
	default:
		diagnostics = append(diagnostics, sdk.Diagnostic{Message: "the connector has no webhook_url or token and this target sets no webhook_url; set webhook_url or token on the connector, or webhook_url on the target"})
	}

	for _, name := range []string{paramThreadID, paramChannelID} {
		if value, ok := literalString(target, name); ok && !isSnowflake(value) {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: name, Message: fmt.Sprintf("%q is not a numeric Discord id; copy the id with Discord's developer mode", value)})
		}
	}
	if value, ok := literalString(target, paramUsername); ok {
		if err := checkUsernameValue(value); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: paramUsername, Message: err.Error()})
		}
	}
	if value, ok := literalString(target, paramAvatarURL); ok {
		if err := checkAvatarValue(value); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: paramAvatarURL, Message: err.Error()})
		}
	}
	return append(diagnostics, checkLiteralMentions(target)...)
}

func checkWebhookTarget(target sdk.TargetSpec) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	if target.Has(paramChannelID) {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: paramChannelID, Message: "channel_id applies to bot mode; a webhook posts to its own channel, so remove channel_id (use thread_id to post in a thread)"})
	}
	if value, ok := literalString(target, paramWebhookURL); ok {
		if _, err := parseWebhookURL(value); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: paramWebhookURL, Message: err.Error()})
		}
	}
	return diagnostics
}

func checkBotTarget(target sdk.TargetSpec) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	if !target.Has(paramChannelID) && !target.Has(paramThreadID) {
		diagnostics = append(diagnostics, sdk.Diagnostic{Message: "the connector posts as a bot and this target names no channel; set channel_id (or thread_id) on the target"})
	}
	for _, name := range []string{paramUsername, paramAvatarURL, paramThreadName} {
		if target.Has(name) {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: name, Message: name + " applies to webhooks only; remove it, or post with webhook_url"})
		}
	}
	return diagnostics
}

func checkLiteralMentions(target sdk.TargetSpec) []sdk.Diagnostic {
	if _, literal := target.Literal[paramMentions]; !literal {
		return nil
	}
	_, errs := buildMentions(target.Literal.Strings(paramMentions), false)
	diagnostics := make([]sdk.Diagnostic, 0, len(errs))
	for _, err := range errs {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: paramMentions, Message: err.Error()})
	}
	return diagnostics
}

// literalString returns a parameter's literal value.
func literalString(target sdk.TargetSpec, name string) (string, bool) {
	if _, ok := target.Literal[name]; !ok {
		return "", false
	}
	return target.Literal.String(name), true
}
