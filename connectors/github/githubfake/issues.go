package githubfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	docsCreateIssue = "https://docs.github.com/rest/issues/issues#create-an-issue"
	docsUpdateIssue = "https://docs.github.com/rest/issues/issues#update-an-issue"
)

// issueRequest is the body of a create or edit; nil fields are not sent.
type issueRequest struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
	Labels      *[]string `json:"labels"`
	Assignees   *[]string `json:"assignees"`
}

// checkIssueRequest returns the validation errors GitHub gives for the request.
func (s *Server) checkIssueRequest(req issueRequest, create bool) []validationError {
	var errs []validationError
	if create && (req.Title == nil || *req.Title == "") {
		errs = append(errs, validationError{Resource: "Issue", Field: "title", Code: "missing_field"})
	}
	if req.Title != nil && utf8.RuneCountInString(*req.Title) > MaxTitleChars {
		errs = append(errs, validationError{Resource: "Issue", Field: "title", Code: "custom",
			Message: "title is too long (maximum is 256 characters)"})
	}
	if req.Body != nil && utf8.RuneCountInString(*req.Body) > MaxBodyChars {
		errs = append(errs, validationError{Resource: "Issue", Field: "body", Code: "custom",
			Message: "body is too long (maximum is 65536 characters)"})
	}
	if req.State != nil && *req.State != "open" && *req.State != "closed" {
		errs = append(errs, validationError{Resource: "Issue", Field: "state", Code: "invalid", Value: *req.State})
	}
	if req.StateReason != nil && !slices.Contains([]string{"completed", "not_planned", "reopened", "duplicate"}, *req.StateReason) {
		errs = append(errs, validationError{Resource: "Issue", Field: "state_reason", Code: "invalid", Value: *req.StateReason})
	}
	if req.Assignees != nil {
		for _, login := range *req.Assignees {
			if s.userByLogin(login) == nil {
				errs = append(errs, validationError{Resource: "Issue", Field: "assignees", Code: "invalid", Value: login})
			}
		}
	}
	return errs
}

func (s *Server) createIssue(c *call, r *repo) {
	var req issueRequest
	if json.Unmarshal(c.body, &req) != nil {
		c.message(http.StatusBadRequest, "Problems parsing JSON", docsCreateIssue)
		return
	}
	if errs := s.checkIssueRequest(req, true); len(errs) > 0 {
		c.invalid(docsCreateIssue, errs...)
		return
	}

	now := s.timestamp()
	r.next++
	issue := &Issue{ID: s.newID(), Number: r.next, Repo: r.owner + "/" + r.name, Title: *req.Title, State: "open",
		Author: c.user.Login, CreatedAt: now, UpdatedAt: now}
	if req.Body != nil {
		issue.Body = *req.Body
	}
	if req.Labels != nil {
		issue.Labels = uniqueSorted(*req.Labels)
	}
	if req.Assignees != nil {
		issue.Assignees = uniqueSorted(*req.Assignees)
	}
	r.issues[issue.Number] = issue
	s.logf("%s opened %s#%d %q", c.user.Login, issue.Repo, issue.Number, issue.Title)

	s.issueEvent(c, r, issue, "opened", nil)
	for _, name := range issue.Labels {
		s.issueEvent(c, r, issue, "labeled", map[string]any{"label": map[string]any{"name": name}})
	}
	for _, login := range issue.Assignees {
		s.issueEvent(c, r, issue, "assigned", map[string]any{"assignee": userJSON(s.userByLogin(login))})
	}
	c.json(http.StatusCreated, s.issueJSON(r, issue))
}

