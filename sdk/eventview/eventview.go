// Package eventview reads the facts a message shows out of an event envelope:
// the entity's key and title, its status, priority, assignee and due date, who
// acted, what changed, and the link to the entity in Turbo's web UI. Every
// connector's default message and the templates' link and changes helpers use
// it, so that all of them describe an event the same way.
package eventview

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

// View is what a message about one event shows.
type View struct {
	EventID    string
	EventType  string
	EntityType string
	EntityID   string
	Action     string
	Time       time.Time
	Derived    bool

	ActorType string
	ActorName string

	ProjectID    string
	IssueID      string
	MilestoneID  string
	InitiativeID string

	// Key is the entity's human key: TURBO-42 for an issue, TURBO-M3 for a
	// milestone, TURBO for a project; empty when the event has none.
	Key string
	// Title is the entity's title or name; for a comment, empty.
	Title       string
	Description string
	Status      string
	Priority    string
	Type        string
	Assignee    string
	// DueDate is the due date as the event wrote it (see ReadDate), or
	// empty. For a due-date event whose due date has a time of day but no
	// UTC offset it is data.due_at instead: the instant Switchboard read it
	// as, in schedule.tz.
	DueDate string
	// DueThreshold is the warning threshold a due-date event reached, as
	// written in schedule.due_soon ("24h"): data.threshold of
	// <type>.due_date_approaching. It is empty for other events.
	DueThreshold string
	// Comment is a comment's content.
	Comment string
	// Threshold is the percentage that a project's completion or a
	// milestone's progress reached, as text ("50"): data.threshold of
	// project.completion_milestone and milestone.progress_updated. It is empty
	// for other events.
	Threshold string

	// Changes lists what an update changed, in the order of data.changes.
	Changes []Change

	// Current is data.current as generic JSON, for fields not named above.
	Current map[string]any
	// Doc is the whole envelope as generic JSON.
	Doc map[string]any
}

// Change is one changed field. From and To are the values as text ("none" when
// empty), each cut to MaxChangeValueRunes.
type Change struct {
	Field string
	From  string
	To    string
}

// String formats the change as "field: from → to".
func (c Change) String() string { return c.Field + ": " + c.From + " → " + c.To }

// MaxChangeValueRunes bounds each value of a Change, so that an edited
// description does not fill a message.
const MaxChangeValueRunes = 80

// Parse reads a view from an envelope's JSON.
func Parse(envelope []byte) (*View, error) {
	var doc map[string]any
	if err := json.Unmarshal(envelope, &doc); err != nil {
		return nil, fmt.Errorf("read event envelope: %w", err)
	}
	return FromDoc(doc), nil
}

// FromDoc reads a view from an envelope already parsed as generic JSON.
func FromDoc(doc map[string]any) *View {
	v := &View{Doc: doc}
	v.EventID = text(doc["event_id"])
	v.EventType = text(doc["event_type"])
	v.EntityType = text(doc["entity_type"])
	v.EntityID = text(doc["entity_id"])
	v.Action = text(doc["action"])
	v.Derived, _ = doc["derived"].(bool)
	if t, err := time.Parse(time.RFC3339Nano, text(doc["timestamp"])); err == nil {
		v.Time = t
	}

	v.ActorType = text(Lookup(doc, "actor", "type"))
	v.ActorName = text(Lookup(doc, "actor", "name"))
	v.ProjectID = text(Lookup(doc, "context", "project_id"))
	v.IssueID = text(Lookup(doc, "context", "issue_id"))
	v.MilestoneID = text(Lookup(doc, "context", "milestone_id"))
	v.InitiativeID = text(Lookup(doc, "context", "initiative_id"))

	switch threshold := Lookup(doc, "data", "threshold").(type) {
	case string:
		v.DueThreshold = threshold
	case float64, json.Number:
		v.Threshold = text(threshold)
	}
	v.Current, _ = Lookup(doc, "data", "current").(map[string]any)
	v.readEntity(v.Current)
	if _, form := ReadDate(v.DueDate); form == LocalTime {
		if dueAt := text(Lookup(doc, "data", "due_at")); dueAt != "" {
			v.DueDate = dueAt
		}
	}
	v.Changes = changes(doc)
	return v
}

