package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Schedule configures the events Switchboard derives from time.
type Schedule struct {
	// Interval is how often the scheduler looks for due events. Default 1m.
	Interval time.Duration
	// DueSoon are the times before a due date at which an issue or milestone
	// that is not closed gets <type>.due_date_approaching, each listed once.
	// Default [72h, 24h]; an empty list sends no warnings, only the overdue
	// events.
	DueSoon []time.Duration
	// DailyDigest, when set, emits system.daily_digest once a day.
	DailyDigest *Report
	// WeeklyReport, when set, emits system.weekly_report once a week.
	WeeklyReport *Report
	// Location is the time zone of due dates written without a UTC offset
	// ("2026-12-10", "2026-12-10T17:00:00"). It is also the zone of each report
	// that sets no tz of its own. Written `tz: Europe/Berlin`; default UTC.
	Location *time.Location
}

// Report is when a periodic summary event is emitted.
type Report struct {
	// Hour and Minute are the local time of day, written `at: "09:00"`.
	Hour, Minute int
	// Weekday is the day of a weekly report, written `day: monday`. Default Monday.
	Weekday time.Weekday
	// Location is the time zone, written `tz: Europe/Berlin`. Default
	// schedule.tz, which defaults to UTC.
	Location *time.Location
}

// defaultDueSoon are the default due-date warning thresholds.
var defaultDueSoon = []time.Duration{72 * time.Hour, 24 * time.Hour}

func (d *decoder) scheduleFields(s *Schedule) []field {
	return []field{
		{"interval", d.durationField(&s.Interval)},
		{"due_soon", d.durationListField(&s.DueSoon)},
		{"daily_digest", d.reportField(&s.DailyDigest, false)},
		{"weekly_report", d.reportField(&s.WeeklyReport, true)},
		{"tz", d.locationField(&s.Location)},
	}
}

// locationField decodes an IANA time zone name and loads it.
func (d *decoder) locationField(dst **time.Location) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if _, location, ok := d.timeZone(n, path); ok {
			*dst = location
		}
	}
}

// defaultReportZones gives each report without a tz of its own schedule.tz.
func (d *decoder) defaultReportZones(cfg *Config) {
	s := &cfg.Schedule
	if s.DailyDigest != nil && !d.isSet("schedule.daily_digest.tz") {
		s.DailyDigest.Location = s.Location
	}
	if s.WeeklyReport != nil && !d.isSet("schedule.weekly_report.tz") {
		s.WeeklyReport.Location = s.Location
	}
}

// durationListField decodes a list of durations, or one duration as a list of one.
func (d *decoder) durationListField(dst *[]time.Duration) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		var texts []string
		d.stringListField(&texts)(n, path)
		list := []time.Duration{}
		for i, text := range texts {
			value, err := ParseDuration(text)
			switch {
			case err != nil || value <= 0:
				d.errorAt(itemPath(path, i), "invalid threshold %q: expected a duration longer than zero such as 24h", text)
				continue
			case slices.Contains(list, value):
				d.errorAt(itemPath(path, i), "threshold %s is listed twice; list each threshold once", FormatDuration(value))
				continue
			}
			list = append(list, value)
		}
		*dst = list
	}
}

// reportField decodes {at, tz} and, for a weekly report, day.
func (d *decoder) reportField(dst **Report, weekly bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		if isNull(n) {
			return
		}
		var at, tz, day string
		fields := []field{{"at", d.stringField(&at)}, {"tz", d.stringField(&tz)}}
		if weekly {
			fields = append(fields, field{"day", d.stringField(&day)})
		}
		d.decodeFields(n, path, fields)

		r := &Report{Weekday: time.Monday, Location: time.UTC}
		d.parseReport(r, path, at, tz, day)
		*dst = r
	}
}

func (d *decoder) parseReport(r *Report, path, at, tz, day string) {
	hour, minute, err := parseClock(at)
	if at == "" {
		d.errorAt(path, "set at: to the local time of day to send it, such as at: \"09:00\"")
	} else if err != nil {
		d.errorAt(childPath(path, "at"), "%v", err)
	}
	r.Hour, r.Minute = hour, minute

	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			d.errorAt(childPath(path, "tz"), "unknown time zone %q; use an IANA name such as Europe/Berlin or UTC", tz)
		} else {
			r.Location = loc
		}
	}
	if day != "" {
		weekday, ok := weekdays[strings.ToLower(day)]
		if !ok {
			d.errorAt(childPath(path, "day"), "unknown day %q; use monday, tuesday, ... or sunday", day)
		}
		r.Weekday = weekday
	}
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

// parseClock reads a 24-hour "HH:MM" time of day.
func parseClock(text string) (int, int, error) {
	hourText, minuteText, ok := strings.Cut(text, ":")
	hour, errHour := strconv.Atoi(hourText)
	minute, errMinute := strconv.Atoi(minuteText)
	if !ok || errHour != nil || errMinute != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 || len(minuteText) != 2 {
		return 0, 0, fmt.Errorf("invalid time of day %q: expected a 24-hour time such as \"09:00\"", text)
	}
	return hour, minute, nil
}

// minScheduleInterval is the shortest schedule.interval: each pass takes the
// scheduler lease in the store, so a shorter one would keep the writer busy.
const minScheduleInterval = time.Second

// checkScheduleInterval bounds schedule.interval from below.
func checkScheduleInterval(d *decoder, cfg *Config) {
	const path = "schedule.interval"
	if d.failed[path] || cfg.Schedule.Interval <= 0 || cfg.Schedule.Interval >= minScheduleInterval {
		return
	}
	d.errorAt(path, "%s is too short; use at least 1s", d.writtenValue(path, FormatDuration(cfg.Schedule.Interval)))
}
