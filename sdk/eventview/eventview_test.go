package eventview

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, name string) *View {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../testdata/turbo/envelope", name))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file   string
		label  string
		what   string
		link   string
		status string
	}{
		{"issue-created-high.json", "TURBO-42 Login fails with 500 after password reset", "issue created",
			"https://turbo.example/issues/TURBO-42", "open"},
		{"issue-closed.json", "TURBO-42 Login fails with 500 after password reset", "issue closed",
			"https://turbo.example/issues/TURBO-42", "closed"},
		{"milestone-completed.json", "TURBO-M3 v2.4 release", "milestone completed",
			"https://turbo.example/milestones/9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "completed"},
		{"project-created.json", "TURBO Turbo Web", "project created",
			"https://turbo.example/projects/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f", "active"},
		{"comment-created.json", "comment on issue 3b2f8e1a…", "comment created",
			"https://turbo.example/issues/3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b#comment-8e9f0a1b-2c3d-4e4f-8a5b-6c7d8e9f0a1b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			v := load(t, tt.file)
			if got := v.Label(); got != tt.label {
				t.Errorf("Label = %q, want %q", got, tt.label)
			}
			if got := v.What(); got != tt.what {
				t.Errorf("What = %q, want %q", got, tt.what)
			}
			if got := v.Link("https://turbo.example/"); got != tt.link {
				t.Errorf("Link = %q, want %q", got, tt.link)
			}
			if v.Status != tt.status {
				t.Errorf("Status = %q, want %q", v.Status, tt.status)
			}
		})
	}
}

func TestIssueFields(t *testing.T) {
	v := load(t, "issue-updated-status.json")
	if v.Priority != "critical" || v.Type != "bug" || v.Assignee != "lead@example.com" || v.ProjectID == "" {
		t.Errorf("issue fields = priority %q, type %q, assignee %q, project %q", v.Priority, v.Type, v.Assignee, v.ProjectID)
	}
	if due, ok := v.Due(); !ok || due.Day() != 5 {
		t.Errorf("Due = %v, %v; want 2026-12-05", due, ok)
	}
	var lines []string
	for _, c := range v.Changes {
		lines = append(lines, c.String())
	}
	if got := strings.Join(lines, "; "); got != "status: open → in_progress; priority: high → critical; assignee: none → lead@example.com" {
		t.Errorf("Changes = %s", got)
	}
	if v.Actor() != "dev@example.com" {
		t.Errorf("Actor = %q", v.Actor())
	}
}

func TestCommentAndAIActor(t *testing.T) {
	c := load(t, "comment-created.json")
	if !strings.Contains(c.Comment, "Root cause is the session cache") || c.IssueID == "" {
		t.Errorf("comment = %q on issue %q", c.Comment, c.IssueID)
	}
	ai := load(t, "issue-created-low.json")
	if ai.Actor() != "AI: triage-bot" {
		t.Errorf("Actor = %q, want the name alone: it says AI already", ai.Actor())
	}
}

func TestActorMarksAI(t *testing.T) {
	tests := []struct {
		actorType, name, want string
	}{
		{"ai", "triage-bot", "triage-bot (AI)"},
		{"ai", "AI: triage-bot", "AI: triage-bot"},
		{"ai", "Turbo AI", "Turbo AI"},
		{"ai", "Aiden", "Aiden (AI)"},
		{"user", "AI: triage-bot", "AI: triage-bot"},
		{"ai", "", ""},
	}
	for _, tc := range tests {
		v := FromDoc(map[string]any{"actor": map[string]any{"type": tc.actorType, "name": tc.name}})
		if got := v.Actor(); got != tc.want {
			t.Errorf("Actor of %s %q = %q, want %q", tc.actorType, tc.name, got, tc.want)
		}
	}
}

func TestDocumentContentIsDescription(t *testing.T) {
	v := FromDoc(map[string]any{"entity_type": "document", "action": "created",
		"data": map[string]any{"current": map[string]any{"title": "Runbook", "content": "Restart the cache first."}}})
	if v.Description != "Restart the cache first." {
		t.Errorf("Description = %q, want the document's content", v.Description)
	}
}

func TestChangesWithoutList(t *testing.T) {
	v := FromDoc(map[string]any{
		"event_type": "issue.updated", "entity_type": "issue", "action": "updated",
		"data": map[string]any{
			"previous": map[string]any{"status": "open", "title": "x", "updated_at": "1"},
			"current":  map[string]any{"status": "review", "title": "x", "updated_at": "2", "due_date": nil},
		},
	})
	if len(v.Changes) != 1 || v.Changes[0].String() != "status: open → review" {
		t.Errorf("Changes = %+v, want only the status", v.Changes)
	}
}

