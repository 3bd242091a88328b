package slackfake

import (
	"encoding/json"
	"fmt"
	"unicode/utf16"
)

// Block Kit limits the fake enforces (docs.slack.dev, "Blocks" and "Text
// object"). Lengths are counted in UTF-16 code units, the stricter of the
// readings Slack's documentation allows.
const (
	maxBlocks          = 50
	maxHeaderText      = 150
	maxTextObject      = 3000
	maxFields          = 10
	maxFieldText       = 2000
	maxContextElements = 10
	maxBlockID         = 255
	// maxBlocksText stands for the undocumented total from which Slack returns
	// msg_blocks_too_long. It was reported from about 11,000 characters.
	maxBlocksText = 12000
)

// ValidateBlocks checks a message's blocks as Slack does and returns each
// problem in Slack's words, with a JSON pointer to it. malformed is set when
// raw is not a JSON array of objects, for which Slack returns
// invalid_blocks_format.
func ValidateBlocks(raw []byte) (problems []string, malformed bool) {
	var blocks []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, true
	}
	v := &validator{ids: map[string]bool{}}
	if len(blocks) > maxBlocks {
		v.addf("/blocks", "no more than %d items allowed", maxBlocks)
	}
	for i, block := range blocks {
		v.block(fmt.Sprintf("/blocks/%d", i), block)
	}
	return v.problems, false
}

// BlocksTextLength returns the length of every text in the blocks, or 0 when
// they do not parse.
func BlocksTextLength(raw []byte) int {
	var blocks []map[string]json.RawMessage
	if json.Unmarshal(raw, &blocks) != nil {
		return 0
	}
	v := &validator{ids: map[string]bool{}}
	for i, block := range blocks {
		v.block(fmt.Sprintf("/blocks/%d", i), block)
	}
	return v.total
}

type validator struct {
	problems []string
	ids      map[string]bool
	total    int
}

func (v *validator) addf(pointer, format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...)+" [json-pointer:"+pointer+"]")
}

// textObject is a Block Kit text object.
type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func (v *validator) block(pointer string, block map[string]json.RawMessage) {
	var kind, id string
	json.Unmarshal(block["type"], &kind)
	json.Unmarshal(block["block_id"], &id)
	if id != "" {
		if len(id) > maxBlockID || v.ids[id] {
			v.addf(pointer+"/block_id", "must be unique and at most %d characters", maxBlockID)
		}
		v.ids[id] = true
	}

	switch kind {
	case "header":
		v.text(pointer+"/text", block["text"], maxHeaderText, true)
	case "section":
		v.section(pointer, block)
	case "context":
		v.context(pointer, block)
	case "divider", "image", "actions", "rich_text", "markdown", "video", "file", "input":
	default:
		v.addf(pointer+"/type", "unsupported type %q", kind)
	}
}

func (v *validator) section(pointer string, block map[string]json.RawMessage) {
	var fields []json.RawMessage
	json.Unmarshal(block["fields"], &fields)
	if block["text"] == nil && len(fields) == 0 {
		v.addf(pointer, "must provide either text or fields")
	}
	if block["text"] != nil {
		v.text(pointer+"/text", block["text"], maxTextObject, false)
	}
	if len(fields) > maxFields {
		v.addf(pointer+"/fields", "no more than %d items allowed", maxFields)
	}
	for i, field := range fields {
		v.text(fmt.Sprintf("%s/fields/%d", pointer, i), field, maxFieldText, false)
	}
}

func (v *validator) context(pointer string, block map[string]json.RawMessage) {
	var elements []json.RawMessage
	json.Unmarshal(block["elements"], &elements)
	if len(elements) == 0 || len(elements) > maxContextElements {
		v.addf(pointer+"/elements", "must have between 1 and %d items", maxContextElements)
	}
	for i, element := range elements {
		var probe textObject
		json.Unmarshal(element, &probe)
		if probe.Type == "image" {
			continue
		}
		v.text(fmt.Sprintf("%s/elements/%d", pointer, i), element, maxTextObject, false)
	}
}

// text checks a text object: its type (plain_text only where plainOnly), and
// a length from 1 to max.
func (v *validator) text(pointer string, raw json.RawMessage, max int, plainOnly bool) {
	var t textObject
	if err := json.Unmarshal(raw, &t); err != nil {
		v.addf(pointer, "must be a text object")
		return
	}
	if t.Type != "plain_text" && (plainOnly || t.Type != "mrkdwn") {
		v.addf(pointer+"/type", "must be a valid enum value")
	}
	length := len(utf16.Encode([]rune(t.Text)))
	v.total += length
	switch {
	case length == 0:
		v.addf(pointer+"/text", "must be more than 0 characters")
	case length > max:
		v.addf(pointer+"/text", "must be less than %d characters", max+1)
	}
}
