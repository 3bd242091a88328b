package turbofake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// problem is one entry of a FastAPI 422 answer.
type problem struct {
	Type string   `json:"type"`
	Loc  []string `json:"loc"`
	Msg  string   `json:"msg"`
}

// exchange is one request being answered.
type exchange struct {
	w      http.ResponseWriter
	r      *http.Request
	path   string // after /api/v1/
	body   []byte
	status int
}

func (x *exchange) json(status int, v any) {
	x.status = status
	x.w.Header().Set("Content-Type", "application/json")
	x.w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(x.w).Encode(v)
	}
}

func (x *exchange) detail(status int, text string) { x.json(status, map[string]string{"detail": text}) }

func (x *exchange) invalid(problems ...problem) {
	x.json(http.StatusUnprocessableEntity, map[string]any{"detail": problems})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	x := &exchange{w: w, r: r, body: body}
	s.mu.Lock()
	defer func() {
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Body: string(body), Status: x.status})
		s.mu.Unlock()
	}()

	path, ok := strings.CutPrefix(r.URL.Path, "/api/v1/")
	if !ok {
		x.detail(http.StatusNotFound, "Not Found")
		return
	}
	x.path = path
	if s.opts.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		x.detail(http.StatusUnauthorized, "Not authenticated")
		return
	}
	if f, ok := s.failures.Take(r.Method, path); ok {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter.Seconds())))
		}
		x.detail(f.Status, f.Detail)
		return
	}
	s.route(x)
}

// route calls the handler of the path's shape.
func (s *Server) route(x *exchange) {
	parts := strings.Split(strings.TrimSuffix(x.path, "/"), "/")
	method := x.r.Method
	switch {
	case len(parts) == 1 && parts[0] == "issues" && method == http.MethodGet:
		s.listIssues(x)
	case len(parts) == 1 && parts[0] == "issues" && method == http.MethodPost:
		s.createIssue(x)
	case len(parts) == 2 && parts[0] == "issues" && method == http.MethodGet:
		s.getIssue(x, parts[1])
	case len(parts) == 2 && parts[0] == "issues" && method == http.MethodPut:
		s.updateIssue(x, parts[1])
	case len(parts) == 3 && parts[0] == "issues" && method == http.MethodPost && parts[2] == "assign":
		s.assignIssue(x, parts[1])
	case len(parts) == 3 && parts[0] == "issues" && method == http.MethodPost && (parts[2] == "close" || parts[2] == "reopen"):
		s.setStatus(x, parts[1], parts[2])
	case len(parts) == 4 && parts[0] == "issues" && parts[2] == "tags" && (method == http.MethodPost || method == http.MethodDelete):
		s.tagIssue(x, parts[1], parts[3])
	case len(parts) == 1 && parts[0] == "milestones" && method == http.MethodGet:
		s.listMilestones(x)
	case len(parts) == 3 && parts[0] == "milestones" && parts[2] == "issues" && method == http.MethodGet:
		s.milestoneIssues(x, parts[1])
	case len(parts) == 1 && parts[0] == "comments" && method == http.MethodPost:
		s.createComment(x)
	case len(parts) == 3 && parts[0] == "comments" && parts[1] == "id" && method == http.MethodPut:
		s.updateComment(x, parts[2])
	case len(parts) == 3 && parts[0] == "comments" && parts[1] == "id" && method == http.MethodDelete:
		s.deleteComment(x, parts[2])
	default:
		x.detail(http.StatusNotFound, "Not Found")
	}
}

// pathUUID checks a path parameter that Turbo declares as a UUID.
func pathUUID(x *exchange, name, value string) bool {
	if _, err := uuid.Parse(value); err != nil {
		x.invalid(problem{Type: "uuid_parsing", Loc: []string{"path", name}, Msg: "Input should be a valid UUID"})
		return false
	}
	return true
}

// decodeObject reads the body as a JSON object.
func decodeObject(x *exchange) (map[string]json.RawMessage, bool) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(x.body, &fields); err != nil || fields == nil {
		x.invalid(problem{Type: "json_invalid", Loc: []string{"body"}, Msg: "JSON decode error"})
		return nil, false
	}
	return fields, true
}

// stringField reads an optional string field; present reports whether the key
// was sent, null whether its value was null.
func stringField(x *exchange, fields map[string]json.RawMessage, name string) (value string, present, null, ok bool) {
	raw, present := fields[name]
	if !present {
		return "", false, false, true
	}
	if string(raw) == "null" {
		return "", true, true, true
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		x.invalid(problem{Type: "string_type", Loc: []string{"body", name}, Msg: "Input should be a valid string"})
		return "", true, false, false
	}
	return value, true, false, true
}

// checkEnum validates a value against the values a schema allows.
func checkEnum(name, value string, allowed []string) *problem {
	if slices.Contains(allowed, value) {
		return nil
	}
	return &problem{Type: "literal_error", Loc: []string{"body", name},
		Msg: "Input should be " + strings.Join(quoteAll(allowed), ", ")}
}

func quoteAll(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = "'" + v + "'"
	}
	return out
}
