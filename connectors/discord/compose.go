package discord

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/eventview"
)

// compose builds the message of req for dest: the route's rendered template
// as the content, or else the default embed (one event) or digest (several),
// with the target's mentions before the content and every limit applied. Its
// errors are permanent.
func (in *instance) compose(req *sdk.DeliveryRequest, dest *destination) (*message, error) {
	msg := &message{}
	mentionList, err := in.targetMentions(req)
	if err != nil {
		return nil, err
	}
	msg.Mentions = mentionList

	if req.Message != "" {
		msg.Content = joinNonEmpty(" ", mentionList.prefix(), req.Message)
	} else {
		embed, err := in.defaultEmbed(req)
		if err != nil {
			return nil, err
		}
		msg.Embeds = []*discordgo.MessageEmbed{embed}
		msg.Content = mentionList.prefix()
	}

	if dest.webhook != nil {
		if err := in.setWebhookIdentity(msg, req); err != nil {
			return nil, err
		}
	}

	fitMessage(msg)
	if msg.Content == "" && len(msg.Embeds) == 0 {
		return nil, errors.New("the route's template rendered an empty message, which Discord rejects; check the template")
	}
	return msg, nil
}

// defaultEmbed returns the embed of one event, or a digest of several, with
// the number of messages the route's throttle suppressed in its footer.
func (in *instance) defaultEmbed(req *sdk.DeliveryRequest) (*discordgo.MessageEmbed, error) {
	views, err := eventview.ParseEvents(req.Events)
	if err != nil {
		return nil, err
	}
	embed := digestEmbed(views, req.MoreEvents(), in.webURL)
	if len(views) == 1 && req.MoreEvents() == 0 {
		embed = eventEmbed(views[0], in.webURL)
	}
	addFooterNotice(embed, req.SuppressedNotice())
	return embed, nil
}

// addFooterNotice ends the embed's footer with notice, when there is one.
func addFooterNotice(embed *discordgo.MessageEmbed, notice string) {
	switch {
	case notice == "":
	case embed.Footer == nil:
		embed.Footer = &discordgo.MessageEmbedFooter{Text: notice}
	default:
		embed.Footer.Text += " · " + notice
	}
}

// targetMentions reads the target's mentions. A literal item that is not a
// mention is an error. An item rendered from a template is left out and
// logged instead, because its value came from event data and the rest of the
// message is still worth sending.
func (in *instance) targetMentions(req *sdk.DeliveryRequest) (mentions, error) {
	fromTemplate := req.IsUntrusted(paramMentions)
	m, errs := buildMentions(req.Target.Strings(paramMentions), fromTemplate)
	if len(errs) == 0 {
		return m, nil
	}
	if !fromTemplate {
		return mentions{}, fmt.Errorf("route target mentions: %w", errors.Join(errs...))
	}
	for _, err := range errs {
		in.logger.Warn("discord mention left out", slog.String("delivery_id", req.DeliveryID),
			slog.String("route", req.Route), slog.String("err", err.Error()))
	}
	return m, nil
}

// setWebhookIdentity sets the name, avatar and forum post title of a webhook
// message: the target's values, else the connector's. A name rendered from a
// template that Discord would reject gives way to the connector's name.
func (in *instance) setWebhookIdentity(msg *message, req *sdk.DeliveryRequest) error {
	msg.Username = in.username
	msg.AvatarURL = in.avatarURL

	if name := strings.TrimSpace(req.Target.String(paramUsername)); name != "" {
		err := checkUsernameValue(name)
		switch {
		case err == nil:
			msg.Username = name
		case !req.IsUntrusted(paramUsername):
			return fmt.Errorf("route target username: %w", err)
		default:
			in.logger.Warn("discord username from template left out",
				slog.String("delivery_id", req.DeliveryID), slog.String("route", req.Route), slog.String("err", err.Error()))
		}
	}
	if avatar := strings.TrimSpace(req.Target.String(paramAvatarURL)); avatar != "" {
		if err := checkAvatarValue(avatar); err != nil {
			return fmt.Errorf("route target avatar_url: %w", err)
		}
		msg.AvatarURL = avatar
	}
	msg.ThreadName = cut(req.Target.String(paramThreadName), maxThreadName)
	return nil
}

func joinNonEmpty(separator string, parts ...string) string {
	kept := parts[:0:0]
	for _, part := range parts {
		if strings.TrimSpace(part) != "" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, separator)
}