// editIssue serves PATCH: labels and assignees replace the whole set; a state
// reason counts only with a change of state.
func (s *Server) editIssue(c *call, r *repo, issue *Issue) {
	var req issueRequest
	if json.Unmarshal(c.body, &req) != nil {
		c.message(http.StatusBadRequest, "Problems parsing JSON", docsUpdateIssue)
		return
	}
	if errs := s.checkIssueRequest(req, false); len(errs) > 0 {
		c.invalid(docsUpdateIssue, errs...)
		return
	}

	before := copyIssue(issue)
	changes := map[string]any{}
	if req.Title != nil && *req.Title != issue.Title {
		changes["title"] = map[string]any{"from": issue.Title}
		issue.Title = *req.Title
	}
	if req.Body != nil && *req.Body != issue.Body {
		changes["body"] = map[string]any{"from": issue.Body}
		issue.Body = *req.Body
	}
	if req.Labels != nil {
		issue.Labels = uniqueSorted(*req.Labels)
	}
	if req.Assignees != nil {
		issue.Assignees = uniqueSorted(*req.Assignees)
	}
	stateChanged := req.State != nil && *req.State != issue.State
	if stateChanged {
		s.setState(issue, *req.State, req.StateReason)
	}
	if len(changes) > 0 || stateChanged || !slices.Equal(before.Labels, issue.Labels) || !slices.Equal(before.Assignees, issue.Assignees) {
		issue.UpdatedAt = s.timestamp()
	}

	if len(changes) > 0 {
		s.issueEvent(c, r, issue, "edited", map[string]any{"changes": changes})
	}
	if stateChanged {
		s.issueEvent(c, r, issue, map[string]string{"open": "reopened", "closed": "closed"}[issue.State], nil)
	}
	s.setEvents(c, r, issue, before.Labels, issue.Labels, "labeled", "unlabeled", labelPayload)
	s.setEvents(c, r, issue, before.Assignees, issue.Assignees, "assigned", "unassigned", s.assigneePayload)
	c.json(http.StatusOK, s.issueJSON(r, issue))
}

func (s *Server) setState(issue *Issue, state string, reason *string) {
	now := s.timestamp()
	issue.State = state
	switch {
	case state == "closed":
		issue.ClosedAt, issue.StateReason = &now, "completed"
	default:
		issue.ClosedAt, issue.StateReason = nil, "reopened"
	}
	if reason != nil {
		issue.StateReason = *reason
	}
}

func labelPayload(name string) map[string]any {
	return map[string]any{"label": map[string]any{"name": name}}
}

func (s *Server) assigneePayload(login string) map[string]any {
	return map[string]any{"assignee": userJSON(s.userByLogin(login))}
}

// setEvents sends added and removed events for the difference of two sets.
func (s *Server) setEvents(c *call, r *repo, issue *Issue, before, after []string, added, removed string, payload func(string) map[string]any) {
	for _, name := range after {
		if !slices.Contains(before, name) {
			s.issueEvent(c, r, issue, added, payload(name))
		}
	}
	for _, name := range before {
		if !slices.Contains(after, name) {
			s.issueEvent(c, r, issue, removed, payload(name))
		}
	}
}

// addLabels serves POST .../labels with a JSON array of names, or an object
// with "labels", as GitHub accepts both.
func (s *Server) addLabels(c *call, r *repo, issue *Issue) {
	var names []string
	if json.Unmarshal(c.body, &names) != nil {
		var wrapped struct {
			Labels []string `json:"labels"`
		}
		if json.Unmarshal(c.body, &wrapped) != nil {
			c.message(http.StatusBadRequest, "Problems parsing JSON", docsREST)
			return
		}
		names = wrapped.Labels
	}
	before := append([]string(nil), issue.Labels...)
	issue.Labels = uniqueSorted(append(issue.Labels, names...))
	if !slices.Equal(before, issue.Labels) {
		issue.UpdatedAt = s.timestamp()
	}
	s.setEvents(c, r, issue, before, issue.Labels, "labeled", "unlabeled", labelPayload)
	out := make([]map[string]any, 0, len(issue.Labels))
	for _, name := range issue.Labels {
		out = append(out, map[string]any{"name": name})
	}
	c.json(http.StatusOK, out)
}

func (s *Server) removeLabel(c *call, r *repo, issue *Issue, escaped string) {
	name, _ := url.PathUnescape(escaped)
	i := slices.Index(issue.Labels, name)
	if i < 0 {
		c.message(http.StatusNotFound, "Label does not exist", docsREST)
		return
	}
	issue.Labels = slices.Delete(issue.Labels, i, i+1)
	issue.UpdatedAt = s.timestamp()
	s.issueEvent(c, r, issue, "unlabeled", labelPayload(name))
	c.json(http.StatusOK, []any{})
}

