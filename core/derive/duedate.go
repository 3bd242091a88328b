package derive

import (
	"fmt"
	"time"
)

// dateLayout is a due date written as a day alone.
const dateLayout = "2006-01-02"

// localLayouts are the forms of a due date with a time of day but no UTC
// offset. time.Parse accepts a fraction of a second after the seconds without
// the layout naming it.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}

// ParseDueDate reads a due date as Turbo or a person may write it. An RFC 3339
// time keeps its UTC offset ("2026-12-10T17:00:00Z"). A date and time without
// one ("2026-12-10T17:00:00") is read in loc. A date alone ("2026-12-10") means
// the end of that day in loc, which is midnight at the start of the next day.
// A nil loc is UTC.
func ParseDueDate(text string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t, nil
	}
	if day, err := time.ParseInLocation(dateLayout, text, loc); err == nil {
		return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc), nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, text, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("due date %q is not a date; write it as 2026-12-10, 2026-12-10T17:00:00 or 2026-12-10T17:00:00Z", text)
}

// dueAt returns the due date of a state's fields read in loc; zero when there
// is none or it does not parse (see invalidDueDate).
func (f Fields) dueAt(loc *time.Location) time.Time {
	if text(f.DueDate) == "" {
		return time.Time{}
	}
	t, err := ParseDueDate(*f.DueDate, loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

// invalidDueDate returns the due_date value of a state's fields when it is set
// but cannot be read as a due date in loc: a string's text, or another JSON
// value as written. It returns "" when the field is missing, null, empty or a
// valid date.
func (f Fields) invalidDueDate(loc *time.Location) string {
	switch {
	case f.DueDate != nil && *f.DueDate != "":
		if _, err := ParseDueDate(*f.DueDate, loc); err != nil {
			return *f.DueDate
		}
		return ""
	case f.DueDate == nil && len(f.dueDateRaw) > 0 && string(f.dueDateRaw) != "null":
		return string(f.dueDateRaw)
	}
	return ""
}
