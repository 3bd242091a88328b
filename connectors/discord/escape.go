package discord

import "github.com/turbocode/switchboard/sdk/markup"

// escapeMarkdown makes s show as the text it is in an embed.
func escapeMarkdown(s string) string { return markup.DiscordEmbed(s) }