func (s *Server) changeAssignees(c *call, r *repo, issue *Issue) {
	var req struct {
		Assignees []string `json:"assignees"`
	}
	if json.Unmarshal(c.body, &req) != nil {
		c.message(http.StatusBadRequest, "Problems parsing JSON", docsREST)
		return
	}
	before := append([]string(nil), issue.Assignees...)
	if c.r.Method == http.MethodPost {
		for _, login := range req.Assignees {
			if s.userByLogin(login) != nil {
				issue.Assignees = append(issue.Assignees, login)
			}
		}
		issue.Assignees = uniqueSorted(issue.Assignees)
	} else {
		issue.Assignees = slices.DeleteFunc(issue.Assignees, func(login string) bool { return slices.Contains(req.Assignees, login) })
	}
	if !slices.Equal(before, issue.Assignees) {
		issue.UpdatedAt = s.timestamp()
	}
	s.setEvents(c, r, issue, before, issue.Assignees, "assigned", "unassigned", s.assigneePayload)
	status := http.StatusOK
	if c.r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	c.json(status, s.issueJSON(r, issue))
}

// listIssues serves GET .../issues with state, creator, since, sort,
// direction, per_page and page, and a Link header to the next page.
func (s *Server) listIssues(c *call, r *repo) {
	q := c.r.URL.Query()
	state := valueOr(q.Get("state"), "open")
	var since time.Time
	if v := q.Get("since"); v != "" {
		since, _ = time.Parse(time.RFC3339, v)
	}
	var matched []*Issue
	for _, issue := range r.issues {
		if (state != "all" && issue.State != state) || (q.Get("creator") != "" && issue.Author != q.Get("creator")) ||
			issue.UpdatedAt.Before(since) {
			continue
		}
		matched = append(matched, issue)
	}
	sortIssues(matched, valueOr(q.Get("sort"), "created"), valueOr(q.Get("direction"), "desc"))

	perPage := min(max(atoiOr(q.Get("per_page"), 30), 1), 100)
	page := max(atoiOr(q.Get("page"), 1), 1)
	start := min((page-1)*perPage, len(matched))
	end := min(start+perPage, len(matched))
	if end < len(matched) {
		next := *c.r.URL
		values := next.Query()
		values.Set("page", strconv.Itoa(page+1))
		next.RawQuery = values.Encode()
		c.w.Header().Set("Link", "<"+s.srv.URL+next.RequestURI()+`>; rel="next"`)
	}
	out := make([]map[string]any, 0, end-start)
	for _, issue := range matched[start:end] {
		out = append(out, s.issueJSON(r, issue))
	}
	c.json(http.StatusOK, out)
}

func sortIssues(issues []*Issue, by, direction string) {
	key := func(i *Issue) time.Time { return i.CreatedAt }
	if by == "updated" {
		key = func(i *Issue) time.Time { return i.UpdatedAt }
	}
	sort.SliceStable(issues, func(i, j int) bool {
		a, b := key(issues[i]), key(issues[j])
		if a.Equal(b) {
			a, b = time.Unix(int64(issues[i].Number), 0), time.Unix(int64(issues[j].Number), 0)
		}
		if direction == "asc" {
			return a.Before(b)
		}
		return a.After(b)
	})
}

func (s *Server) dispatch(c *call, r *repo) {
	var req struct {
		EventType     string         `json:"event_type"`
		ClientPayload map[string]any `json:"client_payload"`
	}
	if json.Unmarshal(c.body, &req) != nil {
		c.message(http.StatusBadRequest, "Problems parsing JSON", docsREST)
		return
	}
	const docs = "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event"
	switch {
	case req.EventType == "" || utf8.RuneCountInString(req.EventType) > 100:
		c.invalid(docs, validationError{Resource: "Repository", Field: "event_type", Code: "invalid"})
		return
	case len(req.ClientPayload) > 10:
		c.message(http.StatusUnprocessableEntity, "No more than 10 properties are allowed; "+strconv.Itoa(len(req.ClientPayload))+" were supplied.", docs)
		return
	}
	s.dispatches = append(s.dispatches, Dispatch{Repo: r.owner + "/" + r.name, EventType: req.EventType,
		ClientPayload: req.ClientPayload, Sender: c.user.Login})
	c.w.WriteHeader(http.StatusNoContent)
}

func uniqueSorted(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}

func valueOr(value, fallback string) string {
	if strings.TrimSpace(value) == "" {
		return fallback
	}
	return value
}

func atoiOr(value string, fallback int) int {
	n, err := strconv.Atoi(value)
	if err != nil {
		return fallback
	}
	return n
}
