package discord

import (
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// maxDigestLine bounds one event's line in a digest, so that a long title
// does not crowd out the other events.
const maxDigestLine = 200

// priorityRank orders priorities for a digest's colour: the highest wins.
var priorityRank = map[string]int{"low": 1, "medium": 2, "high": 3, "critical": 4}

// digestEmbed builds one embed that lists several events, one line each, as
// many as fit in the description. more counts the digest's events that views
// leaves out (past the route's max_items). When any event is not listed it
// ends with "… and N more" linking to Turbo, so the message never exceeds a
// limit.
func digestEmbed(views []*eventview.View, more int, webURL string) *discordgo.MessageEmbed {
	embed := &discordgo.MessageEmbed{
		Author: &discordgo.MessageEmbedAuthor{Name: "Turbo digest"},
		Title:  fmt.Sprintf("%d events", len(views)+more),
		URL:    eventview.AbsoluteURL(webURL),
		Color:  fallbackColor,
	}

	var latest time.Time
	highest := 0
	lines := make([]string, 0, len(views))
	for _, v := range views {
		lines = append(lines, digestLine(v, webURL))
		if rank := priorityRank[strings.ToLower(v.Priority)]; rank > highest {
			highest = rank
			embed.Color = priorityColor(v.Priority)
		}
		if v.Time.After(latest) {
			latest = v.Time
		}
	}
	if !latest.IsZero() {
		embed.Timestamp = latest.UTC().Format(time.RFC3339)
	}
	embed.Description = fitLines(lines, more, maxDescription, func(left int) string {
		return moreLine(left, webURL)
	})
	return embed
}

// digestLine is one event in a digest: "• [TURBO-42 Login fails](link) ·
// Issue created · dev@example.com". The words after the label are cut so that
// the line stays within maxDigestLine. The label and its link stay whole, so a
// line with a long link may be longer.
func digestLine(v *eventview.View, webURL string) string {
	label := escapeMarkdown(cut(eventview.Capitalize(v.Label()), maxDigestLine/2))
	if link := eventview.AbsoluteURL(v.PageLink(webURL)); link != "" {
		label = "[" + label + "](" + markdownURL(link) + ")"
	}
	line := "• " + label

	words := []string{escapeMarkdown(eventview.Capitalize(v.What()))}
	if actor := v.Actor(); actor != "" {
		words = append(words, escapeMarkdown(actor))
	}
	const separator = " · "
	room := maxDigestLine - textLength(line) - textLength(separator)
	if rest := cut(strings.Join(words, separator), room); rest != "" {
		line += separator + rest
	}
	return line
}

// fitLines joins as many lines as fit in limit, in order. extra counts the
// items that have no line. When any item is left out, the last line is
// more(number left out), and room is kept for it.
func fitLines(lines []string, extra, limit int, more func(int) string) string {
	var b strings.Builder
	used := 0
	for i, line := range lines {
		n := textLength(line) + 1 // the newline before the next line
		rest := len(lines) - i - 1 + extra
		reserve := 0
		if rest > 0 {
			reserve = textLength(more(rest)) + 1
		}
		if used+n+reserve > limit {
			b.WriteString(more(len(lines) - i + extra))
			return b.String()
		}
		b.WriteString(line)
		if rest > 0 {
			b.WriteString("\n")
		}
		used += n
	}
	if extra > 0 {
		b.WriteString(more(extra))
	}
	return b.String()
}

// moreLine is the last line of a digest that left events out: their number,
// linking to Turbo.
func moreLine(n int, webURL string) string {
	text := fmt.Sprintf("… and %d more", n)
	if link := eventview.AbsoluteURL(webURL); link != "" {
		return "[" + text + " in Turbo](" + markdownURL(link) + ")"
	}
	return text
}

// markdownURL percent-encodes the characters that would end a markdown link
// early.
var markdownURLEscaper = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E")

func markdownURL(link string) string {
	return markdownURLEscaper.Replace(link)
}
