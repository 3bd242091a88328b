package teamstest

import (
	"encoding/json"
	"fmt"
	"net/url"
)

// elementTypes are the Adaptive Card elements the fake accepts in a body:
// those of schema version 1.5 and earlier that a notification card uses.
var elementTypes = map[string]bool{
	"TextBlock": true, "RichTextBlock": true, "Container": true, "ColumnSet": true, "Column": true,
	"FactSet": true, "Image": true, "ImageSet": true, "ActionSet": true, "Table": true,
}

// actionTypes are the actions a card posted by a workflow may carry.
var actionTypes = map[string]bool{"Action.OpenUrl": true, "Action.ShowCard": true, "Action.ToggleVisibility": true}

// postCard checks a message as the workflow's "post card" step would, and
// returns the first attachment's card and why posting failed ("" when it
// succeeded).
func postCard(body []byte) (map[string]any, string) {
	if len(body) > MaxMessageBytes {
		return nil, fmt.Sprintf("Request Entity too large: the message is %d bytes, over the limit of about %d", len(body), MaxMessageBytes)
	}
	var msg map[string]any
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, "the request body is not a JSON object"
	}
	attachments, ok := msg["attachments"].([]any)
	if !ok || len(attachments) == 0 {
		return nil, "The execution of template action 'Send_each_adaptive_card' failed: the result of the evaluation of 'foreach' expression '@triggerOutputs()?['body']?['attachments']' is of type 'Null'"
	}

	var first map[string]any
	for i, item := range attachments {
		attachment, _ := item.(map[string]any)
		content, err := checkAttachment(attachment)
		if err != "" {
			return nil, fmt.Sprintf("attachments[%d]: %s", i, err)
		}
		if i == 0 {
			first = content
		}
	}
	return first, ""
}

func checkAttachment(attachment map[string]any) (map[string]any, string) {
	if attachment["contentType"] != "application/vnd.microsoft.card.adaptive" {
		return nil, fmt.Sprintf("contentType is %v; Workflows posts only application/vnd.microsoft.card.adaptive", attachment["contentType"])
	}
	content, ok := attachment["content"].(map[string]any)
	if !ok {
		return nil, "content is not an object"
	}
	if content["type"] != "AdaptiveCard" {
		return nil, fmt.Sprintf("content.type is %v, want AdaptiveCard", content["type"])
	}
	if _, ok := content["version"].(string); !ok {
		return nil, "content.version is missing; an Adaptive Card must name its schema version"
	}
	if err := checkElements(content["body"], "content.body"); err != "" {
		return nil, err
	}
	return content, checkActions(content["actions"], "content.actions")
}

// checkElements checks a list of card elements and their children.
func checkElements(value any, path string) string {
	if value == nil {
		return ""
	}
	items, ok := value.([]any)
	if !ok {
		return path + " is not a list"
	}
	for i, item := range items {
		if err := checkElement(item, fmt.Sprintf("%s[%d]", path, i)); err != "" {
			return err
		}
	}
	return ""
}

func checkElement(item any, path string) string {
	element, ok := item.(map[string]any)
	if !ok {
		return path + " is not an object"
	}
	kind, _ := element["type"].(string)
	if !elementTypes[kind] {
		return fmt.Sprintf("%s has the unknown element type %q", path, kind)
	}

	switch kind {
	case "TextBlock":
		if _, ok := element["text"].(string); !ok {
			return path + ".text is missing"
		}
	case "RichTextBlock":
		return checkInlines(element["inlines"], path+".inlines")
	case "Container", "Column":
		if err := checkSelectAction(element["selectAction"], path+".selectAction"); err != "" {
			return err
		}
		return checkElements(element["items"], path+".items")
	case "ColumnSet":
		return checkElements(element["columns"], path+".columns")
	}
	return ""
}

func checkInlines(value any, path string) string {
	inlines, ok := value.([]any)
	if !ok {
		return path + " is not a list"
	}
	for i, item := range inlines {
		if _, ok := item.(string); ok {
			continue
		}
		inline, _ := item.(map[string]any)
		if inline["type"] != "TextRun" {
			return fmt.Sprintf("%s[%d] is not a TextRun", path, i)
		}
		if _, ok := inline["text"].(string); !ok {
			return fmt.Sprintf("%s[%d].text is missing", path, i)
		}
	}
	return ""
}

func checkActions(value any, path string) string {
	if value == nil {
		return ""
	}
	actions, ok := value.([]any)
	if !ok {
		return path + " is not a list"
	}
	for i, item := range actions {
		if err := checkSelectAction(item, fmt.Sprintf("%s[%d]", path, i)); err != "" {
			return err
		}
	}
	return ""
}

func checkSelectAction(value any, path string) string {
	if value == nil {
		return ""
	}
	action, _ := value.(map[string]any)
	kind, _ := action["type"].(string)
	if !actionTypes[kind] {
		return fmt.Sprintf("%s has the unknown action type %q", path, kind)
	}
	if kind == "Action.OpenUrl" {
		raw, _ := action["url"].(string)
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Sprintf("%s.url %q is not an absolute http or https URL", path, raw)
		}
	}
	return ""
}
