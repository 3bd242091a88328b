package derive

import (
	"encoding/json"
	"testing"
	"time"
)

func TestReportEvent(t *testing.T) {
	s := &Summary{}
	s.Count("p1", "issue.created", 3)
	s.CountIssues("p1", "issue.created", 3)
	s.Count("p1", "issue.closed", 2)
	s.CountIssues("p1", "issue.closed", 1)
	s.Count("", "comment.created", 4)
	s.CountOverdue("p1", 2)
	to := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	in, err := Report("system.daily_digest", to.AddDate(0, 0, -1), to, berlin, s)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Report("system.daily_digest", to.AddDate(0, 0, -1), to, berlin, &Summary{})
	if in.Envelope.EventID != again.Envelope.EventID {
		t.Errorf("the same period's report has two ids")
	}
	if !in.Envelope.Derived || in.Envelope.EntityType != "system" || in.Envelope.Action != "daily_digest" {
		t.Errorf("envelope %+v, want a derived system event with action daily_digest", in.Envelope)
	}

	var data struct {
		Current map[string]string `json:"current"`
	}
	if err := json.Unmarshal(in.Envelope.Data, &data); err != nil {
		t.Fatal(err)
	}
	wantTitle := "Daily digest, 3 Dec 09:00 to 4 Dec 09:00 CET"
	wantText := "3 issues created, 1 closed, 2 overdue.\n" +
		"Events: comment.created 4, issue.closed 2, issue.created 3.\n" +
		"No project: 4 events; 0 issues created, 0 closed, 0 overdue.\n" +
		"Project p1: 5 events; 3 issues created, 1 closed, 2 overdue."
	if data.Current["title"] != wantTitle || data.Current["description"] != wantText {
		t.Errorf("current = %q\n%s\nwant %q\n%s", data.Current["title"], data.Current["description"], wantTitle, wantText)
	}
}

func TestReportNamesProjects(t *testing.T) {
	s := &Summary{}
	s.Count("6f1c2d3e", "issue.created", 2)
	s.CountIssues("6f1c2d3e", "issue.created", 2)
	s.Count("0a9b8c7d", "issue.closed", 1)
	s.CountIssues("0a9b8c7d", "issue.closed", 1)
	s.Count("5e4f3a2b", "comment.created", 1)
	s.Count("1d2c3b4a", "comment.created", 3)
	s.NameProject("6f1c2d3e", []byte(`{"name":"Turbo Web","project_key":"TURBO","status":"active"}`))
	s.NameProject("0a9b8c7d", []byte(`{"project_key":"OPS","name":null}`))
	s.NameProject("1d2c3b4a", []byte(`{"name":"Apps"}`))
	s.NameProject("5e4f3a2b", nil)
	s.NameProject("not-in-summary", []byte(`{"name":"Ghost"}`))

	to := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	in, err := Report("system.weekly_report", to.AddDate(0, 0, -7), to, time.UTC, s)
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Current map[string]string `json:"current"`
		Summary struct {
			ByProject map[string]map[string]any `json:"by_project"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(in.Envelope.Data, &data); err != nil {
		t.Fatal(err)
	}
	wantText := "2 issues created, 1 closed, 0 overdue.\n" +
		"Events: comment.created 4, issue.closed 1, issue.created 2.\n" +
		"Apps: 3 events; 0 issues created, 0 closed, 0 overdue.\n" +
		"OPS: 1 event; 0 issues created, 1 closed, 0 overdue.\n" +
		"Project 5e4f3a2b: 1 event; 0 issues created, 0 closed, 0 overdue.\n" +
		"Turbo Web (TURBO): 2 events; 2 issues created, 0 closed, 0 overdue."
	if got := data.Current["description"]; got != wantText {
		t.Errorf("description:\n%s\nwant:\n%s", got, wantText)
	}
	if p := data.Summary.ByProject["6f1c2d3e"]; p["name"] != "Turbo Web" || p["key"] != "TURBO" {
		t.Errorf("summary of 6f1c2d3e = %v, want its name and key", p)
	}
	if _, ok := data.Summary.ByProject["not-in-summary"]; ok {
		t.Errorf("naming a project without events added it to the summary")
	}
}

func TestSummaryTextCountsInSingular(t *testing.T) {
	s := &Summary{}
	s.Count("", "issue.created", 1)
	s.CountIssues("", "issue.created", 1)
	want := "1 issue created, 0 closed, 0 overdue.\nEvents: issue.created 1.\nNo project: 1 event; 1 issue created, 0 closed, 0 overdue."
	if got := s.Text(); got != want {
		t.Errorf("Text() =\n%s\nwant\n%s", got, want)
	}
}