// readEntity fills the entity's fields from data.current.
func (v *View) readEntity(current map[string]any) {
	if current == nil {
		return
	}
	v.Key = firstText(current, "issue_key", "milestone_key", "project_key", "initiative_key", "key")
	v.Title = firstText(current, "title", "name")
	// A document has content where other entities have a description.
	v.Description = firstText(current, "description", "content")
	v.Status = text(current["status"])
	v.Priority = text(current["priority"])
	v.Type = text(current["type"])
	v.Assignee = text(current["assignee"])
	v.DueDate = text(current["due_date"])
	if v.EntityType == "comment" {
		v.Comment = text(current["content"])
		v.Title = ""
		if v.IssueID == "" && text(current["entity_type"]) == "issue" {
			v.IssueID = text(current["entity_id"])
		}
	}
}

// Label names the entity for a headline: "TURBO-42 Login fails", "TURBO-M3 v2.4
// release", a title alone, or "issue 3b2f8e1a…" when the event carries neither.
func (v *View) Label() string {
	switch {
	case v.Key != "" && v.Title != "":
		return v.Key + " " + v.Title
	case v.Title != "":
		return v.Title
	case v.Key != "":
		return v.Key
	case v.EntityType == "comment":
		return "comment on issue " + shortID(v.IssueID)
	default:
		return strings.TrimSpace(v.EntityType + " " + shortID(v.EntityID))
	}
}

// What says what happened in a few words: "issue created", "status changed",
// "milestone completed"; the action's underscores become spaces. An event
// with a threshold ends with it: "project completion milestone (50 %)",
// "issue due date approaching (due within 24h)".
func (v *View) What() string {
	what := strings.ReplaceAll(v.Action, "_", " ")
	if v.EntityType != "" {
		what = v.EntityType + " " + what
	}
	switch {
	case v.Threshold != "":
		what += " (" + v.Threshold + " %)"
	case v.DueThreshold != "":
		what += " (due within " + v.DueThreshold + ")"
	}
	return what
}

// Actor names who acted, with "(AI)" after an AI actor whose name does not
// say so already (Turbo names some "AI: triage-bot"); empty when unknown.
func (v *View) Actor() string {
	if v.ActorType == "ai" && v.ActorName != "" && !namesAI(v.ActorName) {
		return v.ActorName + " (AI)"
	}
	return v.ActorName
}

// namesAI reports whether name contains the word AI.
func namesAI(name string) bool {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return slices.Contains(words, "AI")
}

// Due returns the due date, and false when the event has none or it does not
// parse.
func (v *View) Due() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, v.DueDate)
	return t, err == nil
}

// shortID returns the first 8 characters of an id, with "…" when cut.
func shortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[:8] + "…"
}

// Lookup follows keys through nested objects and returns nil when a key is
// missing or a value on the way is not an object.
func Lookup(doc map[string]any, keys ...string) any {
	var value any = doc
	for _, key := range keys {
		m, ok := value.(map[string]any)
		if !ok {
			return nil
		}
		value = m[key]
	}
	return value
}

func firstText(m map[string]any, keys ...string) string {
	for _, key := range keys {
		if s := text(m[key]); s != "" {
			return s
		}
	}
	return ""
}

