package teams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// The Adaptive Card a message carries. The connector writes schema version
// 1.4: every element it uses exists since 1.2, and Teams renders cards up to
// version 1.5.
const (
	cardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
	cardVersion     = "1.4"
	cardContentType = "application/vnd.microsoft.card.adaptive"
)

// message is the body of a request to a Workflows webhook: a message whose
// attachments hold one Adaptive Card. The workflow template "Post to a
// channel when a webhook request is received" posts each attachment's card.
type message struct {
	Type        string       `json:"type"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ContentType string `json:"contentType"`
	// ContentURL is always null; the card is inline.
	ContentURL *string `json:"contentUrl"`
	// Content is a *card, or the JSON a route template rendered.
	Content any `json:"content"`
}

// newMessage wraps content, a card, in a message.
func newMessage(content any) *message {
	return &message{Type: "message", Attachments: []attachment{{ContentType: cardContentType, Content: content}}}
}

// card is an Adaptive Card.
type card struct {
	Schema  string `json:"$schema"`
	Type    string `json:"type"`
	Version string `json:"version"`
	// FallbackText is the text a client shows when it cannot render the card.
	FallbackText string   `json:"fallbackText,omitempty"`
	MSTeams      *msTeams `json:"msteams,omitempty"`
	Body         []any    `json:"body"`
	Actions      []any    `json:"actions,omitempty"`
}

// msTeams holds Teams' own card properties.
type msTeams struct {
	// Width "Full" lets the card use the whole width of the channel.
	Width string `json:"width"`
}

func newCard(fallback string, body []any, actions []any) *card {
	return &card{Schema: cardSchema, Type: "AdaptiveCard", Version: cardVersion, FallbackText: withoutControls(fallback),
		MSTeams: &msTeams{Width: "Full"}, Body: body, Actions: actions}
}

// textBlock is a TextBlock. Teams reads its text as Markdown, so the
// connector writes only its own words in one, never event data.
type textBlock struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Size     string `json:"size,omitempty"`
	Weight   string `json:"weight,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Wrap     bool   `json:"wrap"`
	Spacing  string `json:"spacing,omitempty"`
}

// richText is a RichTextBlock. Its TextRuns show their text as written,
// without Markdown, so event data goes in them.
type richText struct {
	Type    string    `json:"type"`
	Inlines []textRun `json:"inlines"`
	Spacing string    `json:"spacing,omitempty"`
}

type textRun struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Size     string `json:"size,omitempty"`
	Weight   string `json:"weight,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
}

// container groups elements, with a style that colours its background.
type container struct {
	Type      string `json:"type"`
	Style     string `json:"style,omitempty"`
	Bleed     bool   `json:"bleed,omitempty"`
	Separator bool   `json:"separator,omitempty"`
	Spacing   string `json:"spacing,omitempty"`
	Items     []any  `json:"items"`
	// SelectAction runs when the container is selected.
	SelectAction *openURL `json:"selectAction,omitempty"`
}

// openURL is an Action.OpenUrl button.
type openURL struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

func run(text string) textRun { return textRun{Type: "TextRun", Text: text} }

func boldRun(text string) textRun { return textRun{Type: "TextRun", Text: text, Weight: "Bolder"} }

// withoutControls removes the control characters other than tab and newline,
// which Teams cannot show and JSON encodes in six bytes each.
func withoutControls(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

// rich is a RichTextBlock of runs, with control characters removed from their
// texts.
func rich(runs ...textRun) richText {
	for i := range runs {
		runs[i].Text = withoutControls(runs[i].Text)
	}
	return richText{Type: "RichTextBlock", Inlines: runs}
}

// labelled is a line "Label: value" with the label in bold.
func labelled(label, value string) richText {
	line := rich(boldRun(label+": "), run(value))
	line.Spacing = "None"
	return line
}

// encode marshals a message without escaping <, > and &, which Teams shows
// as written, so that the size counted is the size sent.
func encode(value any) ([]byte, error) {
	var b bytes.Buffer
	encoder := json.NewEncoder(&b)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, fmt.Errorf("encode the message: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
