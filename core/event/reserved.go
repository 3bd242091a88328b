package event

import (
	"slices"
	"strings"
)

// reservedTypePrefixes start the types of the events Switchboard raises
// itself: its system events (switchboard.delivery_dead, ...) and the
// scheduler's reports (system.daily_digest, system.weekly_report).
var reservedTypePrefixes = []string{"switchboard.", "system."}

// reservedTypes are the due-date events Switchboard's scheduler raises: a
// sender's copy would reach routes as a due-date warning with none of its
// data (threshold, due_at). core/derive's tests check the list against the
// scheduler's types.
var reservedTypes = []string{"issue.due_date_approaching", "issue.overdue", "milestone.due_date_approaching", "milestone.overdue"}

// ReservedType reports whether senders may not send events of eventType.
func ReservedType(eventType string) bool {
	return reservedPrefix(eventType) != "" || slices.Contains(reservedTypes, eventType)
}

// reservedPrefix returns the reserved prefix that eventType starts with, or "".
func reservedPrefix(eventType string) string {
	for _, prefix := range reservedTypePrefixes {
		if strings.HasPrefix(eventType, prefix) {
			return prefix
		}
	}
	return ""
}

// CheckNotReserved returns a *FieldError for the first event whose type
// starts with a prefix Switchboard reserves for the events it raises itself,
// so that an outside sender cannot raise them. Ingest calls it; parsing does
// not, so that `routes test` and the dry run still take such events. batch
// is set when the request carried an array, so the error names the index.
func CheckNotReserved(events []*Incoming, batch bool) error {
	for i, in := range events {
		eventType := in.Envelope.EventType
		if !ReservedType(eventType) {
			continue
		}
		what := reservedPrefix(eventType) + "*"
		if what == "*" {
			what = "due-date"
		}
		err := fieldError(typeField(in.Format), "%s is reserved: Switchboard raises the %s events itself; send another event type",
			quoteValue(eventType), what)
		if batch {
			err.Index = i
		}
		return err
	}
	return nil
}

// typeField names where a format carries the event type.
func typeField(format Format) string {
	switch format {
	case FormatCloudEvents:
		return "type"
	case FormatTurbo:
		return turboEventHeader
	default:
		return "event_type"
	}
}
