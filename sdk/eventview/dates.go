package eventview

import "time"

// DateForm is the written form of an event's date field.
type DateForm int

// The forms of a date field. Turbo writes RFC 3339 times. A person may also
// write a day alone or a time of day without a UTC offset, and Switchboard
// reads such due dates in schedule.tz.
const (
	// NotADate is any other text.
	NotADate DateForm = iota
	// Instant is an RFC 3339 time with its UTC offset: one moment for every
	// reader.
	Instant
	// Day is a date alone ("2026-12-05"): the same calendar day for every
	// reader, never to be shifted into a reader's time zone.
	Day
	// LocalTime is a date and time of day without a UTC offset
	// ("2026-12-05T04:15:00"): a wall-clock time in a zone the event leaves
	// out.
	LocalTime
)

// localLayouts are the forms of a time of day without a UTC offset, as
// Switchboard reads due dates.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}

// ReadDate reads a date field and returns its form. A Day or a LocalTime is
// returned with its written fields in UTC, to be formatted, not converted.
func ReadDate(text string) (time.Time, DateForm) {
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t, Instant
	}
	if t, err := time.Parse("2006-01-02", text); err == nil {
		return t, Day
	}
	for _, layout := range localLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t, LocalTime
		}
	}
	return time.Time{}, NotADate
}
