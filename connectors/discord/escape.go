package discord

import "strings"

// markdownEscaper neutralises Discord markdown in user text shown in embeds,
// the same way the host escapes template values for sdk.MarkupDiscord, less
// one rule. Formatting characters get a backslash, which Discord shows as the
// bare character. The backslash itself is doubled so that text cannot undo an
// escape. "<" is escaped, so that <@id>, <#channel>, custom emoji and <t:…>
// timestamps show as text. The host also puts a zero-width space after every
// "@", because template output becomes message content, where @everyone and
// @here can ping; embeds never ping, so that rule is left out here and e-mail
// addresses in embeds stay as they are.
//
// NOTE: this copy must stay in step with escapeDiscord in core/render, which
// connectors cannot import.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`,
	"*", `\*`,
	"_", `\_`,
	"~", `\~`,
	"`", "\\`",
	"|", `\|`,
	">", `\>`,
	"#", `\#`,
	"<", `\<`,
	"[", `\[`,
	"]", `\]`,
)

// escapeMarkdown makes s show as the text it is in an embed.
func escapeMarkdown(s string) string {
	return markdownEscaper.Replace(s)
}
