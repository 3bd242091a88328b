package slack

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.TargetValidator = (*Connector)(nil)

// ValidateTarget rejects, at load, a target the instance cannot serve. That is
// a channel or thread on a webhook instance, a token instance target with no
// channel anywhere, or an invalid literal channel, thread or mention. Mentions
// rendered from a template are rejected too, because event data could then
// ping people.
func (*Connector) ValidateTarget(raw json.RawMessage, spec sdk.TargetSpec) []sdk.Diagnostic {
	cfg, _ := parseConfig(raw)
	var diagnostics []sdk.Diagnostic
	add := func(path string, err error) {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: path, Message: err.Error()})
	}

	if err := checkTargetChannel(cfg, spec); err != nil {
		path := paramChannel
		if !spec.Has(paramChannel) {
			path = ""
		}
		add(path, err)
	}
	if literal, ok := spec.Literal[paramThread]; ok {
		if _, err := threadFlag(cfg, fmt.Sprint(literal)); err != nil {
			add(paramThread, err)
		}
	}
	if spec.Has(paramMentions) {
		if _, err := targetMentions(spec.Literal, !isLiteral(spec, paramMentions)); err != nil {
			add(paramMentions, err)
		}
	}
	return diagnostics
}

func isLiteral(spec sdk.TargetSpec, param string) bool {
	_, ok := spec.Literal[param]
	return ok
}

func checkTargetChannel(cfg config, spec sdk.TargetSpec) error {
	if cfg.webhookMode() {
		if spec.Has(paramChannel) {
			return errWebhookChannel
		}
		return nil
	}
	if !spec.Has(paramChannel) {
		if cfg.Channel == "" {
			return errors.New(`the target sets no channel and the connector has no default channel; set channel: "#urgent" (a name, or an ID such as C0123456789)`)
		}
		return nil
	}
	if literal, ok := spec.Literal[paramChannel]; ok {
		return checkChannel(fmt.Sprint(literal))
	}
	return nil
}

var errWebhookChannel = errors.New("this connector posts through an incoming webhook, whose channel is fixed when the webhook is created; " +
	"remove channel from the target, or give the connector a token to choose channels per route")

// threadFlag reads a target's thread value: "true", "false", or "" for the
// connector's own setting.
func threadFlag(cfg config, value string) (bool, error) {
	var thread bool
	switch value {
	case "":
		thread = cfg.Thread
	case "true":
		thread = true
	case "false":
		thread = false
	default:
		return false, fmt.Errorf("invalid thread value %q; use \"true\" or \"false\"", value)
	}
	if thread && cfg.webhookMode() {
		return false, errors.New("threads need token mode: Slack's incoming webhooks return no message ts, so replies cannot find their thread; remove thread, or give the connector a token")
	}
	return thread, nil
}

// targetMentions formats a target's mentions. Mentions that a template
// rendered are rejected, so that only what the route writes can ping people.
func targetMentions(params sdk.Params, templated bool) (string, error) {
	if templated {
		return "", errors.New("mentions must be written out in the route, not rendered from a template, so that event data can never ping people")
	}
	return formatMentions(params.Strings(paramMentions))
}

// target is a delivery's route target, resolved against the instance.
type target struct {
	// channel is the channel to post to; empty in webhook mode.
	channel string
	// thread is set when later messages about an entity reply to its first.
	thread bool
	// mentions is the formatted mentions, or "".
	mentions string
}

// resolveTarget reads the delivery's target parameters. Its errors are
// permanent: the target cannot work until the route changes.
func resolveTarget(cfg config, req *sdk.DeliveryRequest) (target, error) {
	var t target
	var err error
	if t.thread, err = threadFlag(cfg, req.Target.String(paramThread)); err != nil {
		return target{}, err
	}
	if _, set := req.Target[paramMentions]; set {
		if t.mentions, err = targetMentions(req.Target, req.IsUntrusted(paramMentions)); err != nil {
			return target{}, err
		}
	}

	_, set := req.Target[paramChannel]
	if cfg.webhookMode() {
		if set {
			return target{}, errWebhookChannel
		}
		return t, nil
	}

	// A channel that rendered empty falls back to the connector's channel.
	t.channel = req.Target.String(paramChannel)
	if t.channel == "" {
		t.channel = cfg.Channel
	}
	if t.channel == "" {
		return target{}, errors.New(`no channel to post to: the target's channel is empty and the connector has no default channel; set channel on the target or the connector`)
	}
	if err := checkChannel(t.channel); err != nil {
		return target{}, fmt.Errorf("target channel: %w", err)
	}
	return t, nil
}
