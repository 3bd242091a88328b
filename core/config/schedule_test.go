package config

import (
	"testing"
)

func TestScheduleTimeZones(t *testing.T) {
	tests := []struct {
		name                           string
		schedule                       string
		wantDue, wantDaily, wantWeekly string
	}{
		{"defaults", `{daily_digest: {at: "09:00"}, weekly_report: {at: "09:00"}}`, "UTC", "UTC", "UTC"},
		{"schedule tz for all", `{tz: Europe/Berlin, daily_digest: {at: "09:00"}, weekly_report: {at: "09:00"}}`,
			"Europe/Berlin", "Europe/Berlin", "Europe/Berlin"},
		{"report tz wins", `{daily_digest: {at: "09:00", tz: Asia/Tokyo}, tz: Europe/Berlin, weekly_report: {at: "09:00"}}`,
			"Europe/Berlin", "Asia/Tokyo", "Europe/Berlin"},
		{"report tz without schedule tz", `{daily_digest: {at: "09:00", tz: Asia/Tokyo}, weekly_report: {at: "09:00"}}`,
			"UTC", "Asia/Tokyo", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "ingest: {insecure: true}\nschedule: " + tt.schedule + "\n"
			cfg, err := Parse("switchboard.yaml", []byte(data), testCatalog(), envOf(testEnv))
			if err != nil {
				t.Fatal(err)
			}
			s := cfg.Schedule
			if got := s.Location.String(); got != tt.wantDue {
				t.Errorf("schedule zone = %s, want %s", got, tt.wantDue)
			}
			if got := s.DailyDigest.Location.String(); got != tt.wantDaily {
				t.Errorf("daily digest zone = %s, want %s", got, tt.wantDaily)
			}
			if got := s.WeeklyReport.Location.String(); got != tt.wantWeekly {
				t.Errorf("weekly report zone = %s, want %s", got, tt.wantWeekly)
			}
		})
	}
}
