package slack

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// digestReserve is the text kept free for the header and the closing line.
const digestReserve = 400

// digestMessage lists several events, one line each, in as many sections as
// Slack's limits allow. more counts the digest's events that views leaves out
// (past the route's max_items). When any event is not listed, it ends with
// "and N more" and a link to Turbo instead of a request Slack would reject.
func digestMessage(views []*eventview.View, more int, webURL, mentions string) message {
	total := fmt.Sprintf("%d Turbo events", len(views)+more)
	blocks := []slack.Block{headerBlock(total)}
	budget := maxTotalText - digestReserve
	// Three blocks stay free: the header, the closing line and the notice of
	// suppressed messages that buildMessage may add.
	maxSections := maxBlocks - 3

	section := mentions
	listed := 0
	for _, v := range views {
		line := digestLine(v, webURL)
		next := joinNonEmpty("\n", section, line)
		if textLength(next) <= maxSectionText && textLength(next) <= budget {
			section, listed = next, listed+1
			continue
		}
		if section == "" || len(blocks)-1 >= maxSections-1 || textLength(line) > budget-textLength(section) {
			break
		}
		blocks = append(blocks, mrkdwnSection(section))
		budget -= textLength(section)
		section, listed = line, listed+1
	}
	if section != "" {
		blocks = append(blocks, mrkdwnSection(section))
	}
	if rest := len(views) - listed + more; rest > 0 {
		blocks = append(blocks, contextBlock(andMore(rest, webURL)))
	}
	return message{Text: joinNonEmpty(" ", mentions, total), Blocks: blocks}
}

// digestLine is "• TURBO-42 Login fails · Issue created by dev@example.com",
// with the headline linked to Turbo.
func digestLine(v *eventview.View, webURL string) string {
	title := eventview.Truncate(headline(v), maxHeaderText)
	name := escapeText(title)
	if link := v.PageLink(webURL); webURL != "" && link != "" {
		name = mrkdwnLink(link, title)
	}
	line := "• " + name + " · " + escapeText(whatHappened(v))
	if actor := v.Actor(); actor != "" {
		line += " by " + escapeText(actor)
	}
	return strings.ReplaceAll(line, "\n", " ")
}

func andMore(n int, webURL string) string {
	text := fmt.Sprintf("… and %d more", n)
	if webURL == "" {
		return text
	}
	return text + " · " + mrkdwnLink(strings.TrimSuffix(webURL, "/"), "Open Turbo")
}
