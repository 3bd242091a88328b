package event

import (
	"fmt"
	"strconv"
)

// SyntaxError reports a body that is not acceptable JSON: invalid syntax, invalid
// UTF-8, a duplicate key in an object, or nesting deeper than MaxDepth.
type SyntaxError struct {
	// Offset is the byte offset in the body where the problem was found.
	Offset int
	// Path locates the problem, such as "events[2].data.current"; it is empty at
	// the top level.
	Path    string
	Message string
}

// Error formats the problem with its location.
func (e *SyntaxError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Message)
	}
	return fmt.Sprintf("invalid JSON at byte %d (in %s): %s", e.Offset, e.Path, e.Message)
}

// FieldError reports an event that breaks a rule of its format.
type FieldError struct {
	// Index is the event's position in a batch, or -1 for a single event.
	Index int
	// Field names the field, such as "event_type" or "context.project_id", or
	// the header it came from, such as "X-Webhook-Event". It is empty when the
	// problem is the event or the batch as a whole.
	Field   string
	Message string
}

// Error formats the problem with its location.
func (e *FieldError) Error() string {
	if path := e.Path(); path != "" {
		return path + ": " + e.Message
	}
	return e.Message
}

// Path returns the field's location in the request, such as
// "events[2].event_type" in a batch or "event_type" for a single event.
func (e *FieldError) Path() string {
	if e.Index < 0 {
		return e.Field
	}
	prefix := "events[" + strconv.Itoa(e.Index) + "]"
	if e.Field == "" {
		return prefix
	}
	return prefix + "." + e.Field
}

// BatchConflictError reports two events in one batch with the same event_id and
// different content. (Two with the same content are not an error: the second is
// a duplicate.)
type BatchConflictError struct {
	EventID string
	// First and Second are the positions of the two events in the batch.
	First, Second int
}

// Error names both events and the fix.
func (e *BatchConflictError) Error() string {
	return fmt.Sprintf("events[%d] and events[%d] share event_id %q but differ in content; give each event its own event_id",
		e.First, e.Second, e.EventID)
}

// fieldError returns a *FieldError for a single event; callers in batch code set
// Index afterwards.
func fieldError(field, format string, args ...any) *FieldError {
	return &FieldError{Index: -1, Field: field, Message: fmt.Sprintf(format, args...)}
}

// quoteValue quotes a value for an error message, shortened so that a huge value
// cannot flood a response or a log line.
func quoteValue(s string) string {
	const maxRunes = 64
	runes := 0
	for i := range s {
		if runes == maxRunes {
			return strconv.Quote(s[:i]) + "..."
		}
		runes++
	}
	return strconv.Quote(s)
}
