package client

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// StatusError is a response from Switchboard other than 200 or 202. Callers
// read it with errors.As.
type StatusError struct {
	StatusCode int
	// Code is ingest's error code, such as "invalid_event", "unauthorized",
	// "conflict", "too_large" or "unavailable"; empty when the body was not
	// ingest's.
	Code string
	// Message is ingest's explanation, naming the field and the fix.
	Message string
	// Field is the field the error is about, such as "events[3].event_id".
	Field string
	// Retryable is set for 408, 429 and 5xx, which the client retried.
	Retryable bool
}

// Error formats the response as "switchboard answered 400 Bad Request
// (invalid_event) at events[0].event_type: ...".
func (e *StatusError) Error() string {
	text := "switchboard answered " + strconv.Itoa(e.StatusCode)
	if name := http.StatusText(e.StatusCode); name != "" {
		text += " " + name
	}
	if e.Code != "" {
		text += " (" + e.Code + ")"
	}
	if e.Field != "" {
		text += " at " + e.Field
	}
	if e.Message != "" {
		text += ": " + e.Message
	}
	return text
}

// newStatusError reads ingest's error body {"error", "code", "field"}. A body
// of another shape leaves Code empty and uses reason as the message.
func newStatusError(status int, body []byte, reason string, retryable bool) *StatusError {
	e := &StatusError{StatusCode: status, Retryable: retryable}
	var answer struct {
		Error string `json:"error"`
		Code  string `json:"code"`
		Field string `json:"field"`
	}
	if json.Unmarshal(body, &answer) == nil && answer.Error != "" {
		e.Code, e.Message, e.Field = answer.Code, answer.Error, answer.Field
		return e
	}
	e.Message = reason
	return e
}

// randomDuration returns a random duration in [0, d].
func randomDuration(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
