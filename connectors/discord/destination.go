package discord

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/turbocode/switchboard/sdk"
)

// destination is the target of one delivery: a webhook, or a channel of the
// bot API.
type destination struct {
	// webhook is set in webhook mode, channelID in bot mode.
	webhook   *webhook
	channelID string
	// threadID is the thread a webhook posts in, or empty.
	threadID string
	// base replaces https://discord.com/api in discordgo's URLs.
	base *url.URL
	// client is the trusted client, or the guarded one for a webhook URL
	// rendered from a template.
	client *http.Client
	// key identifies the destination's rate-limit bucket and rejections. A
	// webhook's key holds a hash of its token, never the token.
	key string
	// queuedAlone reports whether the host gives the destination a delivery
	// queue of its own: a bot channel named by channel_id alone, or the
	// connector's webhook without a thread_id target. A result that asks for
	// a retry after a wait blocks the whole queue until then, so only such a
	// destination may wait out a rejection without holding other channels.
	queuedAlone bool
}

// threadKey identifies the webhook's thread, for rejections that concern the
// thread and not the webhook.
func (d *destination) threadKey() string {
	return d.key + " thread " + d.threadID
}

// rejectionKeys lists the keys whose rejection stops a delivery to d: its own,
// its thread's, and in bot mode the bot token's.
func (d *destination) rejectionKeys() []string {
	keys := []string{d.key}
	if d.webhook != nil && d.threadID != "" {
		keys = append(keys, d.threadKey())
	}
	if d.webhook == nil {
		keys = append(keys, botKey)
	}
	return keys
}

// describe names the destination without secrets, for previews and logs.
func (d *destination) describe() string {
	if d.webhook != nil {
		return "webhook " + d.webhook.ID
	}
	return "channel " + d.channelID
}

// destination resolves where req goes: the target's webhook_url, else the
// connector's webhook_url, else the bot API with the target's thread_id or
// channel_id. Its errors are permanent: they need a config change.
func (in *instance) destination(req *sdk.DeliveryRequest) (*destination, error) {
	if _, set := req.Target[paramWebhookURL]; set {
		return in.targetWebhook(req)
	}
	if in.webhook != nil {
		dest, err := in.webhookDestination(in.webhook, in.trusted, req)
		if err == nil {
			_, threadSet := req.Target[paramThreadID]
			dest.queuedAlone = !threadSet
		}
		return dest, err
	}
	if in.token != "" {
		return in.channelDestination(req)
	}
	return nil, fmt.Errorf("no destination: connector %s has no webhook_url or token and the route target sets no webhook_url", in.name)
}

func (in *instance) targetWebhook(req *sdk.DeliveryRequest) (*destination, error) {
	raw := req.Target.String(paramWebhookURL)
	if raw == "" {
		return nil, errors.New("the route target's webhook_url is empty; check the template that renders it")
	}
	w, err := parseWebhookURL(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid target webhook_url: %w", err)
	}
	client := in.trusted
	if req.IsUntrusted(paramWebhookURL) && !in.allowPrivate {
		client = in.guarded
	}
	return in.webhookDestination(w, client, req)
}

func (in *instance) webhookDestination(w *webhook, client *http.Client, req *sdk.DeliveryRequest) (*destination, error) {
	threadID := w.ThreadID
	if _, set := req.Target[paramThreadID]; set {
		threadID = req.Target.String(paramThreadID)
		if threadID != "" && !isSnowflake(threadID) {
			return nil, fmt.Errorf("the route target's thread_id %q is not a numeric Discord id", threadID)
		}
	}
	sum := sha256.Sum256([]byte(w.Token))
	key := "webhook " + w.Base.Host + " " + w.ID + " " + hex.EncodeToString(sum[:8])
	return &destination{webhook: w, threadID: threadID, base: w.Base, client: client, key: key}, nil
}

// channelDestination posts to the target's thread_id when set, else its
// channel_id: the bot API treats a thread as a channel.
func (in *instance) channelDestination(req *sdk.DeliveryRequest) (*destination, error) {
	name := paramThreadID
	channel := req.Target.String(paramThreadID)
	if channel == "" {
		name = paramChannelID
		channel = req.Target.String(paramChannelID)
	}
	if channel == "" {
		return nil, errors.New("no channel: the connector posts as a bot, so the route target must set channel_id (or thread_id)")
	}
	if !isSnowflake(channel) {
		return nil, fmt.Errorf("the route target's %s %q is not a numeric Discord id; copy the id with Discord's developer mode", name, channel)
	}
	return &destination{channelID: channel, base: in.apiURL, client: in.trusted, key: "channel " + in.apiURL.Host + " " + channel,
		queuedAlone: name == paramChannelID}, nil
}
