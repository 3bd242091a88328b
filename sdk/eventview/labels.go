package eventview

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// entityFields lists, per entity type, the fields of data.current a default
// message shows, in order. Other entity types show defaultFields.
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

// Fields returns the fields of data.current a default message shows for the
// view's entity type, in order: status, priority, type, assignee and due date
// for an issue, none for a comment. The caller must not modify the list.
func (v *View) Fields() []string {
	if names, ok := entityFields[v.EntityType]; ok {
		return names
	}
	return defaultFields
}

// FieldLabel names a field of data.current for a message: "Due" for
// due_date, "Completion" for completion_percentage, "Issues" for
// issue_count, else the key capitalised with underscores as spaces.
func FieldLabel(name string) string {
	if label, ok := fieldLabels[name]; ok {
		return label
	}
	return Capitalize(strings.ReplaceAll(name, "_", " "))
}

// Project returns the project's key as far as the event shows it: a
// project's own key or name, or the prefix of an issue's or milestone's key
// (TURBO for TURBO-42). It is empty for an event without a key.
func (v *View) Project() string {
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

// AbsoluteURL returns link when it is an absolute http or https URL, which is
// all that chat platforms accept as a link target, and "" otherwise (for
// example a Link made without turbo.web_url).
func AbsoluteURL(link string) string {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return link
}

// EmptyIfNone returns "" for "none", which Change uses for an empty value, and
// value otherwise, so that a change value formats like a missing field.
func EmptyIfNone(value string) string {
	if value == "none" {
		return ""
	}
	return value
}

// Capitalize upper-cases the first letter of s.
func Capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
