package turbofake

import (
	"fmt"
	"net/http"
)

// createComment serves POST /comments/.
func (s *Server) createComment(x *exchange) {
	fields, ok := decodeObject(x)
	if !ok {
		return
	}
	var c Comment
	var problems []problem
	for _, f := range []struct {
		name string
		dst  *string
	}{{"entity_type", &c.EntityType}, {"entity_id", &c.EntityID}, {"content", &c.Content}, {"author_name", &c.AuthorName}, {"author_type", &c.AuthorType}} {
		value, present, null, ok := stringField(x, fields, f.name)
		if !ok {
			return
		}
		if !present || null || value == "" {
			problems = append(problems, problem{Type: "missing", Loc: []string{"body", f.name}, Msg: "Field required"})
			continue
		}
		*f.dst = value
	}
	if c.AuthorType != "" {
		if p := checkEnum("author_type", c.AuthorType, authorTypes); p != nil {
			problems = append(problems, *p)
		}
	}
	if len(problems) > 0 {
		x.invalid(problems...)
		return
	}

	now := s.now()
	c.ID, c.CreatedAt, c.UpdatedAt, c.seq = s.newID(), now, now, len(s.comments)+1
	s.comments[c.ID] = &commentRecord{Comment: c}
	s.logf("comment %s on %s %s by %s", c.ID, c.EntityType, c.EntityID, c.AuthorName)
	s.emitComment("created", c)
	x.json(http.StatusCreated, c.toJSON())
}

// updateComment serves PUT /comments/id/{comment_id}.
func (s *Server) updateComment(x *exchange, id string) {
	rec, ok := s.findComment(x, id)
	if !ok {
		return
	}
	fields, ok := decodeObject(x)
	if !ok {
		return
	}
	content, present, null, ok := stringField(x, fields, "content")
	if !ok {
		return
	}
	if present && !null && content != rec.Content {
		rec.Content, rec.UpdatedAt = content, s.now()
		s.emitComment("updated", rec.Comment)
	}
	x.json(http.StatusOK, rec.toJSON())
}

// deleteComment serves DELETE /comments/id/{comment_id}.
func (s *Server) deleteComment(x *exchange, id string) {
	rec, ok := s.findComment(x, id)
	if !ok {
		return
	}
	rec.deleted = true
	s.emitComment("deleted", rec.Comment)
	x.status = http.StatusNoContent
	x.w.WriteHeader(http.StatusNoContent)
}

// findComment returns the comment a path names, answering 422 for an id that
// is not a UUID and 404 for an unknown or deleted comment.
func (s *Server) findComment(x *exchange, id string) (*commentRecord, bool) {
	if !pathUUID(x, "comment_id", id) {
		return nil, false
	}
	rec, ok := s.comments[id]
	if !ok || rec.deleted {
		x.detail(http.StatusNotFound, fmt.Sprintf("Comment with id %s not found", id))
		return nil, false
	}
	return rec, true
}
