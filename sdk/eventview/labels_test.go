package eventview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func TestFieldLabel(t *testing.T) {
	tests := map[string]string{
		"due_date":              "Due",
		"completion_percentage": "Completion",
		"issue_count":           "Issues",
		"status":                "Status",
		"story_points":          "Story points",
		"ünïcode":               "Ünïcode",
		"":                      "",
	}
	for name, want := range tests {
		if got := FieldLabel(name); got != want {
			t.Errorf("FieldLabel(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestViewProjectAndFields(t *testing.T) {
	tests := []struct {
		view        View
		wantProject string
		wantFields  string
	}{
		{View{EntityType: "issue", Key: "TURBO-42"}, "TURBO", "[status priority type assignee due_date]"},
		{View{EntityType: "milestone", Key: "TURBO-M3"}, "TURBO", "[status due_date issue_count]"},
		{View{EntityType: "project", Key: "TURBO", Title: "Turbo"}, "TURBO", "[status priority completion_percentage]"},
		{View{EntityType: "project", Title: "Turbo"}, "Turbo", "[status priority completion_percentage]"},
		{View{EntityType: "comment"}, "", "[]"},
		{View{EntityType: "document", Key: "DOC"}, "", "[status priority due_date]"},
	}
	for _, tc := range tests {
		t.Run(tc.view.EntityType+" "+tc.view.Key, func(t *testing.T) {
			if got := tc.view.Project(); got != tc.wantProject {
				t.Errorf("Project() = %q, want %q", got, tc.wantProject)
			}
			if got := fmt.Sprint(tc.view.Fields()); got != tc.wantFields {
				t.Errorf("Fields() = %s, want %s", got, tc.wantFields)
			}
		})
	}
}

func TestAbsoluteURL(t *testing.T) {
	tests := map[string]string{
		"https://turbo.example/issues/TURBO-42": "https://turbo.example/issues/TURBO-42",
		"http://localhost:3001/projects/1":      "http://localhost:3001/projects/1",
		"/issues/TURBO-42":                      "",
		"javascript:alert(1)":                   "",
		"ftp://turbo.example/x":                 "",
		"":                                      "",
	}
	for link, want := range tests {
		if got := AbsoluteURL(link); got != want {
			t.Errorf("AbsoluteURL(%q) = %q, want %q", link, got, want)
		}
	}
}

func TestEmptyIfNone(t *testing.T) {
	if EmptyIfNone("none") != "" || EmptyIfNone("open") != "open" {
		t.Errorf("EmptyIfNone maps none to %q and open to %q", EmptyIfNone("none"), EmptyIfNone("open"))
	}
}

func TestParseEvents(t *testing.T) {
	events := []sdk.Event{
		{ID: "e-1", Envelope: []byte(`{"event_type": "issue.created", "entity_type": "issue", "action": "created"}`)},
		{ID: "e-2", Envelope: []byte(`{"event_type": "comment.created", "entity_type": "comment", "action": "created"}`)},
	}
	views, err := ParseEvents(events)
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 2 || views[0].EventType != "issue.created" || views[1].EventType != "comment.created" {
		t.Errorf("views = %+v, want both events in order", views)
	}

	if _, err := ParseEvents(nil); err == nil || !strings.Contains(err.Error(), "no events") {
		t.Errorf("ParseEvents(nil) error = %v, want one about no events", err)
	}
	broken := []sdk.Event{{ID: "e-3", Envelope: []byte(`{`)}}
	if _, err := ParseEvents(broken); err == nil || !strings.Contains(err.Error(), "event e-3") {
		t.Errorf("ParseEvents(broken) error = %v, want one naming event e-3", err)
	}
}
