package discord

import (
	"github.com/bwmarrin/discordgo"
)

// message is the message one delivery posts, before it becomes discordgo's
// request type for the webhook or the bot API.
type message struct {
	Content string
	Embeds  []*discordgo.MessageEmbed
	// Username, AvatarURL and ThreadName apply to webhooks only.
	Username   string
	AvatarURL  string
	ThreadName string
	Mentions   mentions
}

// allowedMentions returns the allowed_mentions object the message is sent
// with. It is never nil and its parse list is never nil: discordgo encodes a
// nil list as "parse": null, while "parse": [] is what suppresses every ping
// the list does not name.
func (m *message) allowedMentions() *discordgo.MessageAllowedMentions {
	allowed := &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	if m.Mentions.Everyone {
		allowed.Parse = append(allowed.Parse, discordgo.AllowedMentionTypeEveryone)
	}
	allowed.Users = m.Mentions.Users
	allowed.Roles = m.Mentions.Roles
	return allowed
}

// embeds returns the embeds as a list that is never nil, because discordgo
// encodes a nil list of the bot API as "embeds": null.
func (m *message) embeds() []*discordgo.MessageEmbed {
	if m.Embeds == nil {
		return []*discordgo.MessageEmbed{}
	}
	return m.Embeds
}

// webhookParams returns the body of an Execute Webhook request.
func (m *message) webhookParams() *discordgo.WebhookParams {
	return &discordgo.WebhookParams{
		Content:         m.Content,
		Username:        m.Username,
		AvatarURL:       m.AvatarURL,
		ThreadName:      m.ThreadName,
		Embeds:          m.Embeds,
		Components:      []discordgo.MessageComponent{},
		AllowedMentions: m.allowedMentions(),
	}
}

// messageSend returns the body of a Create Message request of the bot API.
func (m *message) messageSend() *discordgo.MessageSend {
	return &discordgo.MessageSend{
		Content:         m.Content,
		Embeds:          m.embeds(),
		Components:      []discordgo.MessageComponent{},
		StickerIDs:      []string{},
		AllowedMentions: m.allowedMentions(),
	}
}
