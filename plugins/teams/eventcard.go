package teams

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// entityFields lists, per entity type, the fields of data.current a card
// shows, in order. Other entity types show defaultFields.
var entityFields = map[string][]string{
	"issue":      {"status", "priority", "type", "assignee", "due_date"},
	"project":    {"status", "priority", "completion_percentage"},
	"milestone":  {"status", "due_date", "issue_count"},
	"initiative": {"status", "priority", "due_date"},
	"comment":    {},
}

var defaultFields = []string{"status", "priority", "due_date"}

// fieldLabels name the fields of data.current whose label is not the key
// capitalised.
var fieldLabels = map[string]string{
	"due_date":              "Due",
	"completion_percentage": "Completion",
	"issue_count":           "Issues",
}

// eventCard builds the card of one event: a header coloured by priority with
// what happened and the entity's key and title, the changes of fields that
// have no line of their own, the comment or the new entity's description,
// the entity's fields, a footer with the project, the actor and the time,
// and a button that opens the entity in Turbo.
func eventCard(v *eventview.View, webURL string) *card {
	header := container{Type: "Container", Style: priorityStyle(v.Priority), Bleed: true, Items: []any{
		rich(textRun{Type: "TextRun", Text: capitalize(v.What()), Size: "Small", Weight: "Bolder", IsSubtle: true}),
		rich(textRun{Type: "TextRun", Text: eventview.Truncate(capitalize(v.Label()), maxTitleRunes), Size: "Large", Weight: "Bolder"}),
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
	if link := absoluteLink(v.Link(webURL)); link != "" {
		actions = append(actions, openURL{Type: "Action.OpenUrl", Title: "Open in Turbo", URL: link})
	}
	return newCard(fallbackText(v), body, actions)
}

// fallbackText is the one-line summary a client shows when it cannot render
// the card: "Issue created: TURBO-42 Login fails".
func fallbackText(v *eventview.View) string {
	return eventview.Truncate(capitalize(v.What())+": "+v.Label(), maxTitleRunes)
}

// eventText returns a comment's content, or the description of something new.
func eventText(v *eventview.View) string {
	switch {
	case v.EntityType == "comment":
		return strings.TrimSpace(v.Comment)
	case v.Action == "created":
		return strings.TrimSpace(v.Description)
	}
	return ""
}

// changeLines returns "Field: from → to" for each change to a field that has
// no line of its own among the entity's fields.
func changeLines(v *eventview.View) []any {
	shown := map[string]bool{}
	for _, name := range fieldsOf(v.EntityType) {
		shown[name] = true
	}
	var lines []any
	for _, change := range v.Changes {
		if !shown[change.Field] {
			lines = append(lines, labelled(fieldLabel(change.Field), change.From+" → "+change.To))
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
	for _, name := range fieldsOf(v.EntityType) {
		value := fieldValue(v, name, eventview.Text(v.Current[name]))
		if change, changed := changes[name]; changed {
			value = fieldValue(v, name, emptyIfNone(change.From)) + " → " + fieldValue(v, name, emptyIfNone(change.To))
		}
		if strings.TrimSpace(value) == "" || strings.TrimSpace(value) == "→" {
			continue
		}
		lines = append(lines, labelled(fieldLabel(name), eventview.Truncate(value, maxValueRunes)))
	}
	return lines
}

func fieldsOf(entityType string) []string {
	if names, ok := entityFields[entityType]; ok {
		return names
	}
	return defaultFields
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

// emptyIfNone undoes eventview's "none" for an empty change value.
func emptyIfNone(value string) string {
	if value == "none" {
		return ""
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

// fieldLabel names a field of data.current: a label from fieldLabels, or the
// key capitalised with underscores as spaces.
func fieldLabel(name string) string {
	if label, ok := fieldLabels[name]; ok {
		return label
	}
	return capitalize(strings.ReplaceAll(name, "_", " "))
}

// footer names the project, the actor and the time of the event:
// "Project TURBO · dev@example.com · Dec 1, 2026 16:03 UTC".
func footer(v *eventview.View) string {
	var parts []string
	if project := projectLabel(v); project != "" {
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

// projectLabel returns the project's key as far as the event shows it: a
// project's own key or name, or the prefix of an issue's or milestone's key
// (TURBO for TURBO-42).
func projectLabel(v *eventview.View) string {
	if v.EntityType == "project" {
		if v.Key != "" {
			return v.Key
		}
		return v.Title
	}
	if prefix, _, found := strings.Cut(v.Key, "-"); found {
		return prefix
	}
	return ""
}

func priorityStyle(priority string) string {
	if style, ok := priorityStyles[strings.ToLower(priority)]; ok {
		return style
	}
	return "emphasis"
}

// absoluteLink returns link when it is an absolute http or https URL, which
// is all Action.OpenUrl accepts, and "" otherwise (for example when
// turbo.web_url is not set).
func absoluteLink(link string) string {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return link
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