func TestTruncateRunes(t *testing.T) {
	if got := Truncate("Ünïcödé ✓ text", 8); got != "Ünïcödé…" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("short", 80); got != "short" {
		t.Errorf("Truncate = %q", got)
	}
}

func TestLinkWithoutEntity(t *testing.T) {
	v := FromDoc(map[string]any{"event_type": "note.created", "entity_type": "note", "entity_id": "n1"})
	if got := v.Link("https://turbo.example"); got != "https://turbo.example" {
		t.Errorf("Link of a note = %q, want the web UI's start page", got)
	}
	if got := v.PageLink("https://turbo.example"); got != "" {
		t.Errorf("PageLink of a note = %q, want none: its page is unknown", got)
	}
	report := FromDoc(map[string]any{"event_type": "system.daily_digest", "entity_type": "system"})
	if got := report.PageLink("https://turbo.example/"); got != "https://turbo.example" {
		t.Errorf("PageLink of a report = %q, want the web UI's start page", got)
	}
	if got := v.Label(); got != "note n1" {
		t.Errorf("Label = %q", got)
	}
}

func TestShowsDescription(t *testing.T) {
	tests := []struct {
		entityType, action string
		want               bool
	}{
		{"issue", "created", true},
		{"issue", "updated", false},
		{"system", "daily_digest", true},
		{"system", "weekly_report", true},
	}
	for _, tt := range tests {
		v := &View{EntityType: tt.entityType, Action: tt.action}
		if got := v.ShowsDescription(); got != tt.want {
			t.Errorf("%s %s: ShowsDescription = %t, want %t", tt.entityType, tt.action, got, tt.want)
		}
	}
}

func TestWhatNamesThreshold(t *testing.T) {
	tests := []struct {
		name, envelope, want string
	}{
		{"project completion", `{"event_type":"project.completion_milestone","entity_type":"project",` +
			`"action":"completion_milestone","data":{"threshold":50}}`, "project completion milestone (50 %)"},
		{"milestone progress", `{"event_type":"milestone.progress_updated","entity_type":"milestone",` +
			`"action":"progress_updated","data":{"threshold":60}}`, "milestone progress updated (60 %)"},
		{"fractional threshold", `{"entity_type":"project","action":"completion_milestone","data":{"threshold":12.5}}`,
			"project completion milestone (12.5 %)"},
		{"no threshold", `{"entity_type":"milestone","action":"progress_updated","data":{}}`, "milestone progress updated"},
		{"due-date warning", `{"event_type":"issue.due_date_approaching","entity_type":"issue",` +
			`"action":"due_date_approaching","data":{"threshold":"24h"}}`, "issue due date approaching (due within 24h)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.envelope))
			if err != nil {
				t.Fatal(err)
			}
			if got := v.What(); got != tt.want {
				t.Errorf("What = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDueDateOfDueDateEvent(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"local time takes the instant", `{"current":{"due_date":"2026-12-05T04:15:00"},"due_at":"2026-12-05T09:15:00Z"}`,
			"2026-12-05T09:15:00Z"},
		{"day alone stays a day", `{"current":{"due_date":"2026-12-05"},"due_at":"2026-12-06T05:00:00Z"}`, "2026-12-05"},
		{"instant stays as written", `{"current":{"due_date":"2026-12-05T17:00:00+01:00"},"due_at":"2026-12-05T16:00:00Z"}`,
			"2026-12-05T17:00:00+01:00"},
		{"local time without due_at", `{"current":{"due_date":"2026-12-05T04:15:00"}}`, "2026-12-05T04:15:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(`{"entity_type":"issue","action":"due_date_approaching","data":` + tt.data + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if v.DueDate != tt.want {
				t.Errorf("DueDate = %q, want %q", v.DueDate, tt.want)
			}
		})
	}
}

func TestReadDate(t *testing.T) {
	tests := []struct {
		text string
		form DateForm
		want string
	}{
		{"2026-12-05T17:00:00Z", Instant, "2026-12-05T17:00:00Z"},
		{"2026-12-05T17:00:00-05:00", Instant, "2026-12-05T22:00:00Z"},
		{"2026-12-05", Day, "2026-12-05T00:00:00Z"},
		{"2026-12-05T04:15:00", LocalTime, "2026-12-05T04:15:00Z"},
		{"2026-12-05 04:15", LocalTime, "2026-12-05T04:15:00Z"},
		{"next friday", NotADate, "0001-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, form := ReadDate(tt.text)
			if form != tt.form || got.UTC().Format(time.RFC3339) != tt.want {
				t.Errorf("ReadDate = %s, %d; want %s, %d", got.UTC().Format(time.RFC3339), form, tt.want, tt.form)
			}
		})
	}
}
