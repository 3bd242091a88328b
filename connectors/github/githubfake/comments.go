package githubfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"
)

const docsComments = "https://docs.github.com/rest/issues/comments"

// readCommentBody reads {"body": ...} and answers 422 for an empty or too long
// body.
func readCommentBody(c *call) (string, bool) {
	var req struct {
		Body *string `json:"body"`
	}
	if json.Unmarshal(c.body, &req) != nil {
		c.message(http.StatusBadRequest, "Problems parsing JSON", docsComments)
		return "", false
	}
	switch {
	case req.Body == nil || *req.Body == "":
		c.invalid(docsComments, validationError{Resource: "IssueComment", Field: "body", Code: "missing_field"})
		return "", false
	case utf8.RuneCountInString(*req.Body) > MaxBodyChars:
		c.invalid(docsComments, validationError{Resource: "IssueComment", Field: "body", Code: "custom",
			Message: "body is too long (maximum is 65536 characters)"})
		return "", false
	}
	return *req.Body, true
}

func (s *Server) createComment(c *call, r *repo, issue *Issue) {
	body, ok := readCommentBody(c)
	if !ok {
		return
	}
	now := s.timestamp()
	comment := &Comment{ID: s.newID(), Repo: issue.Repo, Issue: issue.Number, Body: body, Author: c.user.Login,
		CreatedAt: now, UpdatedAt: now}
	s.comments[comment.ID] = comment
	issue.Comments++
	issue.UpdatedAt = now
	s.commentEvent(c, r, issue, comment, "created", nil)
	c.json(http.StatusCreated, s.commentJSON(r, comment))
}

func (s *Server) listComments(c *call, r *repo, issue *Issue) {
	out := []map[string]any{}
	for _, comment := range s.commentsOf(issue) {
		out = append(out, s.commentJSON(r, comment))
	}
	c.json(http.StatusOK, out)
}

func (s *Server) commentsOf(issue *Issue) []*Comment {
	var out []*Comment
	for _, comment := range s.comments {
		if comment.Repo == issue.Repo && comment.Issue == issue.Number {
			out = append(out, comment)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].ID < out[j-1].ID; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// routeComment serves PATCH and DELETE .../issues/comments/{id}.
func (s *Server) routeComment(c *call, r *repo, rawID string) {
	id, _ := strconv.ParseInt(rawID, 10, 64)
	comment := s.comments[id]
	if comment == nil || comment.Repo != r.owner+"/"+r.name {
		c.notFound()
		return
	}
	issue := r.issues[comment.Issue]
	switch c.r.Method {
	case http.MethodGet:
		c.json(http.StatusOK, s.commentJSON(r, comment))
	case http.MethodPatch:
		body, ok := readCommentBody(c)
		if !ok {
			return
		}
		if body != comment.Body {
			old := comment.Body
			comment.Body, comment.UpdatedAt = body, s.timestamp()
			s.commentEvent(c, r, issue, comment, "edited", map[string]any{"changes": map[string]any{"body": map[string]any{"from": old}}})
		}
		c.json(http.StatusOK, s.commentJSON(r, comment))
	case http.MethodDelete:
		delete(s.comments, id)
		issue.Comments--
		s.commentEvent(c, r, issue, comment, "deleted", nil)
		c.w.WriteHeader(http.StatusNoContent)
	default:
		c.notFound()
	}
}
