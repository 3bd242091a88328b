package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"
)

// silentLogLevel is below discordgo's lowest level, LogError, so that the
// library logs nothing through the standard log package: its messages would
// bypass the connector's logger, and some would show a webhook URL.
const silentLogLevel = discordgo.LogError - 1

// send posts msg to dest with discordgo and returns what came back. Each call
// has its own discordgo session, so that no bucket lock or pre-emptive wait of
// discordgo's rate limiter, neither of which ctx can interrupt, is shared
// between deliveries. The session's own retries are off: the host schedules
// every retry.
func (in *instance) send(ctx context.Context, dest *destination, msg *message) (*exchange, error) {
	ex := &exchange{base: dest.base}
	ctx = withExchange(ctx, ex)

	authorization := ""
	if dest.webhook == nil {
		authorization = "Bot " + in.token
	}
	session, err := discordgo.New(authorization)
	if err != nil {
		return ex, err
	}
	session.Client = dest.client
	session.UserAgent = userAgent()
	session.ShouldRetryOnRateLimit = false
	session.MaxRestRetries = 0
	session.LogLevel = silentLogLevel

	options := []discordgo.RequestOption{
		discordgo.WithContext(ctx),
		discordgo.WithRetryOnRatelimit(false),
		discordgo.WithRestRetries(0),
	}
	if dest.webhook != nil {
		_, err = session.WebhookThreadExecute(dest.webhook.ID, dest.webhook.Token, true, dest.threadID, msg.webhookParams(), options...)
	} else {
		_, err = session.ChannelMessageSendComplex(dest.channelID, msg.messageSend(), options...)
	}
	return ex, retarget(err, ex)
}

// userAgent follows Discord's required form, "DiscordBot (URL, version)".
func userAgent() string {
	return "DiscordBot (https://github.com/turbocode/switchboard, " + Version + ") Switchboard"
}
