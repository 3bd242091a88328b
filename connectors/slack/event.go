package slack

import (
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// eventMessage is the default message about one event:
//
//   - a header with the entity's key and title;
//   - what happened, with mentions and a link to the entity in Turbo;
//   - fields for status, priority, type, assignee and due date (and a few
//     per entity type), each showing "from → to" when the event changed it;
//   - the other changes, if any;
//   - a comment's text, or a new entity's description;
//   - a context line with the project, the actor and the time.
func eventMessage(v *eventview.View, webURL, mentions string) message {
	link := ""
	if webURL != "" {
		link = v.PageLink(webURL)
	}

	blocks := []slack.Block{
		headerBlock(headline(v)),
		mrkdwnSection(summary(v, link, mentions)),
	}
	if fields := fieldTexts(v); len(fields) > 0 {
		blocks = append(blocks, fieldsSection(fields))
	}
	if changes := otherChanges(v); changes != "" {
		blocks = append(blocks, mrkdwnSection(changes))
	}
	if body := bodyText(v); strings.TrimSpace(body) != "" {
		blocks = append(blocks, plainSection(cutPlain(body, maxSectionText)))
	}
	if line := contextLine(v, webURL); line != "" {
		blocks = append(blocks, contextBlock(line))
	}
	return message{Text: fallbackText(v, mentions), Blocks: blocks}
}

// headline names the entity on one line: "TURBO-42 Login fails", or for a
// comment, which carries no issue key, "Comment by dev@example.com". An event
// that names nothing gets "Turbo event".
func headline(v *eventview.View) string {
	text := v.Label()
	if v.EntityType == "comment" && v.Actor() != "" {
		text = "Comment by " + v.Actor()
	}
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return "Turbo event"
	}
	return capitalize(text)
}

// whatHappened is "Issue created", or the event type when the event has no
// entity type or action.
func whatHappened(v *eventview.View) string {
	what := strings.Join(strings.Fields(v.What()), " ")
	if what == "" {
		what = strings.Join(strings.Fields(v.EventType), " ")
	}
	if what == "" {
		return "Turbo event"
	}
	return capitalize(what)
}

// summary states what happened, after the route's mentions, with a link to
// the entity when Turbo's web URL is configured.
func summary(v *eventview.View, link, mentions string) string {
	what := "*" + escapeText(whatHappened(v)) + "*"
	if link != "" {
		what += " · " + mrkdwnLink(link, "Open in Turbo")
	}
	return joinNonEmpty(" ", mentions, what)
}

// fallbackText is the notification text after the mentions: what happened
// and the headline, or for a comment who wrote it and how it starts.
func fallbackText(v *eventview.View, mentions string) string {
	text := whatHappened(v) + ": " + headline(v)
	if v.EntityType == "comment" {
		excerpt := eventview.Truncate(strings.Join(strings.Fields(v.Comment), " "), maxFallbackExcerpt)
		text = joinNonEmpty(": ", headline(v), excerpt)
	}
	return joinNonEmpty(" ", mentions, escapeText(text))
}

// maxFallbackExcerpt bounds the start of a comment in the notification text.
const maxFallbackExcerpt = 150

// fieldSpec is one field the default message shows when the event has it.
type fieldSpec struct {
	key   string
	label string
}

// commonFields are shown for every entity type.
var commonFields = []fieldSpec{
	{"status", "Status"},
	{"priority", "Priority"},
	{"type", "Type"},
	{"assignee", "Assignee"},
	{"due_date", "Due"},
}

// entityFields are shown after the common fields for one entity type.
var entityFields = map[string][]fieldSpec{
	"project":   {{"completion_percentage", "Completion"}},
	"milestone": {{"start_date", "Start"}, {"issue_count", "Issues"}},
}

func fieldSpecs(entityType string) []fieldSpec {
	if entityType == "comment" {
		return nil
	}
	return append(append([]fieldSpec(nil), commonFields...), entityFields[entityType]...)
}

// fieldTexts returns the mrkdwn of each field the event has: "*Status*\nopen",
// or "*Status*\nopen → in_progress" when the event changed it.
func fieldTexts(v *eventview.View) []string {
	changed := make(map[string]eventview.Change, len(v.Changes))
	for _, c := range v.Changes {
		changed[c.Field] = c
	}

	var fields []string
	for _, spec := range fieldSpecs(v.EntityType) {
		value := ""
		if c, ok := changed[spec.key]; ok {
			value = fieldValue(spec.key, c.From) + " → " + fieldValue(spec.key, c.To)
		} else if current := currentValue(v, spec.key); current != "" {
			value = fieldValue(spec.key, current)
		}
		if value != "" {
			fields = append(fields, "*"+spec.label+"*\n"+value)
		}
	}
	return fields
}

