package githubfake

import (
	"strconv"
	"time"
)

// The JSON shapes of GitHub's REST API, with the fields the connector and
// go-github read.

func userJSON(u *User) map[string]any {
	if u == nil {
		return nil
	}
	return map[string]any{"login": u.Login, "id": u.ID, "type": u.Type, "node_id": "U_" + strconv.FormatInt(u.ID, 10)}
}

func (s *Server) userByLogin(login string) *User {
	for _, u := range s.users {
		if u.Login == login {
			return u
		}
	}
	return nil
}

func timeJSON(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) repoJSON(r *repo) map[string]any {
	return map[string]any{"id": r.id, "name": r.name, "full_name": r.owner + "/" + r.name,
		"owner": map[string]any{"login": r.owner}, "html_url": "https://github.com/" + r.owner + "/" + r.name,
		"private": false, "has_issues": !r.issuesOff}
}

func (s *Server) issueJSON(r *repo, issue *Issue) map[string]any {
	base := s.srv.URL + "/repos/" + r.owner + "/" + r.name
	labels := make([]map[string]any, 0, len(issue.Labels))
	for _, name := range issue.Labels {
		labels = append(labels, map[string]any{"name": name})
	}
	assignees := make([]map[string]any, 0, len(issue.Assignees))
	for _, login := range issue.Assignees {
		assignees = append(assignees, userJSON(s.userByLogin(login)))
	}
	out := map[string]any{
		"id": issue.ID, "node_id": "I_" + strconv.FormatInt(issue.ID, 10), "number": issue.Number,
		"title": issue.Title, "body": issue.Body, "state": issue.State, "labels": labels, "assignees": assignees,
		"assignee": nil, "user": userJSON(s.userByLogin(issue.Author)), "comments": issue.Comments,
		"created_at": timeJSON(issue.CreatedAt), "updated_at": timeJSON(issue.UpdatedAt), "closed_at": nil,
		"url": base + "/issues/" + strconv.Itoa(issue.Number), "repository_url": base,
		"html_url":     "https://github.com/" + r.owner + "/" + r.name + "/issues/" + strconv.Itoa(issue.Number),
		"state_reason": nil,
	}
	if len(assignees) > 0 {
		out["assignee"] = assignees[0]
	}
	if issue.ClosedAt != nil {
		out["closed_at"] = timeJSON(*issue.ClosedAt)
	}
	if issue.StateReason != "" {
		out["state_reason"] = issue.StateReason
	}
	return out
}

func (s *Server) commentJSON(r *repo, c *Comment) map[string]any {
	return map[string]any{"id": c.ID, "node_id": "IC_" + strconv.FormatInt(c.ID, 10), "body": c.Body,
		"user": userJSON(s.userByLogin(c.Author)), "created_at": timeJSON(c.CreatedAt), "updated_at": timeJSON(c.UpdatedAt),
		"issue_url":          s.srv.URL + "/repos/" + r.owner + "/" + r.name + "/issues/" + strconv.Itoa(c.Issue),
		"html_url":           "https://github.com/" + r.owner + "/" + r.name + "/issues/" + strconv.Itoa(c.Issue) + "#issuecomment-" + strconv.FormatInt(c.ID, 10),
		"author_association": "OWNER"}
}
