package admin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxReasonLength bounds a reason an operator gives, in characters.
const maxReasonLength = 500

// operatorText validates free text that an operator sends in the body key or
// form field named field and that Switchboard stores or logs, such as a pause
// or cancel reason. The text may have at most limit characters and no control
// characters. It must not contain the admin token, because the token would
// then show in the audit log, the log and the store. It returns the text with
// surrounding space trimmed.
func (s *server) operatorText(field, text string, limit int) (string, error) {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > limit {
		return "", invalid(field, "%s is longer than %d characters", field, limit)
	}
	for _, r := range text {
		if !unicode.IsPrint(r) {
			return "", invalid(field, "%s contains a control character such as a line break; write it on one line", field)
		}
	}
	if s.token.within(text) {
		return "", invalid(field, "%s contains the admin token; leave the token out, because %s is stored and shown in the audit log", field, field)
	}
	return text, nil
}

// cut returns text cut to at most limit bytes at a rune boundary, marked
// with an ellipsis when it was longer.
func cut(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	end := limit
	for end > 0 && !utf8.RuneStart(text[end]) {
		end--
	}
	return text[:end] + "…"
}
