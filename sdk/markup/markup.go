// Package markup makes user text literal inside a chat platform's markup, so
// that a title or a comment cannot mention, link or format. The host's
// template escaping and the connectors' default messages use the same
// functions.
package markup

import (
	"strings"
	"unicode"
)

// Slack's mrkdwn has no escape character for its formatting marks, so Slack
// replaces each mark that could open or close a span with a look-alike
// character. Slack applies *, _ and ~ only at word boundaries, so "snake_case"
// shows as it is, and a mark between two letters or digits is kept. That is
// observed behaviour, described in the jsx-slack project's notes on escaping.
// A backtick is always replaced, because inline code has no such rule.
var lookalikes = map[rune]rune{
	'*': '∗', // U+2217 ASTERISK OPERATOR
	'_': 'ˍ', // U+02CD MODIFIER LETTER LOW MACRON
	'~': '∼', // U+223C TILDE OPERATOR
	'`': 'ˋ', // U+02CB MODIFIER LETTER GRAVE ACCENT
}

// softHyphen is invisible; put before a line's leading "&gt;", it keeps Slack
// from showing the line as a block quote.
const softHyphen = "\u00ad"

// Slack makes user text literal inside mrkdwn: &, < and > become entities, so
// the text cannot form a link or a mention such as <!channel>; formatting marks
// become look-alikes, and a line that starts with > gets a soft hyphen before
// it, so the text cannot format. Plain @here is not a mention without
// link_names, which Switchboard never sets.
func Slack(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	runes := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	lineStart := true

	for i, r := range runes {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			if lineStart {
				b.WriteString(softHyphen)
			}
			b.WriteString("&gt;")
		case isFormattingMark(r) && !insideWord(runes, i):
			b.WriteRune(lookalikes[r])
		default:
			b.WriteRune(r)
		}
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
	}
	return b.String()
}

func isFormattingMark(r rune) bool {
	_, ok := lookalikes[r]
	return ok
}

// insideWord reports whether the mark at i has a letter or digit on both
// sides; a backtick never counts as inside a word.
func insideWord(runes []rune, i int) bool {
	if runes[i] == '`' || i == 0 || i == len(runes)-1 {
		return false
	}
	return isWordRune(runes[i-1]) && isWordRune(runes[i+1])
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// discordMarks are Discord markdown's formatting characters. Each gets a
// backslash, which Discord shows as the bare character; the backslash itself is
// doubled so that text cannot undo an escape. "<" is escaped, so that <@id>,
// <#channel>, custom emoji and <t:…> timestamps show as text.
var discordMarks = []string{
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
}

var (
	discordEmbedEscaper   = strings.NewReplacer(discordMarks...)
	discordContentEscaper = strings.NewReplacer(append(append([]string(nil), discordMarks...), "@", "@\u200b")...)
)

// Discord makes user text literal in a Discord message's content: markdown
// marks are escaped, and every "@" is followed by a zero-width space, which
// stops @everyone, @here, <@id>, <@!id> and <@&id> from pinging.
func Discord(s string) string { return discordContentEscaper.Replace(s) }

// DiscordEmbed makes user text literal inside an embed. Embeds never ping, so
// "@" is left as it is and e-mail addresses stay readable.
func DiscordEmbed(s string) string { return discordEmbedEscaper.Replace(s) }
