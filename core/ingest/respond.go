package ingest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk/signature"
)

// The codes of error responses.
const (
	codeInvalidJSON      = "invalid_json"
	codeInvalidEvent     = "invalid_event"
	codeUnauthorized     = "unauthorized"
	codeConflict         = "conflict"
	codeTooLarge         = "too_large"
	codeUnsupportedMedia = "unsupported_media_type"
	codeUnavailable      = "unavailable"
	codeMethodNotAllowed = "method_not_allowed"
	codeNotFound         = "not_found"
	codeInternal         = "internal"
)

// apiError is a rejected request: the response's status, code, message and field,
// and the underlying error for the log.
type apiError struct {
	status  int
	code    string
	message string
	field   string
	cause   error
}

func unauthorized(message string, cause error) *apiError {
	return &apiError{status: http.StatusUnauthorized, code: codeUnauthorized, message: message, cause: cause}
}

func unavailable(message string, cause error) *apiError {
	return &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable, message: message, cause: cause}
}

func methodNotAllowed(method string, rt *route) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
		message: "method " + quote(method) + " is not allowed on " + rt.path + "; use " + rt.method}
}

func notFound(path string) *apiError {
	return &apiError{status: http.StatusNotFound, code: codeNotFound,
		message: "no endpoint at " + quote(path) + "; ingest serves POST /v1/events, POST /v1/turbo/webhook, POST /v1/github/webhook, GET /healthz and GET /readyz"}
}

// parseError converts an error of core/event into a response.
func parseError(err error) *apiError {
	var syntaxErr *event.SyntaxError
	var fieldErr *event.FieldError
	var conflictErr *event.BatchConflictError
	switch {
	case errors.As(err, &syntaxErr):
		return &apiError{status: http.StatusBadRequest, code: codeInvalidJSON, message: syntaxErr.Error(), field: syntaxErr.Path, cause: err}
	case errors.As(err, &fieldErr):
		return &apiError{status: http.StatusBadRequest, code: codeInvalidEvent, message: fieldErr.Error(), field: fieldErr.Path(), cause: err}
	case errors.As(err, &conflictErr):
		field := "events[" + strconv.Itoa(conflictErr.Second) + "].event_id"
		return &apiError{status: http.StatusConflict, code: codeConflict, message: conflictErr.Error(), field: field, cause: err}
	default:
		return internal(err)
	}
}

// acceptError converts an Acceptor's error into a response.
func (h *handler) acceptError(ctx context.Context, err error, events []*event.Incoming) *apiError {
	var conflictErr *store.ConflictError
	switch {
	case errors.As(err, &conflictErr) && isNativeDelivery(events):
		return nativeConflict(conflictErr, err)
	case errors.As(err, &conflictErr):
		return &apiError{status: http.StatusConflict, code: codeConflict, message: conflictErr.Error(),
			field: eventIDField(events, conflictErr.EventID), cause: err}
	case errors.Is(err, store.ErrUnavailable):
		// A commit whose answer was lost may have stored the events.
		return unavailable("the event store cannot commit right now; the events may not have been stored; resend them after "+h.retryAfter[0]+" seconds (a stored one is answered as a duplicate)", err)
	case errors.Is(err, ErrBacklogFull):
		return unavailable("the delivery backlog is over its limit; nothing was stored, retry after "+h.retryAfter[0]+" seconds", err)
	case errors.Is(err, ErrStoreFull):
		return unavailable("the event store is over its size limit; nothing was stored, retry after "+h.retryAfter[0]+" seconds", err)
	case ctx.Err() != nil:
		return unavailable("the request was cancelled while the events were being stored; resend them (a stored one is acknowledged as a duplicate)", err)
	default:
		return internal(err)
	}
}

// isNativeDelivery reports whether the events are one delivery of Turbo's
// native webhook, whose event_id is its X-Webhook-Delivery-Id header.
func isNativeDelivery(events []*event.Incoming) bool {
	return len(events) == 1 && events[0].Format == event.FormatTurbo
}

