package teams

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// minTextRunes is the length below which the fitter does not cut a text,
// because a shorter text is no longer worth reading. The fitter drops
// elements instead.
const minTextRunes = 200

// fitReport lists what fitting a message changed, for the log.
type fitReport struct {
	// CutTexts counts the texts that were shortened, DroppedItems the body
	// elements removed from the end of the card.
	CutTexts     int
	DroppedItems int
	// Minimal is set when the full card did not fit and the minimal one
	// was sent instead.
	Minimal bool
}

// changed reports whether fitting changed the message.
func (r fitReport) changed() bool { return r.CutTexts > 0 || r.DroppedItems > 0 || r.Minimal }

// errTooLarge is returned when no cutting makes the message fit.
var errTooLarge = errors.New("the card does not fit even with its texts cut and every element after the first removed")

// fitMessage returns body, an encoded message, within budget bytes. It first
// shortens the longest texts of the card, down to minTextRunes each, then
// removes elements from the end of the card's body, keeping the first, and
// adds a line that counts the elements left out. Elements are kept whole, so
// the card stays valid.
func fitMessage(body []byte, budget int) ([]byte, fitReport, error) {
	var report fitReport
	if len(body) <= budget {
		return body, report, nil
	}

	var msg map[string]any
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, report, fmt.Errorf("decode the message to fit it: %w", err)
	}
	content, ok := cardOf(msg)
	if !ok {
		return nil, report, errors.New("the message has no card to fit")
	}

	size, err := encodedSize(msg)
	if err != nil {
		return nil, report, err
	}
	if size, report.CutTexts, err = cutTexts(msg, content, size, budget); err != nil {
		return nil, report, err
	}
	if size > budget {
		if size, report.DroppedItems, err = dropItems(msg, content, size, budget); err != nil {
			return nil, report, err
		}
	}
	if size > budget {
		return nil, report, errTooLarge
	}

	fitted, err := encode(msg)
	return fitted, report, err
}

// cardOf returns the card of the message's first attachment.
func cardOf(msg map[string]any) (map[string]any, bool) {
	attachments, _ := msg["attachments"].([]any)
	if len(attachments) == 0 {
		return nil, false
	}
	first, _ := attachments[0].(map[string]any)
	content, ok := first["content"].(map[string]any)
	return content, ok
}

// textField is a "text" member of an object in the card.
type textField struct {
	object map[string]any
}

func (f textField) get() string  { s, _ := f.object["text"].(string); return s }
func (f textField) set(s string) { f.object["text"] = s }

// cutTexts shortens the longest text of the card, again and again, until
// the message fits or every text is at most minTextRunes long. It returns
// the new size and the number of texts it cut.
func cutTexts(msg, content map[string]any, size, budget int) (int, int, error) {
	fields := collectTexts(content["body"], nil)
	cut := map[int]bool{}

	// Each round shortens one text by at least one rune or stops, so the
	// rounds end. The bound only guards against a mistake in that reasoning.
	for round := 0; size > budget && round < 8*len(fields)+8; round++ {
		longest, runes := -1, 0
		for i, f := range fields {
			if n := utf8.RuneCountInString(f.get()); n > runes {
				longest, runes = i, n
			}
		}
		if longest < 0 || runes <= minTextRunes {
			break
		}

		// Removing excess runes removes at least excess bytes.
		keep := max(runes-(size-budget), minTextRunes)
		fields[longest].set(eventview.Truncate(fields[longest].get(), keep))
		cut[longest] = true

		var err error
		if size, err = encodedSize(msg); err != nil {
			return 0, 0, err
		}
	}
	return size, len(cut), nil
}

// collectTexts appends every string "text" member of the objects under value.
func collectTexts(value any, fields []textField) []textField {
	switch v := value.(type) {
	case map[string]any:
		if _, ok := v["text"].(string); ok {
			fields = append(fields, textField{v})
		}
		for _, member := range v {
			fields = collectTexts(member, fields)
		}
	case []any:
		for _, item := range v {
			fields = collectTexts(item, fields)
		}
	}
	return fields
}

// dropItems removes elements from the end of the card's body, never the
// first, and ends the body with a line that counts them, until the message
// fits. It returns the new size and the number of elements removed.
func dropItems(msg, content map[string]any, size, budget int) (int, int, error) {
	body, _ := content["body"].([]any)
	kept := len(body)
	var err error
	for size > budget && kept > 1 {
		kept--
		content["body"] = append(body[:kept:kept], omittedNotice(len(body)-kept))
		if size, err = encodedSize(msg); err != nil {
			return 0, 0, err
		}
	}
	return size, len(body) - kept, nil
}

// omittedNotice is the last line of a card that was cut to fit.
func omittedNotice(omitted int) map[string]any {
	parts := "parts"
	if omitted == 1 {
		parts = "part"
	}
	return map[string]any{
		"type": "TextBlock", "wrap": true, "isSubtle": true, "size": "Small",
		"text": fmt.Sprintf("%d %s of this message left out to fit Teams' size limit.", omitted, parts),
	}
}

func encodedSize(msg map[string]any) (int, error) {
	body, err := encode(msg)
	return len(body), err
}
