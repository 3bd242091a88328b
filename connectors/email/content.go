package email

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk/eventview"
)

// Bounds on what the default message shows, in runes. Mail has no hard limit,
// but a notification is read at a glance; the link leads to the rest.
const (
	maxTitleRunes       = 200
	maxDescriptionRunes = 2000
	maxCommentRunes     = 4000
	maxFactRunes        = 200
	maxSubjectRunes     = 250
	// maxDigestItems bounds the events a digest lists; the rest are counted.
	maxDigestItems = 50
)

// summary is the content of the default message about one event. Every field
// is plain text, already cleaned, and on one line except Body.
type summary struct {
	// Headline is what happened and who did it: "Issue created by dev@example.com".
	Headline string
	// Title names the entity: "TURBO-42 Login fails with 500 after password reset".
	Title string
	// Link is the entity's page in Turbo's web UI, or empty when turbo.web_url
	// is not set.
	Link    string
	Facts   []fact
	Changes []eventview.Change
	// BodyLabel names Body: "Description" or "Comment".
	BodyLabel string
	Body      string
	// BodyCut reports that Body was cut to its bound.
	BodyCut bool
}

// BodyLines returns Body split into lines, for the HTML part.
func (s summary) BodyLines() []string { return strings.Split(s.Body, "\n") }

// fact is one labelled value, such as Status: open.
type fact struct {
	Name  string
	Value string
}

// summarize reads the summary of one event from its view.
func summarize(v *eventview.View, webURL string) summary {
	s := summary{
		Headline: headline(v),
		Title:    title(v),
		Facts:    entityFacts(v),
		Changes:  changes(v),
	}
	if webURL != "" {
		s.Link = v.PageLink(webURL)
	}
	s.BodyLabel, s.Body, s.BodyCut = body(v)
	return s
}

// headline returns what happened, with the actor unless it is the system.
func headline(v *eventview.View) string {
	what := capitalize(headerText(v.What()))
	if what == "" {
		what = "Event " + headerText(v.EventType)
	}
	actor := headerText(v.Actor())
	if actor == "" || v.ActorType == "system" {
		return what
	}
	return what + " by " + actor
}

// title names the entity, cut to maxTitleRunes.
func title(v *eventview.View) string {
	t, _ := truncateRunes(capitalize(headerText(v.Label())), maxTitleRunes)
	return t
}

// entityFacts returns the facts the entity's type shows: status, priority,
// type, assignee and due date where the entity has them, and for a project its
// progress, for a milestone its start and issue count, for a comment its
// author.
func entityFacts(v *eventview.View) []fact {
	if v.EntityType == "comment" {
		return commentFacts(v)
	}

	var facts []fact
	facts = appendFact(facts, "Status", v.Status)
	facts = appendFact(facts, "Priority", v.Priority)
	facts = appendFact(facts, "Type", v.Type)
	facts = appendFact(facts, "Assignee", v.Assignee)
	switch v.EntityType {
	case "project":
		if progress := eventview.Text(v.Current["completion_percentage"]); progress != "" {
			facts = appendFact(facts, "Progress", progress+"%")
		}
	case "milestone":
		facts = appendFact(facts, "Start", formatDate(eventview.Text(v.Current["start_date"])))
	}
	facts = appendFact(facts, "Due", formatDate(v.DueDate))
	if v.EntityType == "milestone" {
		facts = appendFact(facts, "Issues", eventview.Text(v.Current["issue_count"]))
	}
	return facts
}

// commentFacts names the comment's author when it is not the actor that the
// headline names already.
func commentFacts(v *eventview.View) []fact {
	author := eventview.Text(v.Current["author_name"])
	if author == "" || author == v.ActorName {
		return nil
	}
	return appendFact(nil, "Author", author)
}

// appendFact appends a fact when its value is not empty, cleaned and cut.
func appendFact(facts []fact, name, value string) []fact {
	value, _ = truncateRunes(headerText(value), maxFactRunes)
	if value == "" {
		return facts
	}
	return append(facts, fact{Name: name, Value: value})
}

// changes returns the event's changes with each value on one line.
func changes(v *eventview.View) []eventview.Change {
	out := make([]eventview.Change, 0, len(v.Changes))
	for _, c := range v.Changes {
		out = append(out, eventview.Change{
			Field: strings.ReplaceAll(headerText(c.Field), "_", " "),
			From:  headerText(c.From),
			To:    headerText(c.To),
		})
	}
	return out
}

// body returns the long text the message quotes: a comment's content, or the
// description of an entity that was just created. Updates show their changes
// instead, so a long description is not repeated in every message.
func body(v *eventview.View) (label, text string, cut bool) {
	switch {
	case v.EntityType == "comment":
		label, text = "Comment", v.Comment
		text, cut = truncateRunes(strings.TrimSpace(bodyText(text)), maxCommentRunes)
		return label, text, cut
	case v.ShowsDescription():
		text, cut = truncateRunes(strings.TrimSpace(bodyText(v.Description)), maxDescriptionRunes)
		return "Description", text, cut
	}
	return "", "", false
}

// formatDate formats an RFC 3339 time as "Sat 5 Dec 2026, 17:00 UTC", or as
// "Sat 5 Dec 2026" at midnight; other values are returned as they are.
func formatDate(value string) string {
	t, form := eventview.ReadDate(value)
	switch {
	case form == eventview.NotADate:
		return value
	case form == eventview.Day || (t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0):
		return t.Format("Mon 2 Jan 2006")
	case form == eventview.LocalTime:
		return t.Format("Mon 2 Jan 2006, 15:04")
	}
	return t.Format("Mon 2 Jan 2006, 15:04 MST")
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// footer returns the line that names the route and the event of the message.
func footer(route string, v *eventview.View) string {
	text := "Switchboard sent this for route “" + headerText(route) + "”"
	if v == nil {
		return text + "."
	}
	text += " (" + headerText(v.EventType)
	if !v.Time.IsZero() {
		text += ", " + v.Time.UTC().Format("Mon 2 Jan 2006, 15:04 MST")
	}
	return text + ")."
}

// defaultSubject returns prefix and the entity's title. It is the same for
// every event about one entity, because mail clients such as Gmail thread
// only messages whose subjects match. The message's first line tells what
// happened.
func defaultSubject(prefix string, v *eventview.View) string {
	return joinSubject(prefix, title(v))
}

// digestSubject returns the subject of a message about several events.
func digestSubject(prefix string, count int) string {
	return joinSubject(prefix, fmt.Sprintf("%d events", count))
}

func joinSubject(prefix, text string) string {
	subject := strings.TrimSpace(prefix + " " + text)
	subject, _ = truncateRunes(subject, maxSubjectRunes)
	return subject
}
