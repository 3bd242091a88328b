package slack

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk"
)

// postWebhook posts msg to the incoming webhook. A webhook returns "ok" and
// no ts, so its deliveries have no external reference.
func (in *instance) postWebhook(ctx context.Context, msg message) sdk.Result {
	ex := &exchange{}
	err := slack.PostWebhookCustomHTTPContext(withExchange(ctx, ex), in.cfg.WebhookURL.Reveal(), in.client, in.webhookPayload(msg))
	if err != nil {
		return classifyFailure(err, ex, describeDestination(""), "webhook_url", in.clock.Now())
	}
	return sdk.Delivered(ex.status, string(ex.body))
}

func (in *instance) webhookPayload(msg message) *slack.WebhookMessage {
	off := false
	return &slack.WebhookMessage{
		Text:        msg.Text,
		Blocks:      &slack.Blocks{BlockSet: msg.Blocks},
		Username:    in.cfg.Username,
		IconEmoji:   in.cfg.IconEmoji,
		IconURL:     in.cfg.IconURL,
		UnfurlLinks: &off,
		UnfurlMedia: &off,
	}
}

// postMessage posts msg with chat.postMessage, as a reply when the target
// threads and the entity already has a thread on the channel. The first
// message about an entity becomes its thread, stored in the entity's state.
func (in *instance) postMessage(ctx context.Context, req *sdk.DeliveryRequest, t target, msg message) sdk.Result {
	state, parent := in.thread(req, t)
	ex := &exchange{}
	channel, ts, posted, err := in.api.PostMessageWithResponseContext(withExchange(ctx, ex), t.channel, in.messageOptions(msg, parent)...)
	if err != nil {
		result := classifyFailure(err, ex, describeDestination(t.channel), "api_url", in.clock.Now())
		if parent != "" && isThreadError(err) {
			result.UpdateState, result.State = true, state.with(t.channel, "").encode()
		}
		return result
	}
	if !respondedOK(ex.body) {
		result := sdk.Permanent(`the server's response has no "ok": true; api_url must be the Web API base of Slack or of a Slack-compatible server, such as https://slack.com/api/`)
		result.StatusCode, result.Response = ex.status, sdk.Excerpt(string(ex.body))
		return result
	}

	result := sdk.Delivered(ex.status, string(ex.body))
	if ts != "" {
		result.ExternalRef = joinNonEmpty("/", channel, ts)
	}
	if in.startsThread(req, t, parent, ts, posted) {
		result.UpdateState, result.State = true, state.with(t.channel, ts).encode()
	}
	return result
}

// thread returns the entity's stored threads and the parent ts to reply to on
// the target's channel, "" when the message starts a thread or the target does
// not thread. Unreadable state is logged and replaced.
func (in *instance) thread(req *sdk.DeliveryRequest, t target) (threadState, string) {
	if !t.thread || req.EntityKey == "" {
		return threadState{}, ""
	}
	state, err := decodeState(req.State)
	if err != nil {
		in.log.Warn("stored thread state is unreadable; this message starts a new thread",
			slog.String("delivery_id", req.DeliveryID), slog.String("entity", req.EntityKey), slog.Any("err", err))
	}
	return state, state.Threads[t.channel]
}

// startsThread reports whether the posted message becomes the entity's thread
// on the channel: the first threaded message about it, or a reply that Slack
// posted on its own because the parent was deleted. Slack's response then
// carries no thread_ts.
func (in *instance) startsThread(req *sdk.DeliveryRequest, t target, parent, ts string, posted slack.Message) bool {
	if !t.thread || req.EntityKey == "" {
		return false
	}
	if ts == "" {
		in.log.Warn("the server returned no message ts, so later messages cannot reply in a thread",
			slog.String("delivery_id", req.DeliveryID))
		return false
	}
	if parent == "" {
		return true
	}
	if posted.Timestamp != "" && posted.ThreadTimestamp == "" {
		in.log.Info("the thread's parent message is gone; this message starts a new thread",
			slog.String("delivery_id", req.DeliveryID), slog.String("entity", req.EntityKey))
		return true
	}
	return false
}

func (in *instance) messageOptions(msg message, parent string) []slack.MsgOption {
	options := []slack.MsgOption{
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionBlocks(msg.Blocks...),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if parent != "" {
		options = append(options, slack.MsgOptionTS(parent))
	}
	if in.cfg.Username != "" {
		options = append(options, slack.MsgOptionUsername(in.cfg.Username))
	}
	if in.cfg.IconEmoji != "" {
		options = append(options, slack.MsgOptionIconEmoji(in.cfg.IconEmoji))
	}
	if in.cfg.IconURL != "" {
		options = append(options, slack.MsgOptionIconURL(in.cfg.IconURL))
	}
	return options
}

// respondedOK reports whether a Web API response body contains "ok": true.
// slack-go treats a response without an error code as success, even
// {"ok": false}.
func respondedOK(body []byte) bool {
	var response struct {
		OK bool `json:"ok"`
	}
	return json.Unmarshal(body, &response) == nil && response.OK
}

// isThreadError reports whether err is an error code about the thread ts.
func isThreadError(err error) bool {
	var apiErr slack.SlackErrorResponse
	return errors.As(err, &apiErr) && slackErrors[apiErr.Err].kind == kindThread
}
