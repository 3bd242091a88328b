package teams

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/eventview"
)

// minimalTitleRunes bounds the title of the card sent when the full card
// cannot be cut to fit: 60 runes are at most 360 bytes of JSON.
const minimalTitleRunes = 60

// compose returns the JSON body of req's message within the instance's size
// limit: the route template's card when the route has one, else the default
// card of the event or the digest of several. Its errors are permanent.
func (in *instance) compose(req *sdk.DeliveryRequest) ([]byte, fitReport, error) {
	if req.Message != "" {
		return in.composeTemplate(req.Message)
	}

	views, err := eventview.ParseEvents(req.Events)
	if err != nil {
		return nil, fitReport{}, err
	}
	var c *card
	if len(views) == 1 {
		c = eventCard(views[0], in.webURL)
	} else {
		c = digestCard(views, in.webURL)
	}

	body, report, err := in.fit(newMessage(c))
	for _, withLink := range []bool{true, false} {
		if !errors.Is(err, errTooLarge) {
			break
		}
		body, _, err = in.fit(newMessage(minimalCard(views, in.webURL, withLink)))
		report.Minimal = true
	}
	return body, report, err
}

// composeTemplate reads a route template's output, an Adaptive Card or a
// whole message, and fits it.
func (in *instance) composeTemplate(rendered string) ([]byte, fitReport, error) {
	var object map[string]any
	if err := json.Unmarshal([]byte(rendered), &object); err != nil {
		return nil, fitReport{}, fmt.Errorf("the route template did not render JSON (%v); it must render an Adaptive Card object, {\"type\": \"AdaptiveCard\", ...}", err)
	}

	var msg any
	switch object["type"] {
	case "AdaptiveCard":
		if _, ok := object["version"]; !ok {
			object["version"] = cardVersion
		}
		msg = newMessage(object)
	case "message":
		if _, ok := cardOf(object); !ok {
			return nil, fitReport{}, errors.New(`the route template rendered a message without an Adaptive Card in attachments[0].content; render the card alone, {"type": "AdaptiveCard", ...}`)
		}
		msg = object
	default:
		return nil, fitReport{}, fmt.Errorf(`the route template rendered an object of type %q; it must render an Adaptive Card, {"type": "AdaptiveCard", ...}`, fmt.Sprint(object["type"]))
	}

	body, report, err := in.fit(msg)
	if errors.Is(err, errTooLarge) {
		return nil, report, fmt.Errorf("the route template's card is larger than max_message_bytes (%d) even with its texts cut and its body reduced to the first element; shorten the template", in.maxBytes)
	}
	return body, report, err
}

// fit encodes msg and fits it within the instance's size limit.
func (in *instance) fit(msg any) ([]byte, fitReport, error) {
	body, err := encode(msg)
	if err != nil {
		return nil, fitReport{}, err
	}
	return fitMessage(body, in.maxBytes)
}

// minimalCard is the card sent when the full one does not fit: the title of
// the event, or the number of events, and with withLink the link to Turbo,
// which may be long because it holds the entity's key.
func minimalCard(views []*eventview.View, webURL string, withLink bool) *card {
	title := fmt.Sprintf("%d events", len(views))
	var actions []any
	if len(views) == 1 {
		title = eventview.Truncate(eventview.Capitalize(views[0].What())+": "+views[0].Label(), minimalTitleRunes)
		if link := eventview.AbsoluteURL(views[0].Link(webURL)); link != "" && withLink {
			actions = append(actions, openURL{Type: "Action.OpenUrl", Title: "Open in Turbo", URL: link})
		}
	}
	body := []any{
		rich(textRun{Type: "TextRun", Text: title, Size: "Large", Weight: "Bolder"}),
		textBlock{Type: "TextBlock", Text: "The details of this message were left out to fit Teams' size limit.", IsSubtle: true, Wrap: true},
	}
	return newCard("", body, actions)
}
