package turboapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

// Error is an answer outside 2xx.
type Error struct {
	Method string
	Path   string
	// StatusCode is the HTTP status.
	StatusCode int
	// Detail is Turbo's message: FastAPI's "detail", a string or the list of
	// validation problems joined into one line.
	Detail string
	// RetryAfter is the wait a Retry-After header asked for, 0 without one.
	RetryAfter time.Duration
	// Location is a redirect's target, with its query redacted.
	Location string
	// Body is a bounded excerpt of the answer, for the delivery log.
	Body string
}

func (e *Error) Error() string {
	text := fmt.Sprintf("Turbo API %s %s returned %d", e.Method, e.Path, e.StatusCode)
	if e.Detail != "" {
		text += ": " + e.Detail
	}
	return text
}

func newError(method, path string, resp *http.Response, body []byte, now time.Time) *Error {
	e := &Error{Method: method, Path: path, StatusCode: resp.StatusCode, Detail: detail(body),
		RetryAfter: httpresult.ParseRetryAfter(resp.Header.Get("Retry-After"), now), Body: sdk.Excerpt(string(body))}
	if location := resp.Header.Get("Location"); location != "" {
		e.Location = httpresult.RedactLocation(location)
	}
	return e
}

// detail reads FastAPI's error body: {"detail": "text"} or {"detail": [{"loc":
// ["body", "priority"], "msg": "..."}]}.
func detail(body []byte) string {
	var answer struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &answer) != nil || len(answer.Detail) == 0 {
		return ""
	}
	var text string
	if json.Unmarshal(answer.Detail, &text) == nil {
		return text
	}
	var problems []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(answer.Detail, &problems) != nil {
		return string(answer.Detail)
	}
	parts := make([]string, 0, len(problems))
	for _, p := range problems {
		parts = append(parts, location(p.Loc)+": "+p.Msg)
	}
	return strings.Join(parts, "; ")
}

func location(loc []any) string {
	parts := make([]string, 0, len(loc))
	for _, part := range loc {
		switch v := part.(type) {
		case string:
			parts = append(parts, v)
		case float64:
			parts = append(parts, strconv.Itoa(int(v)))
		}
	}
	return strings.Join(parts, ".")
}

// Classify returns the delivery result of a failed call. 408, 429 and 5xx are
// retried after Retry-After; 404 is permanent and says the entity may have
// been deleted; 401 and 403 name turbo.api_token; a redirect names its
// Location; 409, 422 and the other 4xx are permanent with Turbo's message.
// An error without an answer is retried, unless the network guard rejected
// the address.
func Classify(err error) sdk.Result {
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		return httpresult.ClassifyErrorShowingPath(err)
	}
	header := http.Header{}
	if apiErr.RetryAfter > 0 {
		header.Set("Retry-After", strconv.FormatInt(int64(apiErr.RetryAfter/time.Second), 10))
	}
	result := httpresult.ClassifyStatus(apiErr.StatusCode, header, apiErr.Body, time.Time{})
	switch apiErr.StatusCode {
	case http.StatusNotFound:
		result.Reason = apiErr.Error() + "; the entity does not exist in Turbo (deleted, or never created there)"
	case http.StatusUnauthorized, http.StatusForbidden:
		result.Reason = apiErr.Error() + "; check turbo.api_token"
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		result.Reason = apiErr.Error() + " to " + apiErr.Location + "; redirects are not followed, so set turbo.api_url to the new address"
	default:
		result.Reason = apiErr.Error()
	}
	return result
}
