package main

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/route"
)

func TestPrintFlow(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	night := &config.Quiet{From: 22 * time.Hour, To: 7 * time.Hour, TZ: "Europe/Berlin", Location: berlin}
	now := time.Date(2026, 12, 4, 20, 30, 0, 0, time.UTC) // 21:30 in Berlin

	tests := []struct {
		name string
		flow *route.Flow
		want []string
	}{
		{"no options", nil, nil},
		{"digest ending in quiet hours", &route.Flow{Digest: &config.Digest{Window: time.Hour, MaxItems: 20}, Quiet: night}, []string{
			"digest: collected with the route's other matches for this target until 2026-12-04T21:00:00Z, then sent as one message listing at most 20 events",
			"quiet hours (Europe/Berlin): held until 2026-12-05T06:00:00Z",
		}},
		{"throttle outside quiet hours", &route.Flow{Throttle: &config.Throttle{Per: 15 * time.Minute}, ThrottleKey: "issue:1", Quiet: night}, []string{
			`throttle: at most one message per 15m for key "issue:1"; the matches in between are skipped and counted in the next message`,
			"quiet hours (Europe/Berlin): not in effect at 2026-12-04T20:30:00Z",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			printFlow(&out, route.Planned{Flow: tt.flow}, now)

			var got []string
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if line != "" {
					got = append(got, strings.TrimSpace(line))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
