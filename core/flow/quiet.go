package flow

import (
	"time"

	"github.com/turbocode/switchboard/core/config"
)

// QuietUntil returns the end of the quiet hours of q that contain at, and
// false when at is outside them or q is nil.
//
// A window starts at the first instant the clock of q.Location shows q.From
// and ends at the first instant after that it shows q.To, the next day when
// From is later than To. A time the clock skips when daylight saving time
// starts counts as the first instant after the skip, so a window whose end
// falls into the gap ends when the gap does. A time the clock shows twice when
// daylight saving time ends counts at its first showing.
func QuietUntil(q *config.Quiet, at time.Time) (time.Time, bool) {
	if q == nil {
		return time.Time{}, false
	}
	year, month, day := at.In(q.Location).Date()

	// The window that contains at started today or, when it crosses
	// midnight, yesterday.
	for _, startDay := range []int{day - 1, day} {
		start := firstShowing(year, month, startDay, q.From, q.Location)
		endDay := startDay
		if q.To <= q.From {
			endDay++
		}
		end := firstShowing(year, month, endDay, q.To, q.Location)
		if !at.Before(start) && at.Before(end) {
			return end, true
		}
	}
	return time.Time{}, false
}

// firstShowing returns the first instant at which the clock of loc shows the
// time of day sinceMidnight on the given date. When daylight saving time
// skips that time, it returns the first instant that shows a later one. The
// day may be out of range and is normalised as time.Date does.
//
// It assumes that loc changes its offset at most once within a day and a
// half, which holds for every zone in the IANA database.
func firstShowing(year int, month time.Month, day int, sinceMidnight time.Duration, loc *time.Location) time.Time {
	wall := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Add(sinceMidnight)

	// The instants at which the clock shows wall are wall minus one of the
	// offsets in effect around it.
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	_, after := wall.Add(36 * time.Hour).In(loc).Zone()
	var first time.Time
	for _, offset := range []int{before, after} {
		candidate := wall.Add(-time.Duration(offset) * time.Second)
		if _, actual := candidate.In(loc).Zone(); actual != offset {
			continue
		}
		if first.IsZero() || candidate.Before(first) {
			first = candidate
		}
	}
	if !first.IsZero() {
		return first
	}

	// The clock skips wall: the first later showing is the moment of the
	// change, where the zone that starts after the skip begins.
	skipped := wall.Add(-time.Duration(min(before, after)) * time.Second)
	start, _ := skipped.In(loc).ZoneBounds()
	return start
}
