package slack

import (
	"fmt"

	"github.com/slack-go/slack"
)

// fitLimits makes msg fit Slack's limits, so that no request fails on them. It
// cuts each text to its object's limit and keeps at most 10 fields per section
// and 10 elements per context. It drops the blocks past the 50th or past the
// total text limit, and ends with a notice of how many it dropped.
func fitLimits(msg message) message {
	blocks := make([]slack.Block, 0, min(len(msg.Blocks), maxBlocks))
	total := 0
	for i, block := range msg.Blocks {
		fitBlock(block)
		size := blockTextLength(block)
		remaining := len(msg.Blocks) - i
		roomForNotice := total+size+maxNoticeLength <= maxTotalText && len(blocks) < maxBlocks-1
		fitsAsLast := remaining == 1 && total+size <= maxTotalText && len(blocks) < maxBlocks
		if !roomForNotice && !fitsAsLast {
			blocks = append(blocks, droppedNotice(remaining))
			break
		}
		blocks = append(blocks, block)
		total += size
	}
	msg.Blocks = blocks
	msg.Text = cutMrkdwn(msg.Text, maxFallbackText)
	return msg
}

// maxNoticeLength is the room kept for droppedNotice's text.
const maxNoticeLength = 80

func droppedNotice(n int) slack.Block {
	return contextBlock(fmt.Sprintf("… %d more blocks cut to fit Slack's limits", n))
}

// fitBlock cuts the texts of one block to their limits, in place.
func fitBlock(block slack.Block) {
	switch b := block.(type) {
	case *slack.HeaderBlock:
		fitText(b.Text, maxHeaderText)
	case *slack.SectionBlock:
		fitText(b.Text, maxSectionText)
		if len(b.Fields) > maxFields {
			b.Fields = b.Fields[:maxFields]
		}
		for _, field := range b.Fields {
			fitText(field, maxFieldText)
		}
	case *slack.ContextBlock:
		if len(b.ContextElements.Elements) > maxContextElements {
			b.ContextElements.Elements = b.ContextElements.Elements[:maxContextElements]
		}
		for _, element := range b.ContextElements.Elements {
			if text, ok := element.(*slack.TextBlockObject); ok {
				fitText(text, maxSectionText)
			}
		}
	}
}

func fitText(text *slack.TextBlockObject, max int) {
	if text == nil {
		return
	}
	if text.Type == slack.MarkdownType {
		text.Text = cutMrkdwn(text.Text, max)
		return
	}
	text.Text = cutPlain(text.Text, max)
}

// blockTextLength returns the length of every text in block.
func blockTextLength(block slack.Block) int {
	length := func(text *slack.TextBlockObject) int {
		if text == nil {
			return 0
		}
		return textLength(text.Text)
	}
	n := 0
	switch b := block.(type) {
	case *slack.HeaderBlock:
		n = length(b.Text)
	case *slack.SectionBlock:
		n = length(b.Text)
		for _, field := range b.Fields {
			n += length(field)
		}
	case *slack.ContextBlock:
		for _, element := range b.ContextElements.Elements {
			if text, ok := element.(*slack.TextBlockObject); ok {
				n += length(text)
			}
		}
	}
	return n
}
