package derive

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/event"
)

// Summary is what a daily digest or weekly report says about its period.
type Summary struct {
	// EventsByType counts the events received or derived in the period,
	// duplicates left out.
	EventsByType map[string]int `json:"events_by_type"`
	// Issues counts issues created and closed in the period, and those overdue
	// at its end.
	Issues IssueCounts `json:"issues"`
	// ByProject holds the same counts per project id; events without a project
	// are counted under "".
	ByProject map[string]*ProjectSummary `json:"by_project"`
}

// IssueCounts are the issue figures of a summary.
type IssueCounts struct {
	Created int `json:"created"`
	Closed  int `json:"closed"`
	Overdue int `json:"overdue"`
}

// ProjectSummary is one project's part of a summary.
type ProjectSummary struct {
	Events       int            `json:"events"`
	EventsByType map[string]int `json:"events_by_type"`
	Issues       IssueCounts    `json:"issues"`
}

// Report builds a periodic summary event (system.daily_digest or
// system.weekly_report) for the period that ends at to. Its id covers the type
// and the period's end, so the same report built twice is one event.
func Report(eventType string, from, to time.Time, tz string, s *Summary) (*event.Incoming, error) {
	end := to.UTC().Format(time.RFC3339)
	id := uuid.NewSHA1(Namespace, []byte("system|"+eventType+"|"+end)).String()
	data, err := json.Marshal(map[string]any{
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

// Count adds n events of one type in a project to the summary.
func (s *Summary) Count(projectID, eventType string, n int) {
	p := s.project(projectID)
	s.EventsByType[eventType] += n
	p.Events += n
	p.EventsByType[eventType] += n
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
