package discord

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// Embed colours by priority, the same as the templates' priority_color helper.
var priorityColors = map[string]int{
	"critical": 0xD92D20,
	"high":     0xF79009,
	"medium":   0x2E90FA,
	"low":      0x98A2B3,
}

// fallbackColor is the colour of an event without a known priority.
const fallbackColor = 0x667085

// entityFields lists, per entity type, the fields of data.current an embed
// shows, in order. Other entity types show defaultFields.
var entityFields = map[string][]string{
	"issue":      {"status", "priority", "type", "assignee", "due_date"},
	"project":    {"status", "priority", "completion_percentage"},
	"milestone":  {"status", "due_date", "issue_count"},
	"initiative": {"status", "priority", "due_date"},
	"comment":    {},
}

var defaultFields = []string{"status", "priority", "due_date"}

// fieldNames are the embed's names of the fields of data.current.
var fieldNames = map[string]string{
	"status":                "Status",
	"priority":              "Priority",
	"type":                  "Type",
	"assignee":              "Assignee",
	"due_date":              "Due",
	"completion_percentage": "Completion",
	"issue_count":           "Issues",
}

// eventEmbed builds the default embed for one event. It shows what happened
// above the title, and the entity's label linking to Turbo as the title. The
// description is the text of the event: the description of something new, a
// comment's content, or what changed. Below come the entity's fields and a
// footer with the project and the actor.
func eventEmbed(v *eventview.View, webURL string) *discordgo.MessageEmbed {
	embed := &discordgo.MessageEmbed{
		Author:      &discordgo.MessageEmbedAuthor{Name: capitalize(v.What())},
		Title:       escapeMarkdown(capitalize(v.Label())),
		URL:         absoluteLink(v.PageLink(webURL)),
		Description: eventText(v),
		Color:       priorityColor(v.Priority),
		Fields:      eventFields(v),
		Footer:      footer(v),
	}
	if !v.Time.IsZero() {
		embed.Timestamp = v.Time.UTC().Format(time.RFC3339)
	}
	return embed
}

// eventText returns the embed's description: the changes to fields that have
// no field of their own, then a comment's content or, for an event that
// created something, its description.
func eventText(v *eventview.View) string {
	shown := map[string]bool{}
	for _, name := range fieldsOf(v.EntityType) {
		shown[name] = true
	}

	var parts []string
	var lines []string
	for _, change := range v.Changes {
		if !shown[change.Field] {
			lines = append(lines, "**"+escapeMarkdown(fieldLabel(change.Field))+":** "+escapeMarkdown(change.From)+" → "+escapeMarkdown(change.To))
		}
	}
	if len(lines) > 0 {
		parts = append(parts, strings.Join(lines, "\n"))
	}

	switch {
	case v.EntityType == "comment" && v.Comment != "":
		parts = append(parts, escapeMarkdown(v.Comment))
	case v.Action == "created" && v.Description != "":
		parts = append(parts, escapeMarkdown(v.Description))
	}
	return strings.Join(parts, "\n\n")
}

// eventFields returns the inline fields of the entity type that have a value.
// A field the event changed shows "from → to".
func eventFields(v *eventview.View) []*discordgo.MessageEmbedField {
	changes := map[string]eventview.Change{}
	for _, change := range v.Changes {
		changes[change.Field] = change
	}

	var fields []*discordgo.MessageEmbedField
	for _, name := range fieldsOf(v.EntityType) {
		value := fieldValue(name, eventview.Text(v.Current[name]))
		if change, changed := changes[name]; changed {
			value = changeValue(name, change.From) + " → " + changeValue(name, change.To)
		}
		if strings.TrimSpace(value) == "" {
			continue
		}
		fields = append(fields, &discordgo.MessageEmbedField{Name: fieldLabel(name), Value: value, Inline: true})
	}
	return fields
}

func fieldsOf(entityType string) []string {
	if names, ok := entityFields[entityType]; ok {
		return names
	}
	return defaultFields
}

// fieldValue formats one field's value as an embed shows it, escaped. An
// empty value is left out, as the Slack and email messages leave it out.
func fieldValue(name, value string) string {
	switch {
	case value == "":
		return ""
	case name == "due_date":
		return formatDue(value)
	case name == "completion_percentage":
		return escapeMarkdown(value) + "%"
	}
	return escapeMarkdown(value)
}

// changeValue formats one side of a change. eventview writes an empty side as
// "none", which stays, as in the Slack message: "none → dev@example.com".
func changeValue(name, value string) string {
	if value == "none" {
		return value
	}
	return fieldValue(name, value)
}

// formatDue shows a due date. A time at midnight UTC is a date without a time
// of day and shows as "Dec 4, 2026"; another time becomes a Discord timestamp
// (<t:UNIX:f>), which each reader sees in their own time zone and language.
// A value that is not RFC 3339 shows as it is.
func formatDue(value string) string {
	due, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return escapeMarkdown(value)
	}
	due = due.UTC()
	if due.Hour() == 0 && due.Minute() == 0 && due.Second() == 0 && due.Nanosecond() == 0 {
		return due.Format("Jan 2, 2006")
	}
	return fmt.Sprintf("<t:%d:f>", due.Unix())
}

// fieldLabel names a field of data.current: "Due" for due_date, or the key
// with its first letter capitalised and underscores as spaces.
func fieldLabel(name string) string {
	if label, ok := fieldNames[name]; ok {
		return label
	}
	return capitalize(strings.ReplaceAll(name, "_", " "))
}

// footer names the project and the actor: "Project TURBO · dev@example.com".
// It is plain text, because Discord shows footers without markdown.
func footer(v *eventview.View) *discordgo.MessageEmbedFooter {
	var parts []string
	if project := projectLabel(v); project != "" {
		parts = append(parts, "Project "+project)
	}
	if actor := v.Actor(); actor != "" {
		parts = append(parts, actor)
	}
	if len(parts) == 0 {
		return nil
	}
	return &discordgo.MessageEmbedFooter{Text: strings.Join(parts, " · ")}
}

// projectLabel returns the project's key as far as the event shows it: a
// project's own key or name, or the prefix of an issue's or milestone's key
// (TURBO for TURBO-42). Events without a key show no project.
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

func priorityColor(priority string) int {
	if color, ok := priorityColors[strings.ToLower(priority)]; ok {
		return color
	}
	return fallbackColor
}

// absoluteLink returns link when it is an absolute http or https URL, which
// is all Discord accepts as an embed's url, and "" otherwise (for example
// when turbo.web_url is not set).
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
