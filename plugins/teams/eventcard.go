package teams

import (
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// Rune limits of single texts, so that one long description does not take
// the whole message. The message as a whole is fitted afterwards.
const (
	maxTitleRunes = 300
	maxTextRunes  = 3000
	maxValueRunes = 300
)

// priorityStyles colour a card's header by priority, with the container
// styles of Adaptive Cards.
var priorityStyles = map[string]string{
	"critical": "attention",
	"high":     "warning",
	"medium":   "accent",
	"low":      "default",
}

// eventCard builds the card of one event: a header coloured by priority with
// what happened and the entity's key and title, the changes of fields that
// have no line of their own, the comment or the new entity's description,
// the entity's fields, a footer with the project, the actor and the time,
// and a button that opens the entity in Turbo.
func eventCard(v *eventview.View, webURL string) *card {
	header := container{Type: "Container", Style: priorityStyle(v.Priority), Bleed: true, Items: []any{
		rich(textRun{Type: "TextRun", Text: eventview.Capitalize(v.What()), Size: "Small", Weight: "Bolder", IsSubtle: true}),
		rich(textRun{Type: "TextRun", Text: eventview.Truncate(eventview.Capitalize(v.Label()), maxTitleRunes), Size: "Large", Weight: "Bolder"}),
	}}

	body := []any{header}
	body = append(body, changeLines(v)...)
	if text := eventText(v); text != "" {
		body = append(body, rich(run(eventview.Truncate(text, maxTextRunes))))
	}
	body = append(body, fieldLines(v)...)
	if line := footer(v); line != "" {
		body = append(body, rich(textRun{Type: "TextRun", Text: line, Size: "Small", IsSubtle: true}))
	}

	var actions []any
	if link := eventview.AbsoluteURL(v.Link(webURL)); link != "" {
		actions = append(actions, openURL{Type: "Action.OpenUrl", Title: "Open in Turbo", URL: link})
	}
	return newCard(fallbackText(v), body, actions)
}

// fallbackText is the one-line summary a client shows when it cannot render
// the card: "Issue created: TURBO-42 Login fails".
func fallbackText(v *eventview.View) string {
	return eventview.Truncate(eventview.Capitalize(v.What())+": "+v.Label(), maxTitleRunes)
}

// eventText returns a comment's content, or the description of something new.
func eventText(v *eventview.View) string {
	switch {
	case v.EntityType == "comment":
		return strings.TrimSpace(v.Comment)
	case v.ShowsDescription():
		return strings.TrimSpace(v.Description)
	}
	return ""
}

// changeLines returns "Field: from → to" for each change to a field that has
// no line of its own among the entity's fields.
func changeLines(v *eventview.View) []any {
	shown := map[string]bool{}
	for _, name := range v.Fields() {
		shown[name] = true
	}
	var lines []any
	for _, change := range v.Changes {
		if !shown[change.Field] {
			lines = append(lines, labelled(eventview.FieldLabel(change.Field), change.From+" → "+change.To))
		}
	}
	return lines
}

// fieldLines returns "Field: value" for each field of the entity type that
// has a value; a field the event changed shows "from → to".
func fieldLines(v *eventview.View) []any {
	changes := map[string]eventview.Change{}
	for _, change := range v.Changes {
		changes[change.Field] = change
	}

	var lines []any
	for _, name := range v.Fields() {
		value := fieldValue(v, name, eventview.Text(v.Current[name]))
		if change, changed := changes[name]; changed {
			value = fieldValue(v, name, eventview.EmptyIfNone(change.From)) + " → " + fieldValue(v, name, eventview.EmptyIfNone(change.To))
		}
		if strings.TrimSpace(value) == "" || strings.TrimSpace(value) == "→" {
			continue
		}
		lines = append(lines, labelled(eventview.FieldLabel(name), eventview.Truncate(value, maxValueRunes)))
	}
	return lines
}

// fieldValue formats one field's value as the card shows it.
func fieldValue(v *eventview.View, name, value string) string {
	switch {
	case name == "assignee" && value == "" && v.EntityType == "issue":
		return "Unassigned"
	case value == "":
		return ""
	case name == "due_date":
		return formatDate(value)
	case name == "completion_percentage":
		return value + "%"
	}
	return value
}

// formatDate shows an RFC 3339 time: "Dec 4, 2026" at midnight UTC, which is
// a date without a time of day, else "Dec 4, 2026 15:30 UTC". Another value
// shows as it is.
func formatDate(value string) string {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return value
	}
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("Jan 2, 2006")
	}
	return t.Format("Jan 2, 2006 15:04 UTC")
}

// footer names the project, the actor and the time of the event:
// "Project TURBO · dev@example.com · Dec 1, 2026 16:03 UTC".
func footer(v *eventview.View) string {
	var parts []string
	if project := v.Project(); project != "" {
		parts = append(parts, "Project "+project)
	}
	if actor := v.Actor(); actor != "" {
		parts = append(parts, actor)
	}
	if !v.Time.IsZero() {
		parts = append(parts, v.Time.UTC().Format("Jan 2, 2006 15:04 UTC"))
	}
	return eventview.Truncate(strings.Join(parts, " · "), maxTitleRunes)
}

func priorityStyle(priority string) string {
	if style, ok := priorityStyles[strings.ToLower(priority)]; ok {
		return style
	}
	return "emphasis"
}
