package slack

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/eventview"
)

// message is the content one delivery posts: the top-level text, which Slack
// shows in notifications and where blocks cannot be shown, and the Block Kit
// blocks. Both are mrkdwn, with every value from an event escaped.
type message struct {
	Text   string
	Blocks []slack.Block
}

// buildMessage returns the message for a delivery: the route template's output
// when there is one, else the default message of its event, or a digest of its
// events, ending with the number of messages the route's throttle suppressed.
// mentions is the formatted mentions of the route, or "". The result fits
// Slack's limits.
func buildMessage(req *sdk.DeliveryRequest, webURL, mentions string) (message, error) {
	if req.Message != "" {
		if strings.TrimSpace(req.Message) == "" {
			return message{}, fmt.Errorf("the template of route %s rendered only white space, and Slack rejects an empty message; check the template", req.Route)
		}
		return fitLimits(templateMessage(req.Message, mentions)), nil
	}
	if len(req.Events) == 0 {
		return message{}, errors.New("the delivery has no events and no message to send")
	}

	views := make([]*eventview.View, len(req.Events))
	for i, event := range req.Events {
		view, err := eventview.Parse(event.Envelope)
		if err != nil {
			return message{}, fmt.Errorf("event %s: %w", event.ID, err)
		}
		views[i] = view
	}
	var msg message
	if len(views) == 1 && req.MoreEvents() == 0 {
		msg = eventMessage(views[0], webURL, mentions)
	} else {
		msg = digestMessage(views, req.MoreEvents(), webURL, mentions)
	}
	if notice := req.SuppressedNotice(); notice != "" {
		msg.Blocks = append(msg.Blocks, contextBlock(escapeText(notice)))
	}
	return fitLimits(msg), nil
}

// templateMessage puts a route template's mrkdwn into as many sections as it
// needs, split at line breaks, and cuts what passes the total limit.
func templateMessage(text, mentions string) message {
	body := joinNonEmpty(" ", mentions, text)
	var blocks []slack.Block
	// Room stays for fitLimits' notice, so that it never drops a section.
	remaining := maxTotalText - maxNoticeLength
	for rest := body; rest != ""; {
		budget := min(maxSectionText, remaining)
		lastBlock := len(blocks) == maxBlocks-1
		var chunk string
		switch {
		case textLength(rest) <= budget:
			chunk, rest = rest, ""
		case budget < maxSectionText || lastBlock:
			chunk, rest = cutMrkdwn(rest, budget), ""
		default:
			chunk, rest = splitMrkdwn(rest, maxSectionText)
		}
		if strings.TrimSpace(chunk) != "" {
			blocks = append(blocks, mrkdwnSection(chunk))
		}
		remaining -= textLength(chunk)
	}
	return message{Text: cutMrkdwn(body, maxFallbackText), Blocks: blocks}
}

// Block constructors. Every mrkdwn text object is verbatim, so that Slack does
// not turn plain URLs and channel names in it into links.

func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func mrkdwnText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func headerBlock(s string) *slack.HeaderBlock { return slack.NewHeaderBlock(plainText(s)) }

func mrkdwnSection(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwnText(s), nil, nil)
}

func plainSection(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(plainText(s), nil, nil)
}

func fieldsSection(fields []string) *slack.SectionBlock {
	objects := make([]*slack.TextBlockObject, len(fields))
	for i, field := range fields {
		objects[i] = mrkdwnText(field)
	}
	return slack.NewSectionBlock(nil, objects, nil)
}

func contextBlock(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwnText(s))
}

// joinNonEmpty joins the parts that are not empty.
func joinNonEmpty(sep string, parts ...string) string {
	kept := parts[:0:0]
	for _, part := range parts {
		if part != "" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, sep)
}
