package render

import (
	"fmt"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

// funcMap returns the helpers of templates escaped for markup. Every helper that
// turns a value into text returns a plain string, so its result is escaped;
// only json (for the json markup) returns Safe.
func (e *Engine) funcMap(markup sdk.Markup) template.FuncMap {
	return template.FuncMap{
		escapeFunc:       valueEscaper(markup),
		"truncate":       truncate,
		"default":        defaultValue,
		"date":           e.date,
		"upper":          upper,
		"lower":          lower,
		"title":          title,
		"join":           join,
		"json":           jsonHelper(markup),
		"link":           e.linkHelper(markup),
		"priority_color": priorityColor,
		"priority_emoji": priorityEmoji,
		"changes":        changes,
	}
}

// truncate shortens value to at most length runes, cutting at a rune boundary.
// A cut value ends in "…", which counts toward length.
//
//	{{ truncate 80 .data.current.title }}
func truncate(length int, value any) (string, error) {
	if length < 1 {
		return "", helperErrorf("truncate", "length %d is invalid; use 1 or more", length)
	}

	text := formatValue(value)
	if utf8.RuneCountInString(text) <= length {
		return text, nil
	}
	runes := []rune(text)
	return string(runes[:length-1]) + "…", nil
}

// defaultValue returns value unless it is empty (nil, a missing key, "", an
// empty list or map), and fallback otherwise. false and 0 are values, not
// empty.
//
//	{{ .data.current.assignee | default "nobody" }}
func defaultValue(fallback, value any) any {
	switch v := value.(type) {
	case nil:
		return fallback
	case string:
		if v == "" {
			return fallback
		}
	case Safe:
		if v == "" {
			return fallback
		}
	case []any:
		if len(v) == 0 {
			return fallback
		}
	case map[string]any:
		if len(v) == 0 {
			return fallback
		}
	}
	return value
}

// dateLayouts are the layout names the date helper accepts besides Go layouts.
var dateLayouts = map[string]string{
	"date":     "2006-01-02",
	"datetime": "2006-01-02 15:04 MST",
	"rfc3339":  time.RFC3339,
}

// date formats an RFC 3339 timestamp in the engine's time zone. layout is a Go
// layout ("Jan 2, 2006") or one of "date" (2006-01-02), "datetime"
// (2006-01-02 15:04 MST) and "rfc3339". nil and "" give "".
//
//	{{ date "date" .data.current.due_date }}
func (e *Engine) date(layout string, value any) (string, error) {
	if named, ok := dateLayouts[layout]; ok {
		layout = named
	}

	var t time.Time
	switch v := value.(type) {
	case nil:
		return "", nil
	case time.Time:
		t = v
	case string:
		if v == "" {
			return "", nil
		}
		parsed, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return "", helperErrorf("date", "%q is not an RFC 3339 timestamp such as 2026-12-01T16:03:10Z", v)
		}
		t = parsed
	default:
		return "", helperErrorf("date", "got %T %v, want an RFC 3339 timestamp string", value, value)
	}
	return t.In(e.opts.Location).Format(layout), nil
}

// upper returns value in upper case.
func upper(value any) string {
	return strings.ToUpper(formatValue(value))
}

// lower returns value in lower case.
func lower(value any) string {
	return strings.ToLower(formatValue(value))
}

// title upper-cases the first letter of each space-separated word of value and
// leaves the other letters as they are: "login fails" gives "Login Fails".
func title(value any) string {
	text := formatValue(value)
	var b strings.Builder
	b.Grow(len(text))

	wordStart := true
	for _, r := range text {
		if wordStart {
			r = unicode.ToTitle(r)
		}
		b.WriteRune(r)
		wordStart = unicode.IsSpace(r)
	}
	return b.String()
}

// join formats the items of list and joins them with sep. A nil list gives "";
// a single string is returned as it is.
//
//	{{ join ", " .data.changes }}
func join(sep string, list any) (string, error) {
	switch v := list.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case []string:
		return strings.Join(v, sep), nil
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = formatValue(item)
		}
		return strings.Join(items, sep), nil
	default:
		return "", helperErrorf("join", "got %T, want a list such as .data.changes", list)
	}
}

// jsonHelper returns the json helper for markup, which encodes a value as
// compact JSON. With the json markup the result is Safe, so that a JSON template
// can embed whole objects (`"data": {{ json .data }}`). With any other markup
// it is escaped like any value.
func jsonHelper(markup sdk.Markup) func(any) (any, error) {
	return func(value any) (any, error) {
		text, err := compactJSON(value)
		if err != nil {
			return nil, helperErrorf("json", "failed to encode %T: %v", value, err)
		}
		if markup == sdk.MarkupJSON {
			return Safe(text), nil
		}
		return text, nil
	}
}

// priorityColors and priorityEmojis map Turbo's priorities to a hex colour and
// an emoji; other values get the fallback entry.
var (
	priorityColors = map[string]string{"critical": "#D92D20", "high": "#F79009", "medium": "#2E90FA", "low": "#98A2B3"}
	priorityEmojis = map[string]string{"critical": "🔴", "high": "🟠", "medium": "🔵", "low": "⚪"}
)

const (
	fallbackPriorityColor = "#667085"
	fallbackPriorityEmoji = "⚫"
)

// priorityColor returns the colour of a priority, such as "#D92D20" for
// critical. Written without an argument it reads data.current.priority of the
// event.
//
//	{{ priority_color }}  {{ priority_color .data.previous.priority }}
func priorityColor(value any) string {
	if color, ok := priorityColors[priorityOf(value)]; ok {
		return color
	}
	return fallbackPriorityColor
}

// priorityEmoji returns the emoji of a priority, such as "🔴" for critical.
// Written without an argument it reads data.current.priority of the event.
func priorityEmoji(value any) string {
	if emoji, ok := priorityEmojis[priorityOf(value)]; ok {
		return emoji
	}
	return fallbackPriorityEmoji
}

// priorityOf returns value as a priority name; for an event document it
// returns data.current.priority.
func priorityOf(value any) string {
	if doc, ok := value.(map[string]any); ok {
		value = lookup(doc, "data", "current", "priority")
	}
	return strings.ToLower(fmt.Sprint(value))
}

// lookup returns the value at the path of keys in doc, nil when a key is
// missing or a step is not an object.
func lookup(doc map[string]any, keys ...string) any {
	var value any = doc
	for _, key := range keys {
		object, ok := value.(map[string]any)
		if !ok {
			return nil
		}
		value = object[key]
	}
	return value
}
