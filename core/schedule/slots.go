package schedule

import (
	"time"

	"github.com/turbocode/switchboard/core/config"
)

// latestSlot returns the latest time at or before now at which the report is
// due: the configured local time of day (and weekday, for a weekly report) in
// its time zone. A local time that a daylight-saving change skips falls at the
// same offset after the gap, as time.Date places it.
func latestSlot(r *config.Report, weekly bool, now time.Time) time.Time {
	local := now.In(r.Location)
	slot := time.Date(local.Year(), local.Month(), local.Day(), r.Hour, r.Minute, 0, 0, r.Location)
	for range 8 {
		if !slot.After(now) && (!weekly || slot.Weekday() == r.Weekday) {
			return slot
		}
		slot = dayBefore(slot, r)
	}
	return slot
}

// dayBefore returns the report's time of day one calendar day earlier.
func dayBefore(slot time.Time, r *config.Report) time.Time {
	y, m, d := slot.AddDate(0, 0, -1).Date()
	return time.Date(y, m, d, r.Hour, r.Minute, 0, 0, r.Location)
}

// previousSlot returns the start of the period that ends at slot: one
// calendar day or week earlier, in the slot's time zone.
func previousSlot(slot time.Time, weekly bool) time.Time {
	if weekly {
		return slot.AddDate(0, 0, -7)
	}
	return slot.AddDate(0, 0, -1)
}

// nextSlot returns the first time after now at which the report is due.
func nextSlot(r *config.Report, weekly bool, now time.Time) time.Time {
	days := 1
	if weekly {
		days = 7
	}
	y, m, d := latestSlot(r, weekly, now).Date()
	return time.Date(y, m, d+days, r.Hour, r.Minute, 0, 0, r.Location)
}
