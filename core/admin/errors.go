package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/turbocode/switchboard/core/store"
)

// The codes of error responses.
const (
	codeUnauthorized     = "unauthorized"
	codeInvalidRequest   = "invalid_request"
	codeNotFound         = "not_found"
	codeConflict         = "conflict"
	codeMethodNotAllowed = "method_not_allowed"
	codeUnavailable      = "unavailable"
	codeNotImplemented   = "not_implemented"
	codeInternal         = "internal"
)

// apiError is a rejected request: its status, code, message and the field at
// fault.
type apiError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *apiError) Error() string { return e.message }

func invalid(field, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidRequest, field: field, message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, code: codeNotFound, message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *apiError {
	return &apiError{status: http.StatusConflict, code: codeConflict, message: fmt.Sprintf(format, args...)}
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Field string `json:"field,omitempty"`
}

// writeError writes err as the response: an *apiError as it is, store.ErrNotFound as
// 404, store.ErrUnavailable as 503, anything else as 500 with the cause in
// the log only.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, store.ErrNotFound):
		ae = &apiError{status: http.StatusNotFound, code: codeNotFound, message: err.Error()}
	case errors.Is(err, store.ErrUnavailable):
		w.Header().Set("Retry-After", "5")
		ae = &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable, message: "the store is unavailable; try again shortly"}
		s.log.Error("management request failed: store unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	default:
		ae = &apiError{status: http.StatusInternalServerError, code: codeInternal, message: "internal error; the log has the cause"}
		s.log.Error("management request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, ae.status, errorBody{Error: ae.message, Code: ae.code, Field: ae.field})
}

// writeJSON writes v as the JSON response. Characters such as < are not escaped
// as \u003c, so redacted values read <secret> in a terminal too; browsers
// never render the body as HTML, because it is served as application/json
// with X-Content-Type-Options: nosniff.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		body.Reset()
		body.WriteString(`{"error":"encode the response failed","code":"internal"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body.Bytes())
}

// unknownEndpoint responds to a path under /api/ that no endpoint serves: 405
// when the path exists with another method, else 404.
func (s *server) unknownEndpoint(w http.ResponseWriter, r *http.Request) {
	if !s.token.valid(r) {
		s.writeUnauthorized(w, r)
		return
	}
	var allowed []string
	for _, ep := range s.endpoints() {
		if matchPattern(ep.pattern, r.URL.Path) {
			allowed = append(allowed, ep.method)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", joinWords(allowed))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Code: codeMethodNotAllowed,
			Error: fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.URL.Path, joinWords(allowed))})
		return
	}
	s.writeError(w, r, notFound("no endpoint at %s; docs/openapi/admin.yaml lists the management API", r.URL.Path))
}

// matchPattern reports whether path fits a ServeMux pattern path with
// {name} segments.
func matchPattern(pattern, path string) bool {
	ps, xs := splitPath(pattern), splitPath(path)
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if len(ps[i]) > 1 && ps[i][0] == '{' {
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if i > start {
				out = append(out, p[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func joinWords(words []string) string {
	out := ""
	for i, w := range words {
		if i > 0 {
			out += ", "
		}
		out += w
	}
	return out
}
