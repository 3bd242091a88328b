package slack

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk/markup"
)

// escapeText makes user text literal inside mrkdwn, as markup.Slack does.
func escapeText(s string) string { return markup.Slack(s) }

// mrkdwnLink formats a link with a label. The URL's &, <, > and | are encoded,
// so it cannot end the link early or add a label; the label is escaped like
// any user text.
func mrkdwnLink(target, label string) string {
	return "<" + escapeLinkURL(target) + "|" + escapeText(label) + ">"
}

var linkURLEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C")

func escapeLinkURL(target string) string { return linkURLEscaper.Replace(target) }

// slackDate formats t with Slack's date token, which each reader sees in their
// own time zone; Slack shows fallback where it cannot format the date. format
// is a Slack date format such as "{date_short_pretty} at {time}".
func slackDate(t time.Time, format, fallback string) string {
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, escapeText(fallback))
}

// Mentions a route may ask for.
var (
	userIDPattern  = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	groupIDPattern = regexp.MustCompile(`^S[A-Z0-9]{2,20}$`)
)

// specialMentions are the broadcast mentions, by the name a route writes.
var specialMentions = map[string]string{"here": "<!here>", "channel": "<!channel>", "everyone": "<!everyone>"}

// formatMention turns one entry of a route's mentions into Slack's mention
// syntax: here, channel and everyone (with or without @ or !), a user ID such as
// U024BE7LH (with or without @), or a user group ID such as S0614TZR7 (with or
// without subteam^). Each may also be written in Slack's own syntax, such as
// <!here> or <@U024BE7LH>.
func formatMention(entry string) (string, error) {
	name := strings.TrimSpace(entry)
	if inner, ok := strings.CutPrefix(name, "<"); ok && strings.HasSuffix(inner, ">") {
		name = strings.TrimSuffix(inner, ">")
	}
	bare := strings.TrimLeft(name, "@!")
	if special, ok := specialMentions[strings.ToLower(bare)]; ok {
		return special, nil
	}
	if userIDPattern.MatchString(bare) {
		return "<@" + bare + ">", nil
	}
	if group := strings.TrimPrefix(bare, "subteam^"); groupIDPattern.MatchString(group) {
		return "<!subteam^" + group + ">", nil
	}
	return "", fmt.Errorf("unknown mention %q; use here, channel, everyone, a user ID such as U024BE7LH, or a user group ID such as S0614TZR7", entry)
}

// formatMentions formats every entry and joins them with spaces.
func formatMentions(entries []string) (string, error) {
	formatted := make([]string, 0, len(entries))
	for _, entry := range entries {
		mention, err := formatMention(entry)
		if err != nil {
			return "", err
		}
		formatted = append(formatted, mention)
	}
	return strings.Join(formatted, " "), nil
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
