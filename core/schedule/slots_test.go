package schedule

import (
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/config"
)

func TestLatestSlot(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	daily := &config.Report{Hour: 9, Minute: 0, Location: berlin}
	night := &config.Report{Hour: 2, Minute: 30, Location: berlin}
	weekly := &config.Report{Hour: 9, Minute: 0, Weekday: time.Monday, Location: berlin}
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	tests := []struct {
		name   string
		report *config.Report
		weekly bool
		now    string
		want   string
	}{
		{"after today's time", daily, false, "2026-12-04T10:00:00Z", "2026-12-04T08:00:00Z"},
		{"at today's time", daily, false, "2026-12-04T08:00:00Z", "2026-12-04T08:00:00Z"},
		{"before today's time", daily, false, "2026-12-04T07:59:00Z", "2026-12-03T08:00:00Z"},
		{"summer time", daily, false, "2026-07-01T12:00:00Z", "2026-07-01T07:00:00Z"},
		{"the day clocks go forward", night, false, "2026-03-29T12:00:00Z", "2026-03-29T01:30:00Z"},
		{"weekly on a Friday", weekly, true, "2026-12-04T10:00:00Z", "2026-11-30T08:00:00Z"},
		{"weekly on the Monday before", weekly, true, "2026-11-30T07:00:00Z", "2026-11-23T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := latestSlot(tt.report, tt.weekly, utc(tt.now))
			if !got.Equal(utc(tt.want)) {
				t.Errorf("latestSlot(%s) = %s, want %s", tt.now, got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestPreviousSlotKeepsLocalTimeAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	slot := time.Date(2026, 3, 29, 9, 0, 0, 0, berlin)
	from := previousSlot(slot, false)
	if from.Hour() != 9 || slot.Sub(from) != 23*time.Hour {
		t.Errorf("the day clocks go forward: period %s to %s, want 09:00 to 09:00 local, 23 hours", from, slot)
	}
}

func TestScheduleSummary(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) // a Saturday
	tests := []struct {
		name string
		cfg  config.Schedule
		want string
	}{
		{
			name: "defaults",
			cfg:  config.Schedule{Interval: time.Minute, DueSoon: []time.Duration{72 * time.Hour, 24 * time.Hour}, Location: time.UTC},
			want: "schedule:               every 1m; due dates without a UTC offset are in UTC\n" +
				"  due-date warnings     72h and 24h before the due date\n" +
				"  system.daily_digest   off\n" +
				"  system.weekly_report  off\n",
		},
		{
			name: "reports and no warnings",
			cfg: config.Schedule{Interval: 30 * time.Second, DueSoon: []time.Duration{}, Location: berlin,
				DailyDigest:  &config.Report{Hour: 9, Location: berlin},
				WeeklyReport: &config.Report{Hour: 8, Minute: 30, Weekday: time.Monday, Location: time.UTC}},
			want: "schedule:               every 30s; due dates without a UTC offset are in Europe/Berlin\n" +
				"  due-date warnings     off (due_soon is empty); overdue notices are still sent\n" +
				"  system.daily_digest   09:00 Europe/Berlin, next Sun 6 Dec 2026 09:00 CET\n" +
				"  system.weekly_report  monday 08:30 UTC, next Mon 7 Dec 2026 08:30 UTC\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summary(tt.cfg, now); got != tt.want {
				t.Errorf("Summary =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
