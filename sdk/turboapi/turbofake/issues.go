package turbofake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"
)

func (s *Server) getIssue(x *exchange, idOrKey string) {
	rec := s.lookup(idOrKey)
	if rec == nil {
		x.detail(http.StatusNotFound, fmt.Sprintf("Issue '%s' not found", idOrKey))
		return
	}
	x.json(http.StatusOK, rec.issue.toJSON())
}

// listIssues serves GET /issues/?limit=, oldest first.
func (s *Server) listIssues(x *exchange) {
	limit := len(s.order)
	if text := x.r.URL.Query().Get("limit"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > 100 {
			x.invalid(problem{Type: "less_than_equal", Loc: []string{"query", "limit"}, Msg: "Input should be between 1 and 100"})
			return
		}
		limit = min(n, limit)
	}
	out := []issueJSON{}
	for _, id := range s.order[:limit] {
		out = append(out, s.issues[id].issue.toJSON())
	}
	x.json(http.StatusOK, out)
}

// createIssue serves POST /issues/. A non-discovery issue needs a known
// project, and gets the next key of that project.
func (s *Server) createIssue(x *exchange) {
	fields, ok := decodeObject(x)
	if !ok {
		return
	}
	issue := Issue{Status: "open", Priority: "medium", Type: "task"}
	if !s.readIssueFields(x, fields, &issue, true) {
		return
	}
	project, _, _, ok := stringField(x, fields, "project_id")
	if !ok {
		return
	}
	prefix, known := s.projects[project]
	if !known && issue.Type != "discovery" {
		x.detail(http.StatusNotFound, fmt.Sprintf("Project with id %s not found", project))
		return
	}

	now := s.now()
	issue.ID, issue.ProjectID, issue.CreatedAt, issue.UpdatedAt = s.newID(), project, now, now
	if known {
		s.nextIssue[project]++
		issue.Number = s.nextIssue[project]
		issue.Key = prefix + "-" + strconv.Itoa(issue.Number)
		s.keys[issue.Key] = issue.ID
	}
	s.issues[issue.ID] = &issueRecord{issue: issue, tags: map[string]bool{}}
	s.order = append(s.order, issue.ID)
	s.emitCreated(issue)
	x.json(http.StatusCreated, issue.toJSON())
}

// updateIssue serves PUT /issues/{id_or_key}: only the fields sent change.
func (s *Server) updateIssue(x *exchange, idOrKey string) {
	rec := s.lookup(idOrKey)
	if rec == nil {
		x.detail(http.StatusNotFound, fmt.Sprintf("Issue '%s' not found", idOrKey))
		return
	}
	fields, ok := decodeObject(x)
	if !ok {
		return
	}
	next := rec.issue
	if !s.readIssueFields(x, fields, &next, false) {
		return
	}
	assignedByID, ok := readAssignedTo(x, fields, &next)
	if !ok {
		return
	}
	milestones, ok := readMilestoneIDs(x, fields)
	if !ok {
		return
	}
	if milestones != nil {
		s.setMilestones(rec.issue.ID, milestones)
	}
	s.change(rec, next, assignedByID)
	x.json(http.StatusOK, rec.issue.toJSON())
}

// readAssignedTo applies an update's assigned_to_type (user or staff) and
// assigned_to_id (a UUID) to issue, answering 422 for other values. assigned
// reports that the update set assigned_to_id, for which Turbo posts
// issue.assigned.
func readAssignedTo(x *exchange, fields map[string]json.RawMessage, issue *Issue) (assigned, ok bool) {
	kind, kindSent, kindNull, ok := stringField(x, fields, "assigned_to_type")
	if !ok {
		return false, false
	}
	id, idSent, idNull, ok := stringField(x, fields, "assigned_to_id")
	if !ok {
		return false, false
	}
	if kindSent && !kindNull {
		if p := checkEnum("assigned_to_type", kind, []string{"user", "staff"}); p != nil {
			x.invalid(*p)
			return false, false
		}
		issue.AssignedToType = kind
	}
	if !idSent || idNull {
		return false, true
	}
	if _, err := uuid.Parse(id); err != nil {
		x.invalid(problem{Type: "uuid_parsing", Loc: []string{"body", "assigned_to_id"}, Msg: "Input should be a valid UUID"})
		return false, false
	}
	issue.AssignedToID = id
	return true, true
}

