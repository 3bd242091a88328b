package discord

import (
	"fmt"
	"strings"
	"time"

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

// eventEmbed builds the default embed for one event. It shows what happened
// above the title, and the entity's label linking to Turbo as the title. The
// description is the text of the event: the description of something new, a
// comment's content, or what changed. Below come the entity's fields and a
// footer with the project and the actor.
func eventEmbed(v *eventview.View, webURL string) *discordgo.MessageEmbed {
	embed := &discordgo.MessageEmbed{
		Author:      &discordgo.MessageEmbedAuthor{Name: eventview.Capitalize(v.What())},
		Title:       escapeMarkdown(eventview.Capitalize(v.Label())),
		URL:         eventview.AbsoluteURL(v.PageLink(webURL)),
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
	for _, name := range v.Fields() {
		shown[name] = true
	}

	var parts []string
	var lines []string
	for _, change := range v.Changes {
		if !shown[change.Field] {
			lines = append(lines, "**"+escapeMarkdown(eventview.FieldLabel(change.Field))+":** "+escapeMarkdown(change.From)+" → "+escapeMarkdown(change.To))
		}
	}
	if len(lines) > 0 {
		parts = append(parts, strings.Join(lines, "\n"))
	}

	switch {
	case v.EntityType == "comment" && v.Comment != "":
		parts = append(parts, escapeMarkdown(v.Comment))
	case v.ShowsDescription() && v.Description != "":
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
	for _, name := range v.Fields() {
		current := eventview.Text(v.Current[name])
		if name == "due_date" {
			current = v.DueDate // the instant, for a due-date event's local time
		}
		value := fieldValue(v, name, current)
		if change, changed := changes[name]; changed {
			value = changeValue(v, name, change.From) + " → " + changeValue(v, name, change.To)
		}
		if strings.TrimSpace(value) == "" {
			continue
		}
		fields = append(fields, &discordgo.MessageEmbedField{Name: eventview.FieldLabel(name), Value: value, Inline: true})
	}
	return fields
}

// fieldValue formats one field's value as an embed shows it, escaped. An
// empty value is left out, as the Slack and email messages leave it out.
func fieldValue(v *eventview.View, name, value string) string {
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
func changeValue(v *eventview.View, name, value string) string {
	if value == "none" {
		return value
	}
	return fieldValue(v, name, value)
}

// formatDue shows a due date. A time at midnight UTC is a date without a time
// of day and shows as "Dec 4, 2026"; another time becomes a Discord timestamp
// (<t:UNIX:f>), which each reader sees in their own time zone and language.
// A day alone shows as that day, a time of day without a UTC offset as the
// wall-clock time it is, and any other value as it is.
func formatDue(value string) string {
	due, form := eventview.ReadDate(value)
	switch form {
	case eventview.NotADate:
		return escapeMarkdown(value)
	case eventview.Day:
		return due.Format("Jan 2, 2006")
	case eventview.LocalTime:
		return due.Format("Jan 2, 2006 15:04")
	}
	due = due.UTC()
	if due.Hour() == 0 && due.Minute() == 0 && due.Second() == 0 && due.Nanosecond() == 0 {
		return due.Format("Jan 2, 2006")
	}
	return fmt.Sprintf("<t:%d:f>", due.Unix())
}

// footer names the project and the actor: "Project TURBO · dev@example.com".
// It is plain text, because Discord shows footers without markdown.
func footer(v *eventview.View) *discordgo.MessageEmbedFooter {
	var parts []string
	if project := v.Project(); project != "" {
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

func priorityColor(priority string) int {
	if color, ok := priorityColors[strings.ToLower(priority)]; ok {
		return color
	}
	return fallbackColor
}