// currentValue returns a field of data.current as text. The due date is the
// view's, which for a due-date event with a local time is the instant.
func currentValue(v *eventview.View, key string) string {
	if key == "due_date" {
		return v.DueDate
	}
	return eventview.Text(v.Current[key])
}

// priorityEmojis mark Turbo's priorities, as the templates' priority_emoji
// helper does.
var priorityEmojis = map[string]string{"critical": "🔴", "high": "🟠", "medium": "🔵", "low": "⚪"}

// fieldValue formats one value of a field as mrkdwn: dates as Slack dates,
// priorities with their emoji, percentages with a % sign, anything else
// escaped. "none" stands for an empty value.
func fieldValue(key, raw string) string {
	switch {
	case raw == "" || raw == "none":
		return "none"
	case strings.HasSuffix(key, "_date"):
		return dateValue(raw)
	case key == "priority":
		if emoji, ok := priorityEmojis[raw]; ok {
			return emoji + " " + escapeText(raw)
		}
	case key == "completion_percentage":
		return escapeText(raw) + "%"
	}
	return escapeText(raw)
}

// dateValue formats a date field. An instant becomes a Slack date, which
// each reader sees in their own time zone. A day alone is the same calendar
// day for everyone, so it is written out rather than placed at midnight UTC,
// which readers west of UTC would see as the day before. A time of day
// without a UTC offset is written out as the wall-clock time it is.
func dateValue(raw string) string {
	t, form := eventview.ReadDate(raw)
	switch form {
	case eventview.Instant:
		return slackDate(t, "{date_short_pretty}", t.UTC().Format("2006-01-02"))
	case eventview.Day:
		return escapeText(t.Format("Jan 2, 2006"))
	case eventview.LocalTime:
		return escapeText(t.Format("Jan 2, 2006 15:04"))
	}
	return escapeText(raw)
}

// otherChanges lists the changes that no field shows, such as a new title.
func otherChanges(v *eventview.View) string {
	shown := map[string]bool{"updated_at": true}
	for _, spec := range fieldSpecs(v.EntityType) {
		shown[spec.key] = true
	}

	var lines []string
	for _, c := range v.Changes {
		if shown[c.Field] {
			continue
		}
		label := capitalize(strings.ReplaceAll(c.Field, "_", " "))
		lines = append(lines, "• "+escapeText(label)+": "+escapeText(c.From)+" → "+escapeText(c.To))
	}
	if len(lines) == 0 {
		return ""
	}
	return "*Changes*\n" + strings.Join(lines, "\n")
}

// bodyText is a comment's text, or the description of an entity that was
// created; it goes into a plain_text section, where Slack parses nothing.
func bodyText(v *eventview.View) string {
	if v.EntityType == "comment" {
		return v.Comment
	}
	if v.ShowsDescription() {
		return v.Description
	}
	return ""
}

// contextLine is "Project TURBO · by dev@example.com · <date>", leaving out
// the parts the event lacks.
func contextLine(v *eventview.View, webURL string) string {
	var parts []string
	if project := projectPart(v, webURL); project != "" {
		parts = append(parts, project)
	}
	// A comment's header already names its author.
	if actor := v.Actor(); actor != "" && v.EntityType != "comment" {
		parts = append(parts, "by "+escapeText(actor))
	}
	if !v.Time.IsZero() {
		parts = append(parts, slackDate(v.Time, "{date_short_pretty} at {time}", v.Time.UTC().Format("2006-01-02 15:04 UTC")))
	}
	return strings.Join(parts, " · ")
}

// projectPart names the event's project by its key, linked to its page when
// the web URL is known. A project event names no other project, and an event
// whose entity has no key (a comment, a document) names none, as the Discord
// message does: "Project" alone would say nothing.
func projectPart(v *eventview.View, webURL string) string {
	key := projectKey(v)
	if v.EntityType == "project" || v.ProjectID == "" || key == "" {
		return ""
	}
	label := "Project " + key
	if webURL == "" {
		return escapeText(label)
	}
	project := &eventview.View{EntityType: "project", EntityID: v.ProjectID}
	return mrkdwnLink(project.Link(webURL), label)
}

// keyPrefix matches the project part of an issue or milestone key: TURBO in
// TURBO-42 and TURBO-M3.
var keyPrefix = regexp.MustCompile(`^([A-Z][A-Z0-9]*)-M?[0-9]+$`)

// projectKey returns the project's key as the entity's own key shows it, or "".
// NOTE: this assumes Turbo's key format: the project key, a hyphen and a
// number, with M before a milestone's number. A key of another form names no
// project.
func projectKey(v *eventview.View) string {
	if m := keyPrefix.FindStringSubmatch(v.Key); m != nil {
		return m[1]
	}
	return ""
}