// nativeConflict is the 409 of a native delivery. It names the header instead
// of event_id, which Turbo does not send.
func nativeConflict(conflictErr *store.ConflictError, err error) *apiError {
	return &apiError{status: http.StatusConflict, code: codeConflict, field: signature.HeaderTurboDeliveryID, cause: err,
		message: "a delivery with " + signature.HeaderTurboDeliveryID + " " + quote(conflictErr.EventID) +
			" was already accepted with a different body or X-Webhook-Event; nothing was stored. " +
			"A retry must resend the same body and event, and a new delivery needs a new delivery id"}
}

func internal(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: codeInternal,
		message: "internal error; the events were not stored, retry later", cause: err}
}

// eventIDField names the event_id field of the event with id, such as
// "events[3].event_id", or "event_id" for a single event.
func eventIDField(events []*event.Incoming, id string) string {
	if len(events) == 1 {
		return "event_id"
	}
	for i, in := range events {
		if in.Envelope.EventID == id {
			return "events[" + strconv.Itoa(i) + "].event_id"
		}
	}
	return ""
}

// jsonContentType is the Content-Type of every response. net/http never modifies
// header value slices, so one slice serves every response.
var jsonContentType = []string{"application/json"}

// bufferPool keeps buffers for response bodies, which Write copies.
var bufferPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 512)
	return &b
}}

// writeJSON sends a response.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client went away
}

// fail sends an error response and logs it (see logRejection).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, e *apiError) {
	if e.status == http.StatusServiceUnavailable {
		w.Header()["Retry-After"] = h.retryAfter
	}

	bp := bufferPool.Get().(*[]byte)
	b := append((*bp)[:0], `{"error":`...)
	b = appendString(b, strings.ToValidUTF8(e.message, "\uFFFD"))
	b = append(b, `,"code":"`...)
	b = append(b, e.code...)
	b = append(b, '"')
	if e.field != "" {
		b = append(b, `,"field":`...)
		b = appendString(b, strings.ToValidUTF8(e.field, "\uFFFD"))
	}
	b = append(b, '}')
	writeJSON(w, e.status, b)
	*bp = b
	bufferPool.Put(bp)

	h.logRejection(r, e)
}

// writeAccepted sends 202 with each event's id and duplicate flag, or 200 when
// every event was a duplicate, and logs the request.
func (h *handler) writeAccepted(w http.ResponseWriter, r *http.Request, results []store.EventResult, started time.Time) {
	duplicates := 0
	bp := bufferPool.Get().(*[]byte)
	b := append((*bp)[:0], `{"accepted":`...)
	b = strconv.AppendInt(b, int64(len(results)), 10)
	b = append(b, `,"events":[`...)
	for i, res := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"event_id":`...)
		b = appendString(b, res.EventID)
		b = append(b, `,"duplicate":`...)
		b = strconv.AppendBool(b, res.Duplicate)
		b = append(b, '}')
		if res.Duplicate {
			duplicates++
		}
	}
	b = append(b, "]}"...)

	status := http.StatusAccepted
	if duplicates == len(results) {
		status = http.StatusOK
	}
	writeJSON(w, status, b)
	*bp = b
	bufferPool.Put(bp)

	h.log.LogAttrs(r.Context(), slog.LevelInfo, "events accepted",
		slog.String("path", r.URL.Path), slog.Int("events", len(results)), slog.Int("duplicates", duplicates),
		slog.String("event_id", results[0].EventID), slog.Float64("duration_ms", float64(h.clock.Now().Sub(started).Microseconds())/1000))
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// quote quotes a request value for a message, shortened to 64 bytes.
func quote(s string) string {
	const maxBytes = 64
	if len(s) > maxBytes {
		return strconv.Quote(strings.ToValidUTF8(s[:maxBytes], "")) + "..."
	}
	return strconv.Quote(s)
}