// readIssueFields applies the issue fields of a create or update body to
// issue, answering 422 for a value the schema does not allow.
func (s *Server) readIssueFields(x *exchange, fields map[string]json.RawMessage, issue *Issue, create bool) bool {
	targets := []struct {
		name    string
		dst     *string
		allowed []string
	}{
		{"title", &issue.Title, nil},
		{"description", &issue.Description, nil},
		{"type", &issue.Type, issueTypes},
		{"status", &issue.Status, issueStatuses},
		{"priority", &issue.Priority, priorities},
		{"assignee", &issue.Assignee, nil},
	}
	var problems []problem
	for _, t := range targets {
		value, present, null, ok := stringField(x, fields, t.name)
		if !ok {
			return false
		}
		if !present || (null && t.name != "assignee" && t.name != "description") {
			continue
		}
		if t.allowed != nil {
			if p := checkEnum(t.name, value, t.allowed); p != nil {
				problems = append(problems, *p)
				continue
			}
		}
		*t.dst = value
	}
	if (create || fields["title"] != nil) && issue.Title == "" {
		problems = append(problems, problem{Type: "string_too_short", Loc: []string{"body", "title"}, Msg: "String should have at least 1 character"})
	}
	if len(problems) > 0 {
		x.invalid(problems...)
		return false
	}
	return true
}

// assignIssue serves POST /issues/{issue_id}/assign.
func (s *Server) assignIssue(x *exchange, id string) {
	if !pathUUID(x, "issue_id", id) {
		return
	}
	fields, ok := decodeObject(x)
	if !ok {
		return
	}
	assignee, present, null, ok := stringField(x, fields, "assignee")
	if !ok {
		return
	}
	if !present || null {
		x.invalid(problem{Type: "missing", Loc: []string{"body", "assignee"}, Msg: "Field required"})
		return
	}
	rec := s.issueByID(x, id)
	if rec == nil {
		return
	}
	next := rec.issue
	next.Assignee = assignee
	s.change(rec, next, false)
	x.json(http.StatusOK, rec.issue.toJSON())
}

// setStatus serves POST /issues/{issue_id}/close and /reopen.
func (s *Server) setStatus(x *exchange, id, action string) {
	rec := s.issueByID(x, id)
	if rec == nil {
		return
	}
	next := rec.issue
	next.Status = "closed"
	if action == "reopen" {
		next.Status = "open"
	}
	s.change(rec, next, false)
	x.json(http.StatusOK, rec.issue.toJSON())
}

// tagIssue serves POST and DELETE /issues/{issue_id}/tags/{tag_id}. Turbo
// answers an unknown tag on POST with 400.
func (s *Server) tagIssue(x *exchange, id, tagID string) {
	if !pathUUID(x, "issue_id", id) || !pathUUID(x, "tag_id", tagID) {
		return
	}
	rec := s.issueByID(x, id)
	if rec == nil {
		return
	}
	if x.r.Method == http.MethodDelete {
		delete(rec.tags, tagID)
		x.status = http.StatusNoContent
		x.w.WriteHeader(http.StatusNoContent)
		return
	}
	if _, ok := s.tags[tagID]; !ok {
		x.detail(http.StatusBadRequest, fmt.Sprintf("Tag with id %s not found", tagID))
		return
	}
	rec.tags[tagID] = true
	x.json(http.StatusOK, rec.issue.toJSON())
}

// change stores next as the issue's new state and queues the webhooks of the
// change; the caller holds s.mu.
func (s *Server) change(rec *issueRecord, next Issue, assignedToID bool) {
	previous := rec.issue
	changes := changedFields(previous, next)
	if len(changes) > 0 {
		next.UpdatedAt = s.now()
	}
	rec.issue = next
	s.logf("issue %s %s changed %v", next.Key, next.ID, changes)
	s.emitChange(previous, next, changes, assignedToID)
}

func changedFields(a, b Issue) []string {
	var out []string
	pairs := []struct {
		name string
		a, b string
	}{
		{"title", a.Title, b.Title}, {"description", a.Description, b.Description}, {"type", a.Type, b.Type},
		{"status", a.Status, b.Status}, {"priority", a.Priority, b.Priority}, {"assignee", a.Assignee, b.Assignee},
	}
	for _, p := range pairs {
		if p.a != p.b {
			out = append(out, p.name)
		}
	}
	return out
}

// issueByID returns the issue a path names by UUID, answering 422 for an id
// that is not a UUID and 404 for an unknown issue.
func (s *Server) issueByID(x *exchange, id string) *issueRecord {
	if !pathUUID(x, "issue_id", id) {
		return nil
	}
	rec := s.issues[id]
	if rec == nil {
		x.detail(http.StatusNotFound, fmt.Sprintf("Issue with id %s not found", id))
	}
	return rec
}
