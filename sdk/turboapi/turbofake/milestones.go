package turbofake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

type milestoneRecord struct {
	id, projectID, name string
	// issues holds the ids of the milestone's issues.
	issues map[string]bool
}

// milestoneJSON is the part of Turbo's MilestoneResponse the fake serves.
type milestoneJSON struct {
	ID        string `json:"id"`
	ProjectID string `json:"project_id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
}

// AddMilestone registers a milestone of a project that issues can be linked to.
func (s *Server) AddMilestone(id, projectID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.milestones[id] = &milestoneRecord{id: id, projectID: projectID, name: name, issues: map[string]bool{}}
}

// listMilestones serves GET /milestones/?project_id=, oldest id first.
func (s *Server) listMilestones(x *exchange) {
	project := x.r.URL.Query().Get("project_id")
	out := []milestoneJSON{}
	for _, id := range s.sortedMilestones() {
		m := s.milestones[id]
		if project == "" || m.projectID == project {
			out = append(out, milestoneJSON{ID: m.id, ProjectID: m.projectID, Name: m.name, Status: "planned"})
		}
	}
	x.json(http.StatusOK, out)
}

// milestoneIssues serves GET /milestones/{milestone_id}/issues.
func (s *Server) milestoneIssues(x *exchange, id string) {
	if !pathUUID(x, "milestone_id", id) {
		return
	}
	m, ok := s.milestones[id]
	if !ok {
		x.detail(http.StatusNotFound, fmt.Sprintf("Milestone with id %s not found", id))
		return
	}
	out := []issueJSON{}
	for _, issueID := range s.order {
		if m.issues[issueID] {
			out = append(out, s.issues[issueID].issue.toJSON())
		}
	}
	x.json(http.StatusOK, out)
}

// readMilestoneIDs reads an update's milestone_ids: nil when the key is
// absent or null, else the ids. Like Turbo, it skips ids of no milestone.
func readMilestoneIDs(x *exchange, fields map[string]json.RawMessage) ([]string, bool) {
	raw, ok := fields["milestone_ids"]
	if !ok || string(raw) == "null" {
		return nil, true
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		x.invalid(problem{Type: "list_type", Loc: []string{"body", "milestone_ids"}, Msg: "Input should be a valid list"})
		return nil, false
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, true
}

// setMilestones replaces the milestones of an issue, as Turbo does for an
// update with milestone_ids; the caller holds s.mu.
func (s *Server) setMilestones(issueID string, ids []string) {
	for id, m := range s.milestones {
		m.issues[issueID] = slices.Contains(ids, id)
	}
}

func (s *Server) sortedMilestones() []string {
	ids := make([]string, 0, len(s.milestones))
	for id := range s.milestones {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