// text formats a JSON value as a person reads it: strings as they are, whole
// numbers without a decimal point, nil as "", lists joined with ", ".
func text(value any) string {
	switch v := value.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case []any:
		parts := make([]string, 0, len(v))
		for _, item := range v {
			parts = append(parts, text(item))
		}
		return strings.Join(parts, ", ")
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

// Text formats a JSON value as View's fields do.
func Text(value any) string { return text(value) }

// entityPaths maps an entity type to its page under Turbo's web UI.
//
// NOTE: these paths are Switchboard's assumption about Turbo's web routes; Turbo
// does not publish them. Change them here if Turbo's routes differ.
var entityPaths = map[string]string{
	"issue":      "/issues/",
	"project":    "/projects/",
	"milestone":  "/milestones/",
	"initiative": "/initiatives/",
	"document":   "/documents/",
}

// Link returns the URL of the event's entity in Turbo's web UI at webURL:
// /issues/KEY (the issue key, else its id), /projects/ID, /milestones/ID,
// /initiatives/ID, /documents/ID, and for a comment its issue's page with
// #comment-ID. Other entities, or a comment without an issue, link to webURL.
func (v *View) Link(webURL string) string {
	if page := v.PageLink(webURL); page != "" {
		return page
	}
	return strings.TrimSuffix(webURL, "/")
}

// PageLink returns Link's URL when it leads to the entity's own page, or to
// Turbo's start page for an event about no entity (a system report). For an
// entity whose page Switchboard does not know, such as a note, it returns "",
// so that a default message shows no link rather than one to the start page.
func (v *View) PageLink(webURL string) string {
	base := strings.TrimSuffix(webURL, "/")
	switch v.EntityType {
	case "", "system":
		return base
	case "comment":
		if v.IssueID == "" || v.EntityID == "" {
			return ""
		}
		return base + "/issues/" + url.PathEscape(v.IssueID) + "#comment-" + url.PathEscape(v.EntityID)
	}

	path, known := entityPaths[v.EntityType]
	id := v.EntityID
	if v.EntityType == "issue" && v.Key != "" {
		id = v.Key
	}
	if !known || id == "" {
		return ""
	}
	return base + path + url.PathEscape(id)
}

// changes lists what an update changed, in the order of data.changes; without
// data.changes it compares every field of data.previous and data.current, in
// name order, skipping updated_at.
func changes(doc map[string]any) []Change {
	previous, _ := Lookup(doc, "data", "previous").(map[string]any)
	current, _ := Lookup(doc, "data", "current").(map[string]any)
	fields := changedFields(doc, previous, current)

	out := make([]Change, 0, len(fields))
	for _, field := range fields {
		out = append(out, Change{Field: field, From: changeValue(previous[field]), To: changeValue(current[field])})
	}
	return out
}

func changedFields(doc, previous, current map[string]any) []string {
	if listed, ok := Lookup(doc, "data", "changes").([]any); ok {
		fields := make([]string, 0, len(listed))
		for _, item := range listed {
			if name, ok := item.(string); ok {
				fields = append(fields, name)
			}
		}
		return fields
	}
	if previous == nil || current == nil {
		return nil
	}

	seen := map[string]bool{}
	for key := range previous {
		seen[key] = true
	}
	for key := range current {
		seen[key] = true
	}
	var fields []string
	for name := range seen {
		if name != "updated_at" && !reflect.DeepEqual(previous[name], current[name]) {
			fields = append(fields, name)
		}
	}
	sort.Strings(fields)
	return fields
}

func changeValue(value any) string {
	s := text(value)
	if s == "" {
		return "none"
	}
	return Truncate(s, MaxChangeValueRunes)
}

// Truncate cuts s to at most max runes, ending with "…" when it cut.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	return string(runes[:max-1]) + "…"
}

// ParseEvents reads the views of a delivery's events, in order. It returns an
// error for a delivery without events and for an envelope that is not JSON,
// naming the event.
func ParseEvents(events []sdk.Event) ([]*View, error) {
	if len(events) == 0 {
		return nil, errors.New("the delivery has no events and no message to send")
	}
	views := make([]*View, 0, len(events))
	for _, event := range events {
		v, err := Parse(event.Envelope)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", event.ID, err)
		}
		views = append(views, v)
	}
	return views, nil
}

// ShowsDescription reports whether a message about the event shows the
// entity's description: for an entity just created, and for Switchboard's
// reports (entity type "system"), whose description is their summary. Other
// events would repeat a long description in every message.
func (v *View) ShowsDescription() bool {
	return v.Action == "created" || v.EntityType == "system"
}
