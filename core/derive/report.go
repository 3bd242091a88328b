package derive

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/event"
)

// Summary is what a daily digest or weekly report says about its period.
type Summary struct {
	// EventsByType counts the events received or derived in the period,
	// duplicates left out.
	EventsByType map[string]int `json:"events_by_type"`
	// Issues counts the distinct issues created and closed in the period, and
	// those overdue at its end.
	Issues IssueCounts `json:"issues"`
	// ByProject holds the same counts per project id; events without a project
	// are counted under "".
	ByProject map[string]*ProjectSummary `json:"by_project"`
}

// IssueCounts are the issue figures of a summary, each a number of distinct
// issues.
type IssueCounts struct {
	Created int `json:"created"`
	Closed  int `json:"closed"`
	Overdue int `json:"overdue"`
}

// ProjectSummary is one project's part of a summary.
type ProjectSummary struct {
	// Name and Key are the project's name and key (TURBO) from its stored
	// state. They are empty when no event about the project was stored.
	Name         string         `json:"name,omitempty"`
	Key          string         `json:"key,omitempty"`
	Events       int            `json:"events"`
	EventsByType map[string]int `json:"events_by_type"`
	Issues       IssueCounts    `json:"issues"`
}

// Report builds a periodic summary event (system.daily_digest or
// system.weekly_report) for the period that ends at to, titled in the time
// zone loc. Its id covers the type and the period's end, so the same report
// built twice is one event.
func Report(eventType string, from, to time.Time, loc *time.Location, s *Summary) (*event.Incoming, error) {
	end := to.UTC().Format(time.RFC3339)
	id := uuid.NewSHA1(Namespace, []byte("system|"+eventType+"|"+end)).String()
	tz := loc.String()
	title := reportTitles[eventType] + ", " + from.In(loc).Format("2 Jan 15:04") + " to " + to.In(loc).Format("2 Jan 15:04 MST")
	data, err := json.Marshal(map[string]any{
		"current": map[string]string{"title": title, "description": s.Text()},
		"period":  map[string]string{"from": from.UTC().Format(time.RFC3339), "to": end, "timezone": tz},
		"summary": s,
	})
	if err != nil {
		return nil, err
	}
	_, action, _ := cutLast(eventType)
	env := &event.Envelope{EventID: id, EventType: eventType, Timestamp: to.UTC(), EntityType: "system",
		EntityID: action, Action: action, Actor: &event.Actor{Type: "system", Name: "switchboard"}, Data: data, Derived: true}
	return Incoming(env)
}

// reportTitles head the reports' messages.
var reportTitles = map[string]string{"system.daily_digest": "Daily digest", "system.weekly_report": "Weekly report"}

// Text is the summary as a few lines for a person: the issue figures, the
// events by type, and each project's figures.
func (s *Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", s.Issues.text())
	if len(s.EventsByType) == 0 {
		b.WriteString("No events.")
		return b.String()
	}
	b.WriteString("Events: " + countsText(s.EventsByType) + ".")
	for _, id := range s.projectOrder() {
		p := s.ByProject[id]
		fmt.Fprintf(&b, "\n%s: %s; %s", p.label(id), counted(p.Events, "event", "events"), p.Issues.text())
	}
	return b.String()
}

// projectOrder returns the project ids of the summary sorted by how Text
// names them, then by id.
func (s *Summary) projectOrder() []string {
	ids := slices.Collect(maps.Keys(s.ByProject))
	slices.SortFunc(ids, func(a, b string) int {
		if c := strings.Compare(s.ByProject[a].label(a), s.ByProject[b].label(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}

// label names a project for a person: "Turbo Web (TURBO)", the name or the
// key alone, "Project <id>" when neither is known, or "No project".
func (p *ProjectSummary) label(id string) string {
	switch {
	case id == "":
		return "No project"
	case p.Name != "" && p.Key != "":
		return p.Name + " (" + p.Key + ")"
	case p.Name != "":
		return p.Name
	case p.Key != "":
		return p.Key
	}
	return "Project " + id
}

// NameProject sets a project's name and key from its stored state, the
// data.current of the last event about it; a nil state changes nothing.
func (s *Summary) NameProject(id string, state json.RawMessage) {
	p, ok := s.ByProject[id]
	if !ok {
		return
	}
	eachMember(state, func(key, value []byte) bool {
		switch keyText(key) {
		case "name":
			p.Name = text(stringValue(value))
		case "project_key":
			p.Key = text(stringValue(value))
		}
		return true
	})
}

func (c IssueCounts) text() string {
	return fmt.Sprintf("%s created, %d closed, %d overdue.", counted(c.Created, "issue", "issues"), c.Closed, c.Overdue)
}

// counted returns n with the noun in its singular or plural form.
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// countsText lists counts by name, sorted: "comment.created 4, issue.created 3".
func countsText(counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", name, counts[name]))
	}
	return strings.Join(parts, ", ")
}

// IssueEventTypes are the event types whose distinct issues CountIssues
// counts.
var IssueEventTypes = []string{"issue.created", "issue.closed"}

// Count adds n events of one type in a project to the summary.
func (s *Summary) Count(projectID, eventType string, n int) {
	p := s.project(projectID)
	s.EventsByType[eventType] += n
	p.Events += n
	p.EventsByType[eventType] += n
}

// CountIssues adds n distinct issues of a project that had an event of one of
// IssueEventTypes in the period: an issue closed, reopened and closed again
// counts once, and so does an issue whose close Turbo and Switchboard both
// reported. Other types are ignored.
func (s *Summary) CountIssues(projectID, eventType string, n int) {
	p := s.project(projectID)
	switch eventType {
	case "issue.created":
		s.Issues.Created += n
		p.Issues.Created += n
	case "issue.closed":
		s.Issues.Closed += n
		p.Issues.Closed += n
	}
}

// CountOverdue adds n issues of a project that are overdue at the period's end.
func (s *Summary) CountOverdue(projectID string, n int) {
	s.project(projectID).Issues.Overdue += n
	s.Issues.Overdue += n
}

// project returns a project's part of the summary, creating it on first use.
func (s *Summary) project(id string) *ProjectSummary {
	if s.EventsByType == nil {
		s.EventsByType = map[string]int{}
	}
	if s.ByProject == nil {
		s.ByProject = map[string]*ProjectSummary{}
	}
	p := s.ByProject[id]
	if p == nil {
		p = &ProjectSummary{EventsByType: map[string]int{}}
		s.ByProject[id] = p
	}
	return p
}
