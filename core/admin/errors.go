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
	codeNoEndpoint       = "no_endpoint"
	codeConflict         = "conflict"
	codeTooLarge         = "too_large"
	codeMethodNotAllowed = "method_not_allowed"
	codeRateLimited      = "rate_limited"
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

// tooLarge is the error of a request body over maxRequestBody.
func tooLarge() *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
		message: fmt.Sprintf("the request body is over %d bytes; send a smaller one", maxRequestBody)}
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
	body, err := marshalText(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"encode the response failed","code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// marshalText encodes v as compact JSON with characters such as < left as
// they are, not escaped as \u003c: the text is shown to people (a redacted
// value reads <secret>), and the pages that show it escape it for HTML.
func marshalText(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
