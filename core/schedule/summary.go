package schedule

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/turbocode/switchboard/core/config"
)

// Summary describes the schedule the way `switchboard check` prints it: the
// pass interval, the zone of due dates written without a UTC offset, the
// due-date warning thresholds, and when each report is next due after now.
func Summary(cfg config.Schedule, now time.Time) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "schedule:\tevery %s; due dates without a UTC offset are in %s\n", config.FormatDuration(cfg.Interval), cfg.Location)
	fmt.Fprintf(w, "  due-date warnings\t%s\n", dueSoonText(cfg.DueSoon))
	for _, r := range []report{{"system.daily_digest", cfg.DailyDigest, false}, {"system.weekly_report", cfg.WeeklyReport, true}} {
		fmt.Fprintf(w, "  %s\t%s\n", r.eventType, reportText(r, now))
	}
	w.Flush()
	return b.String()
}

// LogAttrs returns the schedule as log attributes, for the start-up line.
func LogAttrs(cfg config.Schedule, now time.Time) []any {
	attrs := []any{"schedule_tz", cfg.Location.String(), "due_soon", dueSoonText(cfg.DueSoon)}
	if cfg.DailyDigest != nil {
		attrs = append(attrs, "daily_digest_next", nextSlot(cfg.DailyDigest, false, now).Format(time.RFC3339))
	}
	if cfg.WeeklyReport != nil {
		attrs = append(attrs, "weekly_report_next", nextSlot(cfg.WeeklyReport, true, now).Format(time.RFC3339))
	}
	return attrs
}

// dueSoonText lists the thresholds: "72h and 24h before the due date".
func dueSoonText(thresholds []time.Duration) string {
	if len(thresholds) == 0 {
		return "off (due_soon is empty); overdue notices are still sent"
	}
	texts := make([]string, len(thresholds))
	for i, d := range thresholds {
		texts[i] = config.FormatDuration(d)
	}
	last := len(texts) - 1
	if last == 0 {
		return texts[0] + " before the due date"
	}
	return strings.Join(texts[:last], ", ") + " and " + texts[last] + " before the due date"
}

// reportText describes one report: "09:00 Europe/Berlin, next Sun 6 Dec 2026
// 09:00 CET", with the weekday for a weekly one, or "off".
func reportText(r report, now time.Time) string {
	if r.cfg == nil {
		return "off"
	}
	at := fmt.Sprintf("%02d:%02d %s", r.cfg.Hour, r.cfg.Minute, r.cfg.Location)
	if r.weekly {
		at = strings.ToLower(r.cfg.Weekday.String()) + " " + at
	}
	return at + ", next " + nextSlot(r.cfg, r.weekly, now).Format("Mon 2 Jan 2006 15:04 MST")
}
